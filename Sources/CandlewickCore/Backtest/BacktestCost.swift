import Foundation

/// What a backtest will ask of a model provider, before it starts: one call per symbol and as-of
/// day still to run, each with the system and user prompt, both charts and at most `max_tokens` of
/// answer, priced from the config's price table. An upper bound: the response cache answers a call
/// it has seen (same charts, same prompt) for free, so a re-run of the same backtest costs nothing,
/// and symbols without bars on a day make no call.
public struct BacktestCostEstimate: Sendable, Hashable, Codable {
    /// As-of days in the range (NYSE trading days, `every` apart) and those already done (resumed).
    public var days: Int
    public var daysDone: Int
    public var symbols: Int
    /// Model calls still to make.
    public var calls: Int
    public var inputTokensPerCall: Int
    public var imageTokensPerCall: Int
    public var maxOutputTokensPerCall: Int
    /// USD for the calls still to make; nil when the model has no price in the table.
    public var usd: Double?

    enum CodingKeys: String, CodingKey {
        case days, symbols, calls, usd
        case daysDone = "days_done", inputTokensPerCall = "input_tokens_per_call", imageTokensPerCall = "image_tokens_per_call"
        case maxOutputTokensPerCall = "max_output_tokens_per_call"
    }
}

public enum BacktestCost {
    /// The as-of days from `from` to `to` (`YYYY-MM-DD`, inclusive): the first NYSE trading day on or
    /// after `from`, then every `every`-th trading day (holidays per `USMarketCalendar`).
    public static func asOfDays(from: String, to: String, every: Int) -> [String] {
        guard let a = CalendarDay.number(from), let b = CalendarDay.number(to), every >= 1, a <= b else { return [] }
        var out: [String] = []
        var sinceLast = every
        for n in a...b {
            let (y, m, d) = UTCTimestamp.civil(fromDays: n)
            guard USMarketCalendar.isTradingDay(y, m, d) else { continue }
            if sinceLast >= every {
                out.append(String(format: "%04d-%02d-%02d", y, m, d))
                sinceLast = 0
            }
            sinceLast += 1
        }
        return out
    }

    /// Tokens of a text for the estimate: one per 4 UTF-8 bytes (the usual rule for English and JSON).
    public static func textTokens(_ text: String) -> Int { (text.utf8.count + 3) / 4 }

    /// Input text tokens of one analysis call: the system prompt, a user prompt with every indicator
    /// present (daily and weekly, 8-digit values: a long one) and the answer's JSON schema.
    public static func promptTokens() -> Int {
        let value = 1234.5678
        let day = Date(timeIntervalSince1970: 1_500_000_000)
        func indicators() -> TechnicalIndicators? {
            try? TechnicalIndicators(symbol: "AAAA", timestamp: day, sma20: value, sma50: value, sma200: value, rsi14: 55.55, macd: value,
                                     macdSignal: value, macdHistogram: value, bbUpper: value, bbMiddle: value, bbLower: value, atr14: value)
        }
        guard let daily = indicators() else { return textTokens(AnalysisPrompt.system) }
        let context = AnalysisContext(symbol: "AAAA", lastClose: value, indicators: daily, weeklyIndicators: indicators(),
                                      chartLow: value, chartHigh: value, position: value, asOf: day)
        let schema = (try? JSONSerialization.data(withJSONObject: AnalysisPrompt.schema, options: [.sortedKeys])) ?? Data()
        return textTokens(AnalysisPrompt.system) + textTokens(AnalysisPrompt.user(context)) + (schema.count + 3) / 4
    }

    /// The estimate for `days` as-of days of `symbols` symbols, `daysDone` of them already run.
    public static func estimate(days: Int, daysDone: Int, symbols: Int, promptTokens: Int, imageTokens: Int, maxOutputTokens: Int,
                                price: ModelPrice?) -> BacktestCostEstimate {
        let calls = max(0, days - daysDone) * symbols
        let usd = price.map { p in
            Double(calls) * (Double(promptTokens + imageTokens) * p.input + Double(maxOutputTokens) * p.output) / 1_000_000
        }
        return BacktestCostEstimate(days: days, daysDone: daysDone, symbols: symbols, calls: calls, inputTokensPerCall: promptTokens,
                                    imageTokensPerCall: imageTokens, maxOutputTokensPerCall: maxOutputTokens, usd: usd)
    }
}
