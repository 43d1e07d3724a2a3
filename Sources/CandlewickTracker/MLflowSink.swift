import Foundation
import Logging

/// Delivers tracking operations to an MLflow server: one parent run per pipeline run, one child
/// run per symbol (`mlflow.parentRunId`), found again after a restart by their identity tags
/// (`candlewick_run_id`, `candlewick_kind`, `candlewick_symbol`) through `runs/search`, so a
/// replayed record lands in the same run. Batches are sanitized and split to MLflow's limits;
/// a refused batch is retried item by item and only the refused items are skipped.
public actor MLflowSink: TrackingSink {
    public nonisolated let name = "mlflow"
    private let client: MLflowClient
    private let experimentName: String
    private let logger: Logger
    private var experimentId: String?
    private var runs: [RunRef: MLflowClient.RunHandle] = [:]

    public init(client: MLflowClient, experiment: String, logger: Logger) {
        self.client = client
        self.experimentName = experiment
        self.logger = logger
    }

    public func idle() async {}

    public func deliver(_ ops: [TrackingOp], seq: Int, blob: @Sendable (BlobRef) throws -> Data) async throws -> [String] {
        var skipped: [String] = []
        var unusable = Set<RunRef>()
        func refused(_ ref: RunRef, _ what: String, _ error: MLflowError) {
            skipped.append("\(ref) \(what): \(error)")
        }

        for op in ops {
            switch op {
            case .ensureRun(let ref, let name, let tags, let start):
                guard !unusable.contains(ref) else { continue }
                do { _ = try await resolve(ref, name: name, tags: tags, startTime: start) } catch let e as MLflowError where !e.retryable {
                    unusable.insert(ref)
                    refused(ref, "run", e)
                }
            case .log(let ref, let raw):
                guard let handle = try await usable(ref, &unusable, &skipped) else { continue }
                let (batch, fix) = raw.sanitized()
                if !fix.isEmpty {
                    logger.notice("tracker.fixed_up", metadata: [
                        "seq": "\(seq)", "run": "\(ref)", "truncated": "\(fix.truncated)", "renamed": "\(fix.renamed)", "dropped": "\(fix.dropped)"])
                }
                for part in batch.split() {
                    do { try await client.logBatch(runId: handle.runId, part) } catch let e as MLflowError where !e.retryable {
                        // Find the refused items; log the others.
                        for item in part.items() {
                            do { try await client.logBatch(runId: handle.runId, item) } catch let e as MLflowError where !e.retryable {
                                let key = item.params.first?.key ?? item.metrics.first?.key ?? item.tags.first?.key ?? "?"
                                refused(ref, "key \(key)", e)
                            }
                        }
                        _ = e
                    }
                }
            case .artifact(let ref, let path, let content, let type):
                guard let handle = try await usable(ref, &unusable, &skipped) else { continue }
                let data: Data
                switch content {
                case .inline(let d): data = d
                case .blob(let b):
                    do { data = try blob(b) } catch {
                        skipped.append("\(ref) artifact \(path): \(error)")
                        continue
                    }
                }
                do { try await client.putArtifact(artifactURI: handle.artifactURI, path: path, data: data, contentType: type) } catch let e as MLflowError where !e.retryable {
                    refused(ref, "artifact \(path)", e)
                }
            case .finish(let ref, let status, let end):
                guard let handle = try await usable(ref, &unusable, &skipped) else { continue }
                do { try await client.updateRun(runId: handle.runId, status: status, endTime: end) } catch let e as MLflowError where !e.retryable {
                    refused(ref, "status", e)
                }
            }
        }
        return skipped
    }

    /// The run, or nil (reported once) when the server refuses it for good.
    private func usable(_ ref: RunRef, _ unusable: inout Set<RunRef>, _ skipped: inout [String]) async throws -> MLflowClient.RunHandle? {
        guard !unusable.contains(ref) else { return nil }
        do { return try await resolve(ref) } catch let e as MLflowError where !e.retryable {
            unusable.insert(ref)
            skipped.append("\(ref) run: \(e)")
            return nil
        }
    }

    private func experiment() async throws -> String {
        if let experimentId { return experimentId }
        let id = try await client.experimentId(name: experimentName)
        experimentId = id
        logger.info("tracker.experiment", metadata: ["experiment": "\(experimentName)", "experiment.id": "\(id)"])
        return id
    }

    /// The MLflow run for `ref`: cached, else found by its identity tags, else created (a
    /// symbol run's parent first).
    private func resolve(_ ref: RunRef, name: String? = nil, tags: [MLflowTag]? = nil, startTime: Int64? = nil) async throws
        -> MLflowClient.RunHandle
    {
        if let handle = runs[ref] { return handle }
        let experimentId = try await experiment()
        if let found = try await client.findRuns(experimentId: experimentId, tags: ref.identityTags).first {
            runs[ref] = found
            return found
        }
        var allTags = tags ?? TrackingPlanner.baseTags(ref)
        if case .symbol(let runId, _) = ref {
            let parent = try await resolve(.pipeline(runId: runId), startTime: startTime)
            allTags.append(MLflowTag("mlflow.parentRunId", parent.runId))
        }
        let start = startTime ?? Int64(Date().timeIntervalSince1970 * 1000)
        let created = try await client.createRun(experimentId: experimentId, name: name ?? ref.symbol ?? ref.runId, startTime: start,
                                                 tags: allTags)
        runs[ref] = created
        logger.info("tracker.run_created", metadata: ["run": "\(ref)", "mlflow.run_id": "\(created.runId)"])
        return created
    }
}
