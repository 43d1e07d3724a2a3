import Foundation

/// Every indicator Candlewick charts and analyses, computed once over a bar history.
/// Arrays are as long as `bars`; `Double.nan` marks undefined positions.
public struct IndicatorSeries: Sendable {
    public let timestamps: [Date]
    public let opens: [Double]
    public let highs: [Double]
    public let lows: [Double]
    public let closes: [Double]
    public let volumes: [Double]
    public let sma20: [Double]
    public let sma50: [Double]
    public let sma200: [Double]
    public let rsi14: [Double]
    public let macd: [Double]
    public let macdSignal: [Double]
    public let macdHistogram: [Double]
    public let bbUpper: [Double]
    public let bbMiddle: [Double]
    public let bbLower: [Double]
    public let atr14: [Double]

    /// Computes SMA 20/50/200, RSI 14, MACD 12/26/9, Bollinger 20/2 and ATR 14 over `bars`.
    public init(bars: [OHLCVBar]) {
        timestamps = bars.map(\.timestamp)
        opens = bars.map(\.open.doubleValue)
        highs = bars.map(\.high.doubleValue)
        lows = bars.map(\.low.doubleValue)
        closes = bars.map(\.close.doubleValue)
        volumes = bars.map(\.volume.doubleValue)
        sma20 = Indicators.sma(closes, period: 20)
        sma50 = Indicators.sma(closes, period: 50)
        sma200 = Indicators.sma(closes, period: 200)
        rsi14 = Indicators.rsi(closes, period: 14)
        (macd, macdSignal, macdHistogram) = Indicators.macd(closes)
        (bbUpper, bbMiddle, bbLower) = Indicators.bollinger(closes)
        atr14 = Indicators.atr(high: highs, low: lows, close: closes)
    }

    /// Number of bars.
    public var count: Int { closes.count }

    /// The values at the last bar (NaN becomes nil).
    public func snapshot(symbol: String) throws -> TechnicalIndicators {
        guard let ts = timestamps.last else {
            throw ModelValidationError(model: "TechnicalIndicators", field: "timestamp", rule: "needs at least one bar")
        }
        func last(_ a: [Double]) -> Double? { a.last.flatMap { $0.isNaN ? nil : $0 } }
        return try TechnicalIndicators(
            symbol: symbol, timestamp: ts, sma20: last(sma20), sma50: last(sma50), sma200: last(sma200),
            rsi14: last(rsi14), macd: last(macd), macdSignal: last(macdSignal), macdHistogram: last(macdHistogram),
            bbUpper: last(bbUpper), bbMiddle: last(bbMiddle), bbLower: last(bbLower), atr14: last(atr14))
    }

    /// The named series as (JSON name, values) pairs, in a stable order.
    public var namedSeries: [(String, [Double])] {
        [("sma_20", sma20), ("sma_50", sma50), ("sma_200", sma200), ("rsi_14", rsi14), ("macd", macd),
         ("macd_signal", macdSignal), ("macd_histogram", macdHistogram), ("bb_upper", bbUpper),
         ("bb_middle", bbMiddle), ("bb_lower", bbLower), ("atr_14", atr14)]
    }
}
