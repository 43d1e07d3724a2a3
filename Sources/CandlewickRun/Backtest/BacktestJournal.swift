import CandlewickCore
import CandlewickRuntime
import Foundation

/// One symbol's signal on one as-of day and what order-router made of it.
public struct BacktestSignal: Sendable, Hashable, Codable {
    public var symbol: String
    public var action: SignalAction
    public var confidence: SignalConfidence
    public var confidenceScore: Double
    public var entry: Decimal?
    public var stop: Decimal?
    public var target: Decimal?
    public var provider: String?
    public var model: String?
    /// The as-of day's close (the reference price the router sizes with).
    public var lastClose: Decimal?
    /// A `RouterOutcome` text: `placed` (a bracket; also for `duplicate`, a resumed day), `placed_exit`
    /// (a single order closing a position), `denied:<reason code>`, `rejected`, `unknown`, `not_sent`
    /// (not actionable), or `failed` (no signal: `failure` says why).
    public var router: String
    /// Shares of the bracket order-router planned (placed or duplicate).
    public var quantity: Decimal?
    public var failure: String?

    public init(symbol: String, action: SignalAction, confidence: SignalConfidence, confidenceScore: Double, entry: Decimal?, stop: Decimal?,
                target: Decimal?, provider: String?, model: String?, lastClose: Decimal?, router: String, quantity: Decimal? = nil, failure: String? = nil) {
        (self.symbol, self.action, self.confidence, self.confidenceScore) = (symbol, action, confidence, confidenceScore)
        (self.entry, self.stop, self.target, self.provider, self.model) = (entry, stop, target, provider, model)
        (self.lastClose, self.router, self.quantity, self.failure) = (lastClose, router, quantity, failure)
    }

    /// Whether order-router placed a bracket for it at IB (the equity curve holds these).
    public var placed: Bool { router == RouterOutcome.placed.text }

    enum CodingKeys: String, CodingKey {
        case symbol, action, confidence, entry, stop, target, provider, model, router, quantity, failure
        case confidenceScore = "confidence_score", lastClose = "last_close"
    }
}

/// One completed as-of day: its run id, every symbol's signal and decision, and the account's net
/// liquidation value at ib-paper after the orders.
public struct BacktestStep: Sendable, Hashable, Codable {
    public var asOf: String
    public var runId: String
    public var signals: [BacktestSignal]
    public var netLiquidation: Decimal?

    public init(asOf: String, runId: String, signals: [BacktestSignal], netLiquidation: Decimal?) {
        (self.asOf, self.runId, self.signals, self.netLiquidation) = (asOf, runId, signals, netLiquidation)
    }

    enum CodingKeys: String, CodingKey {
        case signals
        case asOf = "as_of", runId = "run_id", netLiquidation = "net_liquidation"
    }
}

/// What makes a backtest resumable: `<out>/backtest.json` (the settings it was started with) and
/// `<out>/progress.jsonl` (one `BacktestStep` per completed as-of day, fsynced before ib-paper's
/// clock moves on). Opening it again with other settings is refused; a torn last line (a kill -9
/// mid-write) is cut off and that day is done again (order-router answers `duplicate` for what it
/// already placed).
public final class BacktestJournal: Sendable {
    public let settings: BacktestSettings
    private let log: JSONLinesLog<BacktestStep>
    /// The completed steps found on open, by as-of day.
    public let completed: [String: BacktestStep]
    public var repaired: String? { log.repaired }

    public init(directory: String, settings: BacktestSettings) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let settingsPath = directory + "/backtest.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let mine = try encoder.encode(settings)
        if let saved = FileManager.default.contents(atPath: settingsPath) {
            let theirs = try? JSONDecoder().decode(BacktestSettings.self, from: saved)
            guard theirs == settings else {
                throw BacktestError.resumeMismatch("\(settingsPath) was written by a backtest with other arguments (fingerprint "
                    + "\(theirs?.fingerprint ?? "unreadable"), now \(settings.fingerprint)); use another --out or the same arguments")
            }
        } else {
            try mine.write(to: URL(fileURLWithPath: settingsPath), options: .atomic)
        }
        self.settings = settings
        do {
            log = try JSONLinesLog(path: directory + "/progress.jsonl", what: "backtest progress",
                                   whenDamaged: "remove the line (that day is then done again) or start in another --out")
        } catch let e as JSONLinesLogError {
            throw BacktestError.journal(e.description)
        }
        completed = Dictionary(log.replayed.map { ($0.asOf, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Records a completed day durably.
    public func append(_ step: BacktestStep) throws {
        do { try log.append(step) } catch let e as JSONLinesLogError { throw BacktestError.journal(e.description) }
    }
}
