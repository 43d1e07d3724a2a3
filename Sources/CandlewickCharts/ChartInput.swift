import CandlewickCore
import Foundation

/// What one chart shows: the bars of its timeframe with indicators computed on the full history,
/// of which the last `lookback` are drawn.
public struct ChartInput: Sendable {
    public let symbol: String
    public let timeframe: Timeframe
    public let bars: [OHLCVBar]
    public let series: IndicatorSeries
    /// Whether the last bar is an unfinished week.
    public let lastBarPartial: Bool

    public init(symbol: String, timeframe: Timeframe, bars: [OHLCVBar], lastBarPartial: Bool = false) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.bars = bars
        self.series = IndicatorSeries(bars: bars)
        self.lastBarPartial = lastBarPartial
    }

    /// The daily and weekly inputs for a symbol's daily history (weekly resampled from it).
    public static func dailyAndWeekly(symbol: String, daily: [OHLCVBar], asOf: Date) throws -> (ChartInput, ChartInput) {
        let weekly = try WeeklyResampler.weekly(daily, asOf: asOf)
        return (ChartInput(symbol: symbol, timeframe: .daily, bars: daily),
                ChartInput(symbol: symbol, timeframe: .weekly, bars: weekly.bars, lastBarPartial: weekly.lastWeekIsPartial))
    }
}
