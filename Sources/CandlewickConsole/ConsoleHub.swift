import CandlewickBus
import CandlewickCore
import Foundation

/// The console's live model and its listeners: bus messages go in (`ingest`), every open page gets
/// the resulting updates as Server-Sent Events. A page that connects first gets a snapshot, then updates,
/// from one place, so none is lost between the two.
public actor ConsoleHub {
    private var state = ConsoleState()
    private var listeners: [UUID: AsyncStream<String>.Continuation] = [:]
    private var lastMessageAt: Date?
    private var pastRuns: Data
    public nonisolated let runs: RunFolders
    /// The operator actions the page offers (the router's trading commands except `status`).
    public nonisolated let actions: [String]
    public nonisolated let operatorEnabled: Bool
    /// Events queued for a slow page before the oldest are dropped (the page reloads its snapshot when told).
    public static let listenerBuffer = 2_000

    /// - Parameters:
    ///   - actions: the trading commands the page offers as buttons.
    ///   - operatorEnabled: whether an operator can log in and send them (credential and operator key present).
    public init(runs: RunFolders, actions: [String], operatorEnabled: Bool) {
        self.runs = runs
        self.actions = actions
        self.operatorEnabled = operatorEnabled
        pastRuns = runs.pastRunsJSON()
    }

    /// Takes a bus message: updates the model and tells every page what changed.
    public func ingest(_ message: BusMessage, receivedAt: Date = Date()) {
        lastMessageAt = receivedAt
        let updates = state.apply(type: message.header.type, runId: message.header.runId, payload: message.payload, receivedAt: receivedAt)
        broadcast(updates)
        if message.header.type == RunFinished.messageType {
            // The run owner writes report.html just after publishing run.finished, the tracker later: look a few times.
            Task {
                for delay in Self.runsRereadDelays {
                    try? await Task.sleep(for: delay)
                    self.refreshRuns()
                }
            }
        }
    }

    /// When the runs directory is read again after a `run.finished` (not a poll: a few looks, then none).
    static let runsRereadDelays: [Duration] = [.zero, .seconds(1), .seconds(3), .seconds(10), .seconds(30)]

    /// The file of the watched run's chart (run, symbol, `daily` / `weekly`) in the runs directory, or nil when the
    /// run is not the one watched, its record names no such chart, or the file is not there (or its path would leave
    /// the runs directory: `RunFolders.resolve`).
    public func chartFile(runId: String, symbol: String, timeframe: String) -> String? {
        state.chartFile(runId: runId, symbol: symbol, timeframe: timeframe).flatMap(runs.resolve)
    }

    /// Reads the runs directory again; tells the pages when the list changed.
    public func refreshRuns() {
        let now = runs.pastRunsJSON()
        guard now != pastRuns else { return }
        pastRuns = now
        broadcast([ConsoleState.Update(section: "runs", key: nil, value: now)])
    }

    /// Records the router's answer to a command (it is also published, but the page should not wait for it).
    public func tradingState(_ report: TradingStateReport) {
        broadcast(state.setTradingState(report))
    }

    /// Sends every page the processes with their ages (stale ones marked), and re-reads the runs directory.
    public func tick(now: Date = Date()) {
        broadcast([ConsoleState.Update(section: "processes", key: nil, value: state.processesJSON(now: now))])
    }

    /// The whole state now, as JSON.
    public func snapshot(now: Date = Date()) -> Data {
        state.snapshotJSON(now: now, pastRuns: pastRuns, actions: actions,
                           confirm: actions.filter(ConsoleServer.confirmedActions.contains), operatorEnabled: operatorEnabled)
    }

    /// The latest heartbeat of every process and when it arrived, by instance (for a metrics exporter).
    public func heartbeats() -> [String: ConsoleState.ProcessEntry] { state.processes }

    /// The metrics text of every live process's latest heartbeat, by instance (for `/metrics`): a process silent for
    /// three heartbeat intervals (stopped or dead) and a heartbeat without metrics are left out.
    public func liveExpositions(now: Date = Date()) -> [String: String] {
        var out: [String: String] = [:]
        for (instance, entry) in state.processes where !entry.isStale(at: now) {
            if let text = entry.heartbeat.metrics { out[instance] = text }
        }
        return out
    }

    /// Seconds since the last bus message, or nil when none has arrived.
    public func lastMessageAge(now: Date = Date()) -> TimeInterval? { lastMessageAt.map { now.timeIntervalSince($0) } }

    /// A stream of Server-Sent Event texts for one page: a `snapshot` event first, then `patch` events.
    public func listen() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(Self.listenerBuffer))
        let id = UUID()
        continuation.yield(Self.event("snapshot", snapshot()))
        listeners[id] = continuation
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            Task { await self.forget(id) }
        }
        return stream
    }

    /// Pages listening now.
    public var listenerCount: Int { listeners.count }

    /// Ends every page's stream (shutdown).
    public func closeAll() {
        for c in listeners.values { c.finish() }
        listeners = [:]
    }

    private func forget(_ id: UUID) { listeners[id] = nil }

    private func broadcast(_ updates: [ConsoleState.Update]) {
        guard !listeners.isEmpty, !updates.isEmpty else { return }
        let text = updates.map { u in
            Self.event("patch", Data("{\"section\":\(ConsoleState.quoted(u.section)),\"key\":\(u.key.map(ConsoleState.quoted) ?? "null"),\"value\":".utf8) + u.value + Data("}".utf8))
        }.joined()
        for c in listeners.values { c.yield(text) }
    }

    /// One Server-Sent Event: `event: NAME` and the JSON on `data:` lines (a JSON text never needs more than one,
    /// but a line break is split safely anyway).
    static func event(_ name: String, _ json: Data) -> String {
        let lines = String(decoding: json, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return "event: \(name)\n" + lines.map { "data: \($0)\n" }.joined() + "\n"
    }
}
