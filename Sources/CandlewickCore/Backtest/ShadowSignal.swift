import Foundation

/// A signal as of one day's close, replayed against the bars that followed it.
public struct ShadowSignal: Sendable, Hashable, Codable {
    /// The day whose close the signal was made after, `YYYY-MM-DD`.
    public var asOf: String
    public var symbol: String
    /// BUY opens a long, SELL a short; HOLD is never filled.
    public var action: SignalAction
    public var confidence: SignalConfidence
    /// 0...100.
    public var confidenceScore: Double
    /// The entry limit price.
    public var entry: Decimal
    public var stop: Decimal
    public var target: Decimal
    /// Shares (positive).
    public var quantity: Decimal

    public init(asOf: String, symbol: String, action: SignalAction, confidence: SignalConfidence, confidenceScore: Double,
                entry: Decimal, stop: Decimal, target: Decimal, quantity: Decimal) {
        self.asOf = asOf
        self.symbol = symbol
        self.action = action
        self.confidence = confidence
        self.confidenceScore = confidenceScore
        self.entry = entry
        self.stop = stop
        self.target = target
        self.quantity = quantity
    }

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", symbol, action, confidence, confidenceScore = "confidence_score", entry, stop, target, quantity
    }
}

/// Why a simulated trade ended (or did not start).
public enum ExitReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The target limit filled.
    case target
    /// The stop filled.
    case stop
    /// Neither within `holdDays` bars after the entry bar: closed at that bar's close.
    case time
    /// The bars ran out first: still open, marked at the last close.
    case open
    /// The entry limit did not fill within `entryValidBars` bars (or the signal is HOLD, or there were no bars).
    case unfilled
}

/// What a `ShadowSignal` would have done: the signal's fields and the simulated trade.
public struct ShadowOutcome: Sendable, Hashable, Codable {
    public var asOf: String
    public var symbol: String
    public var action: SignalAction
    public var confidence: SignalConfidence
    public var confidenceScore: Double
    public var entry: Decimal
    public var stop: Decimal
    public var target: Decimal
    public var quantity: Decimal

    /// Whether the entry filled.
    public var filled: Bool
    /// The day of the entry fill, `YYYY-MM-DD`; nil when unfilled.
    public var entryDate: String?
    /// The day of the exit (for `open`: the last bar's day, the day of the mark); nil when unfilled.
    public var exitDate: String?
    /// The entry fill price, after slippage.
    public var entryPrice: Decimal?
    /// The exit fill price, after slippage; for `open` the last close (a mark, no slippage).
    public var exitPrice: Decimal?
    public var exitReason: ExitReason
    /// Bars from the entry bar to the exit bar (0 when unfilled; 1 when the exit is on the bar after the entry).
    public var barsHeld: Int
    /// (exit − entry) / (entry − stop) for BUY, (entry − exit) / (stop − entry) for SELL, with the fill prices after
    /// slippage and before commission; nil when unfilled or when the entry filled at or beyond the stop (no risk to divide by).
    public var rMultiple: Double?
    /// Both sides' commission (for `open`, the exit side as if closed at the mark).
    public var commission: Decimal
    /// (exit − entry) × quantity for BUY, (entry − exit) × quantity for SELL, less `commission`; 0 when unfilled.
    public var pnl: Decimal
    /// true for a target exit, false for a stop exit, nil otherwise: unfilled, and time and open exits, which say
    /// nothing about whether the target or the stop would have come first.
    public var hitTarget: Bool?

    /// The signal this outcome replays.
    public var signal: ShadowSignal {
        ShadowSignal(asOf: asOf, symbol: symbol, action: action, confidence: confidence, confidenceScore: confidenceScore,
                     entry: entry, stop: stop, target: target, quantity: quantity)
    }

    /// An outcome carrying `signal`'s fields; the trade fields start as unfilled.
    public init(signal s: ShadowSignal) {
        asOf = s.asOf
        symbol = s.symbol
        action = s.action
        confidence = s.confidence
        confidenceScore = s.confidenceScore
        entry = s.entry
        stop = s.stop
        target = s.target
        quantity = s.quantity
        filled = false
        exitReason = .unfilled
        barsHeld = 0
        commission = 0
        pnl = 0
    }

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", symbol, action, confidence, confidenceScore = "confidence_score", entry, stop, target, quantity
        case filled, entryDate = "entry_date", exitDate = "exit_date", entryPrice = "entry_price", exitPrice = "exit_price"
        case exitReason = "exit_reason", barsHeld = "bars_held", rMultiple = "r_multiple", commission, pnl, hitTarget = "hit_target"
    }
}
