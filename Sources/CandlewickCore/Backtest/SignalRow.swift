import Foundation

/// What the order router did with a signal in the backtest.
public enum RouterOutcome: Sendable, Hashable, Codable {
    /// The risk gate passed it and a bracket was placed.
    case placed
    /// The risk gate passed it as an exit: a single order that closed or reduced a position (a SELL
    /// while long), not a new bracket.
    case placedExit
    /// The risk gate denied it, with its reason code.
    case denied(String)
    /// Never sent to the router (HOLD, or no prices).
    case notSent
    /// IB rejected the bracket after the gate passed it.
    case rejected
    /// Not confirmed at IB (an alert: order-router journaled it `unknown`).
    case unknown
    /// No signal: the symbol failed before analysis (no bars, a chart or an analysis that failed).
    case failed

    /// `placed`, `placed_exit`, `denied:<reason code>`, `not_sent`, `rejected`, `unknown` or `failed`.
    public var text: String {
        switch self {
        case .placed: "placed"
        case .placedExit: "placed_exit"
        case .denied(let code): "denied:\(code)"
        case .notSent: "not_sent"
        case .rejected: "rejected"
        case .unknown: "unknown"
        case .failed: "failed"
        }
    }

    /// Reads `text` back; nil for anything else.
    public init?(text: String) {
        switch text {
        case "placed": self = .placed
        case "placed_exit": self = .placedExit
        case "not_sent": self = .notSent
        case "rejected": self = .rejected
        case "unknown": self = .unknown
        case "failed": self = .failed
        default:
            guard text.hasPrefix("denied:") else { return nil }
            self = .denied(String(text.dropFirst("denied:".count)))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let v = RouterOutcome(text: text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "router outcome must be placed, placed_exit, denied:<code>, not_sent, rejected, unknown or failed, got \(text)")
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// One line of signals.csv: a signal of the backtest and what the router did with it.
public struct SignalRow: Sendable, Hashable, Codable {
    public var asOf: String
    public var symbol: String
    public var action: SignalAction
    public var confidence: SignalConfidence
    public var confidenceScore: Double
    /// Nil for a signal without prices (HOLD).
    public var entry: Decimal?
    public var stop: Decimal?
    public var target: Decimal?
    /// Who made the signal (e.g. `rules`, `llm`).
    public var analyst: String
    /// The model, when an LLM made it.
    public var model: String?
    public var router: RouterOutcome
    /// The as-of day's close the analysis saw (nil when the symbol had no bars).
    public var close: Decimal?

    public init(asOf: String, symbol: String, action: SignalAction, confidence: SignalConfidence, confidenceScore: Double,
                entry: Decimal?, stop: Decimal?, target: Decimal?, analyst: String, model: String?, router: RouterOutcome, close: Decimal? = nil) {
        self.close = close
        self.asOf = asOf
        self.symbol = symbol
        self.action = action
        self.confidence = confidence
        self.confidenceScore = confidenceScore
        self.entry = entry
        self.stop = stop
        self.target = target
        self.analyst = analyst
        self.model = model
        self.router = router
    }

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", symbol, close, action, confidence, confidenceScore = "confidence_score", entry, stop, target, analyst, model
        case router = "router_outcome"
    }
}
