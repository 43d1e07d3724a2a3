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

    public init(state: TradingState, reason: String, changedAt: Date, refused: String? = nil, dailyNotional: Decimal,
                dailyRealizedPnl: Decimal) {
        self.state = state
        self.reason = reason
        self.changedAt = changedAt
        self.refused = refused
        self.dailyNotional = dailyNotional
        self.dailyRealizedPnl = dailyRealizedPnl
    }

    enum CodingKeys: String, CodingKey {
        case state, reason, refused
        case changedAt = "changed_at", dailyNotional = "daily_notional", dailyRealizedPnl = "daily_realized_pnl"
    }
}
