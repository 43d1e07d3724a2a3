import Foundation
import Synchronization

/// order-router's clock with `router.clock = broker`: the broker's time as last read (before each signal
/// and from every snapshot's `ib_time`), plus the monotonic time elapsed since that reading. Under ib-paper
/// the days follow the simulation while seconds and minutes pass as on the wall (orders per minute).
public final class BrokerClock: Sendable {
    /// The last reading: the broker's time and the monotonic second it was taken.
    private let anchor = Mutex<(ib: Date, at: Double)?>(nil)
    private let monotonic: @Sendable () -> Double

    /// `monotonic`: seconds on a clock that never steps (tests pass their own).
    public init(monotonic: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.monotonic = monotonic
    }

    /// The broker's time now; nil until the broker's time was read once.
    public var now: Date? {
        anchor.withLock { a in a.map { $0.ib.addingTimeInterval(max(0, monotonic() - $0.at)) } }
    }

    /// Takes a reading of the broker's time. IB answers in whole seconds: a reading less than a second behind
    /// the running clock is the same instant cut to the second and does not move it back; any other reading
    /// (a later day, or an ib-paper `reset` to an earlier one) is taken as it is.
    public func observe(_ ibTime: Date) {
        let at = monotonic()
        anchor.withLock { a in
            if let current = a.map({ $0.ib.addingTimeInterval(max(0, at - $0.at)) }), ibTime <= current, current.timeIntervalSince(ibTime) < 1 {
                return
            }
            a = (ibTime, at)
        }
    }
}
