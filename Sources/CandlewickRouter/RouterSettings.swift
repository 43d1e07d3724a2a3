import CandlewickCore
import CandlewickRuntime
import Foundation

/// order-router's configuration (`router.*`, `risk.*`), checked at start-up: a bad value stops the
/// process with the key and the reason.
public struct RouterSettings: Sendable {
    public var commands: String
    public var journalPath: String
    public var mode: LiveArming.Mode
    public var account: String
    public var allowedSources: Set<String>
    public var placeTimeout: Double
    public var policy: RiskPolicy

    public init(config: ConfigFile) throws {
        let directory = config.string("bus.directory", default: "/tmp/candlewick")
        commands = config.string("router.commands", default: "ipc://\(directory)/router.sock")
        journalPath = config.string("router.journal", default: "state/order-router/intents.jsonl")
        guard let m = LiveArming.Mode(rawValue: config.string("router.mode", default: "paper")) else {
            throw ConfigError("router.mode", "must be paper or live, got \(config.string("router.mode", default: ""))")
        }
        mode = m
        account = config.string("router.account", default: "")
        allowedSources = Set(config.string("router.allowed_sources", default: "candlewick-run,cli,test").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        placeTimeout = try config.double("router.place_timeout_s", default: 15)
        var p = RiskPolicy()
        func decimal(_ key: String, _ d: Decimal) throws -> Decimal {
            guard let text = config.string(key) else { return d }
            guard let v = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), v.isFinite else {
                throw ConfigError(key, "must be a number, got \"\(text)\"")
            }
            return v
        }
        guard let sizing = RiskPolicy.Sizing(rawValue: config.string("risk.sizing", default: "fixed")) else {
            throw ConfigError("risk.sizing", "must be fixed or risk")
        }
        p.sizing = sizing
        p.fixedShares = try config.int("risk.fixed_shares", default: p.fixedShares)
        p.riskBudget = try decimal("risk.risk_budget", p.riskBudget)
        p.maxShares = try config.int("risk.max_shares", default: p.maxShares)
        p.maxOrderNotional = try decimal("risk.max_order_notional", p.maxOrderNotional)
        p.maxPositionNotional = try decimal("risk.max_position_notional", p.maxPositionNotional)
        p.maxOpenPositions = try config.int("risk.max_open_positions", default: p.maxOpenPositions)
        p.allowAdding = try config.bool("risk.allow_adding", default: p.allowAdding)
        p.allowShort = try config.bool("risk.allow_short", default: p.allowShort)
        p.dailyNotionalBudget = try decimal("risk.daily_notional_budget", p.dailyNotionalBudget)
        p.maxDailyLoss = try decimal("risk.max_daily_loss", p.maxDailyLoss)
        p.maxOrdersPerMinute = try config.int("risk.max_orders_per_minute", default: p.maxOrdersPerMinute)
        p.tickSize = try decimal("risk.tick_size", p.tickSize)
        guard let entry = OrderType(rawValue: config.string("risk.entry_type", default: "LIMIT").uppercased()) else {
            throw ConfigError("risk.entry_type", "must be MARKET, LIMIT, STOP or STOP_LIMIT")
        }
        p.entryType = entry
        guard let tif = TimeInForce(rawValue: config.string("risk.tif", default: "DAY").uppercased()) else {
            throw ConfigError("risk.tif", "must be DAY or GTC")
        }
        p.tif = tif
        p.marketOrdersWhenClosed = try config.bool("risk.market_orders_when_closed", default: false)
        p.outsideRth = try config.bool("risk.outside_rth", default: false)
        p.minRewardRisk = try decimal("risk.min_reward_risk", p.minRewardRisk)
        p.minStopFraction = try decimal("risk.min_stop_pct", p.minStopFraction)
        p.minStopATR = try decimal("risk.min_stop_atr", p.minStopATR)
        p.maxEntryFraction = try decimal("risk.max_entry_pct", p.maxEntryFraction)
        p.maxEntryATR = try decimal("risk.max_entry_atr", p.maxEntryATR)
        do { try p.validate() } catch { throw ConfigError("risk", "\(error)") }
        policy = p
    }
}
