import CandlewickCore
import Foundation

/// What the tracker holds of each run's numbered records (`run.started` = 1 … `run.finished` = n,
/// see `TrailPosition`): which numbers are in, which are missing, and whether the trail is
/// complete. Pure: the ingest side uses one to decide what to read back from a run's outbox, the
/// planner another to decide whether a parent run may be FINISHED.
public struct AuditTrail: Sendable, Hashable {
    /// One run's trail.
    public struct Run: Sendable, Hashable {
        /// The run owner's outbox directory (from any record that named it).
        public var outbox: String?
        /// Record numbers held.
        public var held = Set<Int>()
        /// Symbols with a `run.symbol` record held.
        public var symbols = Set<String>()
        /// The number of `run.finished` (the last record), once it is held.
        public var last: Int?
        /// The symbols `run.finished` says have a record.
        public var expectedSymbols: [String] = []

        public init() {}

        /// The highest number known to exist: `run.finished`'s, else the highest held.
        public var known: Int { last ?? held.max() ?? 0 }

        /// Numbers below `known` that are not held, ascending.
        public var missingRecords: [Int] { known < 1 ? [] : (1...known).filter { !held.contains($0) } }

        /// Symbols `run.finished` names whose record is not held.
        public var missingSymbols: [String] { expectedSymbols.filter { !symbols.contains($0) } }

        /// Every record up to and including `run.finished` is held.
        public var isComplete: Bool { last != nil && missingRecords.isEmpty && missingSymbols.isEmpty }

        /// What is missing, in words (e.g. `records 2,5 of 7; symbols MSFT,SPY`), or `none`.
        public var missingSummary: String {
            var parts: [String] = []
            if last == nil { parts.append("run.finished (records after \(known) unknown)") }
            let records = missingRecords
            if !records.isEmpty { parts.append("records \(records.map(String.init).joined(separator: ",")) of \(known)") }
            let symbols = missingSymbols
            if !symbols.isEmpty { parts.append("symbols \(symbols.joined(separator: ","))") }
            return parts.isEmpty ? "none" : parts.joined(separator: "; ")
        }
    }

    public private(set) var runs: [String: Run] = [:]

    public init() {}

    /// Where a payload stands: its run, its trail position and, for `run.symbol`, the symbol; nil
    /// for payloads that are not numbered (broker events, records from publishers without trails).
    public static func position(of payload: any BusPayload) -> (runId: String, trail: TrailPosition, symbol: String?)? {
        switch payload {
        case let p as RunStarted: p.trail.map { (p.runId, $0, nil) }
        case let p as SymbolRecord: p.trail.map { (p.runId, $0, p.symbol) }
        case let p as RunFinished: p.trail.map { (p.runId, $0, nil) }
        default: nil
        }
    }

    /// Notes a held record. Returns its run id, or nil when the payload is not numbered.
    @discardableResult
    public mutating func note(_ payload: any BusPayload) -> String? {
        guard let (runId, trail, symbol) = Self.position(of: payload) else { return nil }
        var run = runs[runId] ?? Run()
        run.held.insert(trail.seq)
        if let outbox = trail.outbox { run.outbox = outbox }
        if let symbol { run.symbols.insert(symbol) }
        if payload is RunFinished {
            run.last = trail.seq
            run.expectedSymbols = trail.symbols ?? []
        }
        runs[runId] = run
        return runId
    }

    /// Whether the record just noted for `runId` shows that something is missing (a hole below
    /// the highest known number, or an incomplete trail once `run.finished` is in).
    public func hasGap(_ runId: String) -> Bool {
        guard let run = runs[runId] else { return false }
        return !run.missingRecords.isEmpty || (run.last != nil && !run.isComplete)
    }

    /// Runs not complete whose outbox is known (what a restarted tracker reads back).
    public var incompleteWithOutbox: [(runId: String, outbox: String)] {
        runs.filter { !$0.value.isComplete }.compactMap { id, run in run.outbox.map { (id, $0) } }.sorted { $0.runId < $1.runId }
    }
}
