import CandlewickCore
import Foundation
import Logging

/// One tracked run in a local run folder (the MLflow run's content, without a server).
public struct LocalRun: Codable, Sendable, Hashable {
    public var name: String
    public var status = "RUNNING"
    public var startTime: Int64
    public var endTime: Int64?
    public var params: [String: String] = [:]
    /// Latest value per metric key (highest step, then latest timestamp), as MLflow shows it.
    public var metrics: [String: Double] = [:]
    var metricAt: [String: [Int64]] = [:]
    public var tags: [String: String] = [:]
    public var artifacts: [String] = []

    enum CodingKeys: String, CodingKey {
        case name, status, params, metrics, tags, artifacts
        case startTime = "start_time", endTime = "end_time", metricAt = "metric_at"
    }
}

/// A pipeline run's tracking folder: the parent run, one run per symbol, and the last journal seq applied.
public struct LocalRunFolder: Codable, Sendable {
    public var runId: String
    public var pipeline: LocalRun
    public var symbols: [String: LocalRun] = [:]

    enum CodingKeys: String, CodingKey {
        case pipeline, symbols
        case runId = "run_id"
    }
}

/// The embedded default when no MLflow server is configured: writes what MLflow would hold to
/// `<directory>/<run id>/tracking/` — `records.jsonl` (one line per delivered record),
/// `state.json` (params, metrics, tags, status per run), `artifacts/<run|SYMBOL>/…` and a static
/// `report.html` (summary table; each symbol's charts, signal, orders and fills). Applying a
/// record twice changes nothing: state merges, artifacts overwrite, and a record's line is
/// written once (by seq).
public actor LocalSink: TrackingSink {
    public nonisolated let name = "local"
    public nonisolated let directory: String
    private let logger: Logger
    private var folders: [String: LocalRunFolder] = [:]
    private var seqs: [String: Set<Int>] = [:]
    private var dirty = Set<String>()

    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// The folder of a pipeline run's tracking output.
    public nonisolated func folder(_ runId: String) -> String {
        ((directory as NSString).appendingPathComponent(TrackingPlanner.fileName(runId)) as NSString).appendingPathComponent("tracking")
    }

    public func deliver(_ ops: [TrackingOp], seq: Int, blob: @Sendable (BlobRef) throws -> Data) async throws -> [String] {
        var skipped: [String] = []
        var lines: [String: [[String: Any]]] = [:]
        let fm = FileManager.default
        for op in ops {
            switch op {
            case .ensureRun(let ref, let name, let tags, let start):
                try load(ref.runId)
                update(ref) { run in
                    if run == nil {
                        run = LocalRun(name: name, startTime: start)
                        for t in tags { run?.tags[t.key] = t.value }
                    }
                }
            case .log(let ref, let raw):
                try load(ref.runId)
                let (batch, _) = raw.sanitized()
                update(ref) { run in
                    if run == nil { run = LocalRun(name: ref.symbol ?? ref.runId, startTime: batch.metrics.first?.timestamp ?? 0) }
                    for p in batch.params {
                        if let old = run?.params[p.key], old != p.value {
                            skipped.append("\(ref) key \(p.key): changing param values is not allowed (was \(old.prefix(40)))")
                        } else {
                            run?.params[p.key] = p.value
                        }
                    }
                    for m in batch.metrics {
                        let at = run?.metricAt[m.key] ?? [Int64.min, Int64.min]
                        if m.step > at[0] || (m.step == at[0] && m.timestamp >= at[1]) {
                            run?.metrics[m.key] = m.value
                            run?.metricAt[m.key] = [m.step, m.timestamp]
                        }
                    }
                    for t in batch.tags { run?.tags[t.key] = t.value }
                }
                lines[ref.runId, default: []].append([
                    "op": "log", "run": ref.symbol ?? "pipeline",
                    "params": Dictionary(batch.params.map { ($0.key, $0.value) }) { a, _ in a },
                    "metrics": Dictionary(batch.metrics.map { ($0.key, $0.value) }) { _, b in b },
                    "tags": Dictionary(batch.tags.map { ($0.key, $0.value) }) { _, b in b },
                ])
            case .artifact(let ref, let path, let content, _):
                try load(ref.runId)
                let data: Data
                switch content {
                case .inline(let d): data = d
                case .blob(let b):
                    do { data = try blob(b) } catch {
                        skipped.append("\(ref) artifact \(path): \(error)")
                        continue
                    }
                }
                let file = (folder(ref.runId) as NSString).appendingPathComponent("artifacts/\(ref.symbol ?? "_run")/\(path)")
                try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                guard fm.createFile(atPath: file, contents: data) else {
                    throw LocalSinkError(path: file, message: "cannot write the artifact")
                }
                update(ref) { run in
                    if run == nil { run = LocalRun(name: ref.symbol ?? ref.runId, startTime: 0) }
                    if !(run?.artifacts.contains(path) ?? true) { run?.artifacts.append(path); run?.artifacts.sort() }
                }
                lines[ref.runId, default: []].append(["op": "artifact", "run": ref.symbol ?? "pipeline", "path": path, "bytes": data.count])
            case .finish(let ref, let status, let end):
                try load(ref.runId)
                update(ref) { run in
                    run?.status = status
                    run?.endTime = end
                }
                lines[ref.runId, default: []].append(["op": "finish", "run": ref.symbol ?? "pipeline", "status": status])
            }
        }
        for runId in Set(ops.map(\.ref.runId)) {
            try save(runId)
            if !(seqs[runId]?.contains(seq) ?? false) {
                let line: [String: Any] = ["seq": seq, "run_id": runId, "ops": lines[runId] ?? []]
                var data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                data.append(0x0A)
                try append(data, to: (folder(runId) as NSString).appendingPathComponent("records.jsonl"))
                seqs[runId, default: []].insert(seq)
            }
            dirty.insert(runId)
        }
        return skipped
    }

    public func idle() async {
        for runId in dirty.sorted() {
            guard let state = folders[runId] else { continue }
            let html = LocalReport.html(state, folder: folder(runId))
            let path = (folder(runId) as NSString).appendingPathComponent("report.html")
            if !FileManager.default.createFile(atPath: path, contents: Data(html.utf8)) {
                logger.error("tracker.report_failed", metadata: ["path": "\(path)"])
            }
        }
        dirty.removeAll()
    }

    /// The state of a pipeline run (for tests and the report).
    public func state(_ runId: String) -> LocalRunFolder? { folders[runId] }

    private func update(_ ref: RunRef, _ body: (inout LocalRun?) -> Void) {
        var folder = folders[ref.runId]!
        if let symbol = ref.symbol {
            var run = folder.symbols[symbol]
            body(&run)
            folder.symbols[symbol] = run
        } else {
            var run: LocalRun? = folder.pipeline
            body(&run)
            if let run { folder.pipeline = run }
        }
        folders[ref.runId] = folder
    }

    private func load(_ runId: String) throws {
        guard folders[runId] == nil else { return }
        let dir = folder(runId)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let statePath = (dir as NSString).appendingPathComponent("state.json")
        if let data = FileManager.default.contents(atPath: statePath), let state = try? JSONDecoder().decode(LocalRunFolder.self, from: data) {
            folders[runId] = state
        } else {
            folders[runId] = LocalRunFolder(runId: runId, pipeline: LocalRun(name: runId, startTime: 0))
        }
        var seen = Set<Int>()
        if let data = FileManager.default.contents(atPath: (dir as NSString).appendingPathComponent("records.jsonl")) {
            for line in data.split(separator: 0x0A) {
                if let o = try? JSONSerialization.jsonObject(with: line) as? [String: Any], let s = o["seq"] as? Int { seen.insert(s) }
            }
        }
        seqs[runId] = seen
    }

    private func save(_ runId: String) throws {
        guard let state = folders[runId] else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let path = (folder(runId) as NSString).appendingPathComponent("state.json")
        try encoder.encode(state).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    private func append(_ data: Data, to path: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw LocalSinkError(path: path, message: "cannot append") }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: data)
        try h.synchronize()
    }
}

/// A local run folder could not be written: the path and the reason.
public struct LocalSinkError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path): \(message)" }
}

extension TrackingOp {
    /// The run the operation is about.
    public var ref: RunRef {
        switch self {
        case .ensureRun(let r, _, _, _), .log(let r, _), .artifact(let r, _, _, _), .finish(let r, _, _): r
        }
    }
}
