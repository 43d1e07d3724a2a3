import Foundation

/// Whether orders may flow. ACTIVE: all orders the limits allow; REDUCING: only orders that close or
/// reduce a position; HALTED: no new orders (cancels still go through).
public enum TradingState: String, Sendable, Hashable, Codable, CaseIterable {
    case active = "ACTIVE", reducing = "REDUCING", halted = "HALTED"
}

/// A command to the trading state (the kill switch is `halt`).
public struct TradingCommand: BusPayload, Hashable {
    public static let messageType = "trading.command"

    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case halt, reduce, resume
        /// Only report the current state.
        case status
        /// Halt, then cancel every working Candlewick order at IB (bracket children included).
        case cancelAll = "cancel_all"
        /// Halt, cancel every working Candlewick order, and once IB confirms none is working for a symbol,
        /// close its position with a market exit.
        case flatten
    }

    public let action: Action
    public let reason: String
    /// Who sent it (a person's name or a process); commands from sources not allowed by config are refused.
    public let source: String

    public init(action: Action, reason: String, source: String) throws {
        let v = Validator("TradingCommand")
        try v.nonEmpty(source, "source")
        if action != .status { try v.nonEmpty(reason, "reason") }
        self.action = action
        self.reason = reason
        self.source = source
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(action: c.decode(Action.self, forKey: .action), reason: c.decodeIfPresent(String.self, forKey: .reason) ?? "",
                      source: c.decode(String.self, forKey: .source))
    }
}

/// The trading state as the router reports it (reply to a command and published on every change).
public struct TradingStateReport: BusPayload, Hashable {
    public static let messageType = "trading.state"

    public let state: TradingState
    public let reason: String
    public let changedAt: Date
    /// Set when a command was refused (e.g. resume while the daily loss limit is breached).
    public let refused: String?
    public let dailyNotional: Decimal
    public let dailyRealizedPnl: Decimal
    /// What a `cancel_all` or `flatten` did at IB (nil for the other commands and for published state changes).
    public let cleanup: CleanupOutcome?

    public init(state: TradingState, reason: String, changedAt: Date, refused: String? = nil, dailyNotional: Decimal,
                dailyRealizedPnl: Decimal, cleanup: CleanupOutcome? = nil) {
        self.state = state
        self.reason = reason
        self.changedAt = changedAt
        self.refused = refused
        self.dailyNotional = dailyNotional
        self.dailyRealizedPnl = dailyRealizedPnl
        self.cleanup = cleanup
    }

    enum CodingKeys: String, CodingKey {
        case state, reason, refused, cleanup
        case changedAt = "changed_at", dailyNotional = "daily_notional", dailyRealizedPnl = "daily_realized_pnl"
    }
}

/// What an operator's `cancel_all` or `flatten` did, as IB reported it.
public struct CleanupOutcome: Sendable, Hashable, Codable {
    /// Intents whose working orders were asked to be cancelled.
    public var cancelledIntents: [String] = []
    /// The market exits sent by `flatten`, one per position: intent id, symbol, side, quantity and the router's outcome.
    public var exits: [Exit] = []
    /// What was not done, and why (an order at IB that is not Candlewick's, a symbol whose orders were still working, …).
    public var problems: [String] = []

    /// One closing order of `flatten`.
    public struct Exit: Sendable, Hashable, Codable {
        public let intentId: String
        public let symbol: String
        public let side: OrderSide
        public let quantity: Decimal
        /// placed / pending / unknown / rejected (as for a signal's intent).
        public let outcome: String

        public init(intentId: String, symbol: String, side: OrderSide, quantity: Decimal, outcome: String) {
            self.intentId = intentId
            self.symbol = symbol
            self.side = side
            self.quantity = quantity
            self.outcome = outcome
        }

        enum CodingKeys: String, CodingKey { case symbol, side, quantity, outcome, intentId = "intent_id" }
    }

    public init() {}

    enum CodingKeys: String, CodingKey { case exits, problems, cancelledIntents = "cancelled_intents" }
}
