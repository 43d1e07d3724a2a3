import CandlewickCore
import Foundation
import Synchronization

/// A `BarsSource` that hands on what another delivers and keeps, per symbol, the last bar's day and
/// close: the backtest sizes with the close and checks that no bar is later than the as-of day.
public final class CapturingBars: BarsSource {
    private let inner: any BarsSource
    private let seen = LastBars()

    public init(_ inner: any BarsSource) { self.inner = inner }

    public func deliver(_ universe: [String], runId: String, to event: @escaping @Sendable (RunPipeline.Event) -> Void) async {
        await inner.deliver(universe, runId: runId) { [seen] e in
            if case .bars(let symbol, let md, _) = e, let last = md.bars.last {
                seen.state.withLock { $0[symbol] = (CalendarDay.of(last.timestamp), last.close) }
            }
            event(e)
        }
    }

    /// The last bar's day and close of each symbol that had bars.
    public var lastBars: [String: (day: String, close: Decimal)] { seen.state.withLock { $0 } }

    private final class LastBars: Sendable {
        let state = Mutex<[String: (day: String, close: Decimal)]>([:])
    }
}
