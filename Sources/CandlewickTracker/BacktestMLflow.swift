import Foundation

/// Logs a finished backtest's results folder to MLflow (`BacktestTrackingPlan`): the parent run with its params,
/// metrics, equity over steps and every result file as an artifact, and one child run per as-of day
/// (`mlflow.parentRunId`). Idempotent: runs are looked up by their identity tags before one is created, params are
/// the same text each time, metric points carry timestamps from the data (MLflow keeps an identical point once), and
/// artifacts are overwritten — so logging the same folder again, after an interruption or a resumed backtest, adds no
/// run and no point.
public struct BacktestMLflow: Sendable {
    /// What was logged.
    public struct Summary: Sendable, Hashable {
        public var experimentId: String
        public var parentRunId: String
        public var parentCreated: Bool
        public var dayRuns: Int
        public var dayRunsCreated: Int
        public var artifacts: Int
    }

    /// The result files uploaded to the parent run (plus every PNG in `plots/`).
    public static let resultFiles = ["signals.csv", "trades.csv", "equity.csv", "metrics.json", "calibration.json", "report.html"]

    let client: MLflowClient
    let experiment: String

    public init(client: MLflowClient, experiment: String) {
        self.client = client
        self.experiment = experiment
    }

    /// Logs `folder` (a backtest's `--out`, its result files written) as the backtest `fingerprint`.
    public func log(folder: String, fingerprint: String) async throws -> Summary {
        func read(_ name: String) throws -> Data {
            guard let d = FileManager.default.contents(atPath: folder + "/" + name) else {
                throw BacktestTrackingError("\(folder)/\(name) is missing: the backtest has not written its results")
            }
            return d
        }
        func text(_ name: String) throws -> String { String(decoding: try read(name), as: UTF8.self) }
        let plan = try BacktestTrackingPlan.make(fingerprint: fingerprint, metrics: try read("metrics.json"), calibration: try read("calibration.json"),
                                                 equity: try text("equity.csv"), signals: try text("signals.csv"), trades: try text("trades.csv"))
        var files: [(path: String, data: Data)] = try Self.resultFiles.map { ($0, try read($0)) }
        let plots = ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/plots")) ?? []).filter { $0.hasSuffix(".png") }.sorted()
        files += try plots.map { ("plots/\($0)", try read("plots/\($0)")) }

        let experimentId = try await client.experimentId(name: experiment)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (parent, parentCreated) = try await ensure(plan.parent, experimentId: experimentId, extraTags: [], startTime: now)
        try await logBatch(plan.parent.batch, runId: parent.runId)

        let existing = try await client.searchRuns(experimentId: experimentId, tags: ["candlewick_kind": "backtest_day", "candlewick_backtest": fingerprint])
        var byDay: [String: MLflowClient.RunHandle] = [:]
        for run in existing {
            guard let day = run.tags["candlewick_as_of"], byDay[day] == nil else { continue }  // oldest first: the first one stands
            byDay[day] = run.handle
        }
        var created = 0
        for (day, run) in plan.days {
            let handle: MLflowClient.RunHandle
            if let found = byDay[day] {
                handle = found
            } else {
                handle = try await client.createRun(experimentId: experimentId, name: run.name, startTime: now,
                                                    tags: run.tags + [MLflowTag("mlflow.parentRunId", parent.runId)], user: "candlewick-backtest")
                created += 1
            }
            try await logBatch(run.batch, runId: handle.runId)
            for (path, data) in run.artifacts.sorted(by: { $0.key < $1.key }) {
                try await client.putArtifact(artifactURI: handle.artifactURI, path: path, data: data, contentType: Self.contentType(path))
            }
            try await client.updateRun(runId: handle.runId, status: "FINISHED", endTime: Int64(Date().timeIntervalSince1970 * 1000))
        }
        for file in files {
            try await client.putArtifact(artifactURI: parent.artifactURI, path: file.path, data: file.data, contentType: Self.contentType(file.path))
        }
        try await client.updateRun(runId: parent.runId, status: "FINISHED", endTime: Int64(Date().timeIntervalSince1970 * 1000))
        return Summary(experimentId: experimentId, parentRunId: parent.runId, parentCreated: parentCreated, dayRuns: plan.days.count,
                       dayRunsCreated: created, artifacts: files.count)
    }

    /// The run with `run.identity`'s tags (the oldest when there are several), else a new one.
    private func ensure(_ run: BacktestTrackingPlan.Run, experimentId: String, extraTags: [MLflowTag], startTime: Int64) async throws
        -> (MLflowClient.RunHandle, Bool)
    {
        if let found = try await client.findRuns(experimentId: experimentId, tags: run.identity).first { return (found, false) }
        let handle = try await client.createRun(experimentId: experimentId, name: run.name, startTime: startTime, tags: run.tags + extraTags,
                                                user: "candlewick-backtest")
        return (handle, true)
    }

    /// Sanitized and split to MLflow's limits; any refusal is an error (the files are ours: a refusal is a bug to see).
    private func logBatch(_ batch: LogBatch, runId: String) async throws {
        for part in batch.sanitized().0.split() { try await client.logBatch(runId: runId, part) }
    }

    static func contentType(_ path: String) -> String {
        if path.hasSuffix(".csv") { return "text/csv" }
        if path.hasSuffix(".json") { return "application/json" }
        if path.hasSuffix(".html") { return "text/html" }
        if path.hasSuffix(".png") { return "image/png" }
        return "application/octet-stream"
    }
}
