import CandlewickCore
import CandlewickRuntime
import Foundation

/// order-router's configuration (`router.*`, `risk.*`), read through `ConfigKeys`: every value was
/// checked, with its file:line, when the configuration loaded.
public struct RouterSettings: Sendable {
    public var commands: String
    public var journalPath: String
    public var mode: LiveArming.Mode
    public var account: String
    public var allowedSources: Set<String>
    public var placeTimeout: Double
    /// The risk gate's clock (`router.clock`).
    public var clock: RouterClockSource
    public var policy: RiskPolicy

    public init(config: ConfigFile) throws {
        commands = config[\.routerCommands]
        journalPath = config[\.routerJournal]
        mode = config[\.routerMode]
        account = config[\.routerAccount] ?? ""
        allowedSources = Set(config[\.routerAllowedSources])
        placeTimeout = config[\.routerPlaceTimeoutS]
        clock = config[\.routerClock]
        policy = RiskPolicy(config: config)
        do { try policy.validate() } catch { throw ConfigError("risk", "\(error)") }
    }
}

extension RiskPolicy {
    /// The policy the `risk.*` keys describe (each already checked by `ConfigKeys` when the file loaded).
    public init(config: ConfigFile) {
        self.init()
        sizing = config[\.riskSizing]
        fixedShares = config[\.riskFixedShares]
        riskBudget = config[\.riskRiskBudget]
        maxShares = config[\.riskMaxShares]
        maxOrderNotional = config[\.riskMaxOrderNotional]
        maxPositionNotional = config[\.riskMaxPositionNotional]
        maxOpenPositions = config[\.riskMaxOpenPositions]
        allowAdding = config[\.riskAllowAdding]
        allowShort = config[\.riskAllowShort]
        dailyNotionalBudget = config[\.riskDailyNotionalBudget]
        maxDailyLoss = config[\.riskMaxDailyLoss]
        maxOrdersPerMinute = config[\.riskMaxOrdersPerMinute]
        tickSize = config[\.riskTickSize]
        entryType = config[\.riskEntryType]
        tif = config[\.riskTif]
        childTif = config[\.riskChildTif]
        marketOrdersWhenClosed = config[\.riskMarketOrdersWhenClosed]
        outsideRth = config[\.riskOutsideRth]
        minRewardRisk = config[\.riskMinRewardRisk]
        minStopFraction = config[\.riskMinStopPct]
        minStopATR = config[\.riskMinStopAtr]
        maxEntryFraction = config[\.riskMaxEntryPct]
        maxEntryATR = config[\.riskMaxEntryAtr]
    }
}
