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

/// How far a model's levels may stray from the data before the answer is refused.
public struct GroundingPolicy: Sendable {
    /// Largest |entry − last close| / last close (default 3 %).
    public var maxEntryDistance = 0.03
    /// Largest |stop or target − last close| / last close (default 25 %).
    public var maxLevelDistance = 0.25
    /// Levels must lie within the charted range widened by this fraction of it on each side.
    public var chartRangeSlack = 0.5
    /// A claimed RSI further than this from the computed one is a contradiction (points).
    public var rsiTolerance = 5.0
    /// A claimed moving-average value further than this fraction from the computed one is a contradiction.
    public var averageTolerance = 0.02
    /// BUY and SELL must carry entry, stop and target (needed for a bracket order).
    public var requireLevels = true

    public init() {}
}
