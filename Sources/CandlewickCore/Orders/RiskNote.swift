import Foundation

/// Why the risk gate denied or changed an order: a stable code (a counter name and log field) and
/// a sentence naming the numbers.
public struct RiskNote: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        case notActionable = "not_actionable"
        case halted
        case reducingOnly = "reducing_only"
        case missingLevels = "missing_levels"
        case levelsCollapse = "levels_collapse"
        case noPrice = "no_price"
        case alreadyLong = "already_long"
        case alreadyShort = "already_short"
        case shortNotAllowed = "short_not_allowed"
        case orderPending = "order_pending"
        case maxOpenPositions = "max_open_positions"
        case sizeZero = "size_zero"
        case orderNotionalClamped = "order_notional_clamped"
        case orderNotional = "order_notional"
        case positionLimitClamped = "position_limit_clamped"
        case positionLimit = "position_limit"
        case dailyBudgetClamped = "daily_budget_clamped"
        case dailyBudget = "daily_budget"
        case dailyLoss = "daily_loss"
        case rateLimit = "rate_limit"
        case marketClosed = "market_closed"
        case duplicateSignal = "duplicate_signal"
        case duplicateSymbol = "duplicate_symbol"
        case unknownSymbol = "unknown_symbol"
        case invalidSignal = "invalid_signal"
        case notReconciled = "not_reconciled"
        case gatewayRejected = "gateway_rejected"
        case gatewayUnavailable = "gateway_unavailable"
        case unknownSource = "unknown_source"
        /// The broker's word on an intent could not be established (see `IntentPhase.unknown`): an alert.
        case brokerUnconfirmed = "broker_unconfirmed"
        case stopTooClose = "stop_too_close"
        case rewardRiskLow = "reward_risk_low"
        case entryTooFar = "entry_too_far"
        /// `router.clock = broker` and the broker's time could not be read: the signal is not judged on another clock.
        case brokerClockUnavailable = "broker_clock_unavailable"
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// Whether the note changed an order rather than denied it.
    public var isClamp: Bool { code.rawValue.hasSuffix("_clamped") }

    public var description: String { "\(code.rawValue): \(detail)" }
}
