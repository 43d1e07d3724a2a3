import Foundation

/// The price range a chart's window shows: the lowest low and the highest high of its last
/// `lookback` bars. Computed once here for chart-worker's `render` output and for the run owner's
/// analysis jobs (the model's levels are checked against it).
public struct ChartWindow: Sendable, Hashable {
    public let low: Decimal
    public let high: Decimal

    /// The range of the last `lookback` bars of `bars` (oldest first); nil when there are none.
    public init?(bars: some BidirectionalCollection<OHLCVBar>, lookback: Int) {
        let window = bars.suffix(max(1, lookback))
        guard let low = window.map(\.low).min(), let high = window.map(\.high).max() else { return nil }
        self.low = low
        self.high = high
    }
}
