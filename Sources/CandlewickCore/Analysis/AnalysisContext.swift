import Foundation

/// The ground truth an analysis is judged against: what we computed, not what a model says.
public struct AnalysisContext: Sendable {
    public let symbol: String
    public let lastClose: Double
    public let indicators: TechnicalIndicators
    public let weeklyIndicators: TechnicalIndicators?
    /// Lowest low and highest high of the bars shown on the daily chart.
    public let chartLow: Double
    public let chartHigh: Double
    /// Shares held now (negative = short), if any.
    public let position: Double?
    public let asOf: Date

    public init(symbol: String, lastClose: Double, indicators: TechnicalIndicators, weeklyIndicators: TechnicalIndicators? = nil,
                chartLow: Double, chartHigh: Double, position: Double? = nil, asOf: Date) {
        self.symbol = symbol
        self.lastClose = lastClose
        self.indicators = indicators
        self.weeklyIndicators = weeklyIndicators
        self.chartLow = chartLow
        self.chartHigh = chartHigh
        self.position = position
        self.asOf = asOf
    }

    /// The context of a daily bar history (the chart window is the last `lookback` bars).
    public static func from(symbol: String, bars: [OHLCVBar], lookback: Int = 60, weekly: TechnicalIndicators? = nil,
                            position: Double? = nil) throws -> AnalysisContext {
        guard let last = bars.last else {
            throw ModelValidationError(model: "AnalysisContext", field: "bars", rule: "must not be empty")
        }
        let window = bars.suffix(lookback)
        return AnalysisContext(
            symbol: symbol, lastClose: last.close.doubleValue,
            indicators: try IndicatorSeries(bars: bars).snapshot(symbol: symbol), weeklyIndicators: weekly,
            chartLow: window.map(\.low.doubleValue).min()!, chartHigh: window.map(\.high.doubleValue).max()!,
            position: position, asOf: last.timestamp)
    }
}

/// How far a model's answer may stray from the data before it is refused. Every limit is a
/// config key (`llm.*`, docs/config.md); the defaults refuse a stop at the entry, a reward:risk
/// far below 1, an entry several ATRs from the close and levels outside the charted range.
public struct GroundingPolicy: Sendable, Hashable {
    /// Largest |entry − last close| / last close (`llm.max_entry_pct`, default 3 %).
    public var maxEntryPercent = 0.03
    /// Largest |entry − last close| in daily ATR 14 (`llm.max_entry_atr`, default 1).
    public var maxEntryATR = 1.0
    /// Smallest |entry − stop| in daily ATR 14 (`llm.min_stop_atr`, default 0.5).
    public var minStopATR = 0.5
    /// Smallest |target − entry| / |entry − stop| (`llm.min_reward_risk`, default 1).
    public var minRewardRisk = 1.0
    /// Largest |stop or target − last close| / last close (default 25 %).
    public var maxLevelDistance = 0.25
    /// Stop and target must lie within the daily chart's low–high widened by this fraction of
    /// that range on each side (`llm.chart_range_slack`, default 0.05).
    public var chartRangeSlack = 0.05
    /// A claimed RSI further than this from the computed one is a contradiction (points).
    public var rsiTolerance = 5.0
    /// A claimed moving-average value further than this fraction from the computed one is a contradiction.
    public var averageTolerance = 0.02
    /// Above/below comparisons closer than this fraction count as either (0.3 %).
    public var levelTolerance = 0.003
    /// RSI zone boundaries (30/70) accept either side within this many points.
    public var rsiZoneTolerance = 1.0
    /// MACD vs signal closer than this fraction of the close counts as either.
    public var macdTolerance = 0.0005
    /// Largest answer in bytes (`llm.max_answer_bytes`, default 8192).
    public var maxAnswerBytes = 8192
    /// Longest reasoning / daily_analysis / weekly_analysis, and longest key factor (characters).
    public var maxTextLength = 1500
    public var maxFactorLength = 300
    public var maxFactors = 8

    public init() {}
}
