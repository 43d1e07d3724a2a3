import CandlewickCore
import Foundation

/// What a call costs: image tokens computed from the charts (the APIs do not always report them)
/// and `cost_usd` from the price table and the usage the provider reported (cache tokens included).
public struct Costing: Sendable {
    public var prices: PriceTable
    public var formula: ImageTokens.Formula
    public var detail: String
    public var patchMultiplier: Double

    public init(prices: PriceTable = PriceTable(), formula: ImageTokens.Formula = .openAITile, detail: String = "high", patchMultiplier: Double = 1) {
        self.prices = prices
        self.formula = formula
        self.detail = detail
        self.patchMultiplier = patchMultiplier
    }

    /// Image tokens of the charts (PNG sizes from their headers; a non-PNG counts 0).
    public func imageTokens(_ charts: [Data]) -> Int {
        charts.compactMap(ImageTokens.pngSize).reduce(0) {
            $0 + ImageTokens.tokens(formula, width: $1.width, height: $1.height, detail: detail, patchMultiplier: patchMultiplier)
        }
    }

    /// USD for one call, or nil when the model has no price.
    public func cost(provider: String, model: String, usage: TokenUsage) -> Double? {
        prices.cost(provider: provider, model: model, input: usage.inputTokens, output: usage.outputTokens,
                    cacheRead: usage.cacheReadTokens, cacheWrite: usage.cacheWriteTokens)
    }
}

/// The daily spend guard (`llm.max_daily_cost_usd`): model spend per UTC day; once it reaches the
/// limit no model call is made until the next day (the analysis is HOLD with the reason).
public actor SpendGuard {
    public let limitUSD: Double
    private var day = ""
    private var spent = 0.0

    public init(limitUSD: Double) { self.limitUSD = limitUSD }

    private func roll(_ now: Date) {
        let today = String(UTCTimestamp.format(now).prefix(10))
        if today != day { day = today; spent = 0 }
    }

    /// nil when a call may be made; otherwise why not.
    public func refusal(now: Date) -> String? {
        roll(now)
        guard spent >= limitUSD else { return nil }
        return String(format: "spent %.4f USD today (UTC %@), the limit llm.max_daily_cost_usd is %.4f", spent, day, limitUSD)
    }

    public func add(_ usd: Double, now: Date) {
        roll(now)
        spent += usd
    }

    public var spentToday: Double { spent }
}
