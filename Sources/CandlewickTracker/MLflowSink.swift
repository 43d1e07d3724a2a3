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
    /// Pipeline runs this process created: their symbol runs cannot exist yet, so no search is needed.
    private var createdHere = Set<String>()
    private let uploadConcurrency = 4

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

        // Artifacts of a record go up a few at a time (each PUT is idempotent; the record counts as
        // delivered only when all succeeded).
        var pendingUploads: [(MLflowClient.RunHandle, TrackingOp)] = []
        for op in ops {
            if case .artifact = op {} else if !pendingUploads.isEmpty {
                skipped += try await upload(pendingUploads, blob: blob)
                pendingUploads.removeAll()
            }
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
            case .artifact(let ref, _, _, _):
                guard let handle = try await usable(ref, &unusable, &skipped) else { continue }
                pendingUploads.append((handle, op))
                continue
            case .finish(let ref, let status, let end):
                guard let handle = try await usable(ref, &unusable, &skipped) else { continue }
                do { try await client.updateRun(runId: handle.runId, status: status, endTime: end) } catch let e as MLflowError where !e.retryable {
                    refused(ref, "status", e)
                }
            }
        }
        if !pendingUploads.isEmpty { skipped += try await upload(pendingUploads, blob: blob) }
        return skipped
    }

    /// Uploads artifacts concurrently (at most `uploadConcurrency` at once); returns what was refused.
    private func upload(_ uploads: [(MLflowClient.RunHandle, TrackingOp)], blob: @Sendable (BlobRef) throws -> Data) async throws -> [String] {
        var jobs: [(handle: MLflowClient.RunHandle, ref: RunRef, path: String, data: Data, type: String)] = []
        var skipped: [String] = []
        for (handle, op) in uploads {
            guard case .artifact(let ref, let path, let content, let type) = op else { continue }
            switch content {
            case .inline(let d): jobs.append((handle, ref, path, d, type))
            case .blob(let b):
                do { jobs.append((handle, ref, path, try blob(b), type)) } catch { skipped.append("\(ref) artifact \(path): \(error)") }
            }
        }
        let client = self.client
        let limit = uploadConcurrency
        try await withThrowingTaskGroup(of: String?.self) { group in
            var next = 0
            func start() {
                let j = jobs[next]
                next += 1
                group.addTask {
                    do { try await client.putArtifact(artifactURI: j.handle.artifactURI, path: j.path, data: j.data, contentType: j.type) } catch let e as MLflowError where !e.retryable {
                        return "\(j.ref) artifact \(j.path): \(e)"
                    }
                    return nil
                }
            }
            while next < min(limit, jobs.count) { start() }
            while let result = try await group.next() {
                if let result { skipped.append(result) }
                if next < jobs.count { start() }
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
        let mayExist = ref.symbol == nil || !createdHere.contains(ref.runId)
        if mayExist, let found = try await client.findRuns(experimentId: experimentId, tags: ref.identityTags).first {
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
        if ref.symbol == nil { createdHere.insert(ref.runId) }
        logger.info("tracker.run_created", metadata: ["run": "\(ref)", "mlflow.run_id": "\(created.runId)"])
        return created
    }
}
