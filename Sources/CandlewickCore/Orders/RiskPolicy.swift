import Foundation

/// The limits every order path obeys, from config (`risk.*`). Amounts are in the account currency.
///
/// Rules: sizes and limits positive; `tick_size > 0`.
public struct RiskPolicy: Sendable, Hashable, Codable {
    /// How many shares an order carries.
    public enum Sizing: String, Sendable, Hashable, Codable {
        /// Always `fixed_shares` (the original design: 10).
        case fixed
        /// `risk_budget / |entry − stop|`, capped at `max_shares`.
        case risk
    }

    public var sizing: Sizing = .fixed
    public var fixedShares: Int = 10
    public var riskBudget: Decimal = 500
    public var maxShares: Int = 1_000
    /// Largest notional (shares × entry) of one order; larger orders are clamped.
    public var maxOrderNotional: Decimal = 10_000
    /// Largest notional held in one symbol after the order; larger orders are clamped.
    public var maxPositionNotional: Decimal = 20_000
    /// Most symbols held (or with an entry in flight) at once.
    public var maxOpenPositions: Int = 10
    /// Whether a signal may add to a position already held in the same direction.
    public var allowAdding = false
    /// Whether SELL may open a short position (otherwise SELL only closes or reduces a long).
    public var allowShort = false
    /// Notional that opening orders may use per trading day.
    public var dailyNotionalBudget: Decimal = 50_000
    /// Realised loss per day that halts trading.
    public var maxDailyLoss: Decimal = 2_000
    /// Orders per rolling minute.
    public var maxOrdersPerMinute: Int = 30
    /// Price increment orders are rounded to.
    public var tickSize: Decimal = Decimal(string: "0.01")!
    /// Entry order type (exits use the same type; bracket children are LMT and STP).
    public var entryType: OrderType = .limit
    public var tif: TimeInForce = .day
    /// Time in force of a bracket's take-profit and stop-loss legs; nil = `tif`. A backtest sends a DAY entry
    /// with GTC protection, so the children keep working after the entry's day.
    public var childTif: TimeInForce?
    /// Whether a MARKET order may be sent while the exchange is closed.
    public var marketOrdersWhenClosed = false
    public var outsideRth = false

    // Risk geometry floors: the same limits the llm-worker applies to a model's answer (docs/signals.md),
    // here for a signal from any source. ATR-based ones apply when the book carries the ATR.
    /// Smallest |target − entry| / |entry − stop| (`risk.min_reward_risk`).
    public var minRewardRisk: Decimal = 1
    /// Smallest |entry − stop| as a fraction of the entry (`risk.min_stop_pct`; 0.2 %).
    public var minStopFraction: Decimal = Decimal(string: "0.002")!
    /// Smallest |entry − stop| in ATR 14 (`risk.min_stop_atr`), when the ATR is known.
    public var minStopATR: Decimal = Decimal(string: "0.5")!
    /// Largest |entry − last price| as a fraction of the last price (`risk.max_entry_pct`; 3 %).
    public var maxEntryFraction: Decimal = Decimal(string: "0.03")!
    /// Largest |entry − last price| in ATR 14 (`risk.max_entry_atr`), when the ATR is known.
    public var maxEntryATR: Decimal = 1

    public init() {}

    /// Checks the rules; throws naming the field.
    public func validate() throws {
        let v = Validator("RiskPolicy")
        try v.require(fixedShares > 0, "fixed_shares", "must be > 0, got \(fixedShares)")
        try v.require(maxShares > 0, "max_shares", "must be > 0, got \(maxShares)")
        for (name, value) in [("risk_budget", riskBudget), ("max_order_notional", maxOrderNotional),
                              ("max_position_notional", maxPositionNotional), ("daily_notional_budget", dailyNotionalBudget),
                              ("max_daily_loss", maxDailyLoss), ("tick_size", tickSize)] {
            try v.positive(value, name)
        }
        try v.require(maxOpenPositions > 0, "max_open_positions", "must be > 0, got \(maxOpenPositions)")
        try v.require(maxOrdersPerMinute > 0, "max_orders_per_minute", "must be > 0, got \(maxOrdersPerMinute)")
        try v.require(tif == .day || tif == .gtc, "tif", "must be DAY or GTC, got \(tif.rawValue)")
        if let childTif { try v.require(childTif == .day || childTif == .gtc, "child_tif", "must be DAY or GTC, got \(childTif.rawValue)") }
        for (name, value) in [("min_reward_risk", minRewardRisk), ("min_stop_pct", minStopFraction), ("min_stop_atr", minStopATR),
                              ("max_entry_pct", maxEntryFraction), ("max_entry_atr", maxEntryATR)] {
            try v.nonNegative(value, name)
        }
        try v.require(maxEntryFraction <= 1 && minStopFraction < 1, "max_entry_pct", "fractions must be below 1")
    }

    enum CodingKeys: String, CodingKey {
        case sizing, tif
        case childTif = "child_tif"
        case fixedShares = "fixed_shares", riskBudget = "risk_budget", maxShares = "max_shares"
        case maxOrderNotional = "max_order_notional", maxPositionNotional = "max_position_notional"
        case maxOpenPositions = "max_open_positions", allowAdding = "allow_adding", allowShort = "allow_short"
        case dailyNotionalBudget = "daily_notional_budget", maxDailyLoss = "max_daily_loss"
        case maxOrdersPerMinute = "max_orders_per_minute", tickSize = "tick_size", entryType = "entry_type"
        case marketOrdersWhenClosed = "market_orders_when_closed", outsideRth = "outside_rth"
        case minRewardRisk = "min_reward_risk", minStopFraction = "min_stop_pct", minStopATR = "min_stop_atr"
        case maxEntryFraction = "max_entry_pct", maxEntryATR = "max_entry_atr"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RiskPolicy()
        sizing = try c.decodeIfPresent(Sizing.self, forKey: .sizing) ?? d.sizing
        fixedShares = try c.decodeIfPresent(Int.self, forKey: .fixedShares) ?? d.fixedShares
        riskBudget = try c.decodeIfPresent(Decimal.self, forKey: .riskBudget) ?? d.riskBudget
        maxShares = try c.decodeIfPresent(Int.self, forKey: .maxShares) ?? d.maxShares
        maxOrderNotional = try c.decodeIfPresent(Decimal.self, forKey: .maxOrderNotional) ?? d.maxOrderNotional
        maxPositionNotional = try c.decodeIfPresent(Decimal.self, forKey: .maxPositionNotional) ?? d.maxPositionNotional
        maxOpenPositions = try c.decodeIfPresent(Int.self, forKey: .maxOpenPositions) ?? d.maxOpenPositions
        allowAdding = try c.decodeIfPresent(Bool.self, forKey: .allowAdding) ?? d.allowAdding
        allowShort = try c.decodeIfPresent(Bool.self, forKey: .allowShort) ?? d.allowShort
        dailyNotionalBudget = try c.decodeIfPresent(Decimal.self, forKey: .dailyNotionalBudget) ?? d.dailyNotionalBudget
        maxDailyLoss = try c.decodeIfPresent(Decimal.self, forKey: .maxDailyLoss) ?? d.maxDailyLoss
        maxOrdersPerMinute = try c.decodeIfPresent(Int.self, forKey: .maxOrdersPerMinute) ?? d.maxOrdersPerMinute
        tickSize = try c.decodeIfPresent(Decimal.self, forKey: .tickSize) ?? d.tickSize
        entryType = try c.decodeIfPresent(OrderType.self, forKey: .entryType) ?? d.entryType
        tif = try c.decodeIfPresent(TimeInForce.self, forKey: .tif) ?? d.tif
        childTif = try c.decodeIfPresent(TimeInForce.self, forKey: .childTif)
        marketOrdersWhenClosed = try c.decodeIfPresent(Bool.self, forKey: .marketOrdersWhenClosed) ?? d.marketOrdersWhenClosed
        outsideRth = try c.decodeIfPresent(Bool.self, forKey: .outsideRth) ?? d.outsideRth
        minRewardRisk = try c.decodeIfPresent(Decimal.self, forKey: .minRewardRisk) ?? d.minRewardRisk
        minStopFraction = try c.decodeIfPresent(Decimal.self, forKey: .minStopFraction) ?? d.minStopFraction
        minStopATR = try c.decodeIfPresent(Decimal.self, forKey: .minStopATR) ?? d.minStopATR
        maxEntryFraction = try c.decodeIfPresent(Decimal.self, forKey: .maxEntryFraction) ?? d.maxEntryFraction
        maxEntryATR = try c.decodeIfPresent(Decimal.self, forKey: .maxEntryATR) ?? d.maxEntryATR
    }
}
