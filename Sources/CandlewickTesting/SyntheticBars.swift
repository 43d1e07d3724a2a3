import CandlewickCore
import Foundation

/// A deterministic daily series from a seed: a random walk drifting up with real-looking OHLC
/// (weekdays only, from 2020-01-06). The same seed gives the same bars, so a chart drawn from them
/// has the same bytes on every run.
public func syntheticBars(_ n: Int, start: Double = 100, scale: Double = 1, volume: Decimal = 1_000_000,
                          seed: UInt64 = 12345) throws -> [OHLCVBar] {
    var bars: [OHLCVBar] = []
    var price = start
    var state = seed
    func rand() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    let t0 = UTCTimestamp.parse("2020-01-06")!
    for i in 0..<n {
        let open = price
        price *= 1 + (rand() - 0.48) * 0.04
        let close = price
        let high = max(open, close) * (1 + rand() * 0.01)
        let low = min(open, close) * (1 - rand() * 0.01)
        func d(_ x: Double) -> Decimal { Decimal(string: String(format: "%.6f", x * scale))! }
        bars.append(try OHLCVBar(timestamp: t0.addingTimeInterval(Double(i / 5 * 7 + i % 5) * 86_400), open: d(open),
                                 high: d(high), low: d(low), close: d(close), volume: volume))
    }
    return bars
}
