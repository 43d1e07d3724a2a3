import Foundation

/// A clock tests move by hand: no sleeping, fully deterministic. `now` is a wall-clock date (risk
/// gate, trading state); `seconds` is the time since the clock was made (leases, run deadlines).
public struct ManualClock: Sendable {
    /// 2023-11-14 22:13 UTC.
    public static let epoch = Date(timeIntervalSince1970: 1_700_000_000)
    /// Seconds since the clock was made (kept as a sum of the steps, so binary-exact steps stay exact).
    public private(set) var seconds: Double = 0
    private let start: Date

    public init(now: Date = ManualClock.epoch) { start = now }

    /// The date the clock shows.
    public var now: Date { start.addingTimeInterval(seconds) }

    /// Moves the clock forward (or back, for tests of clock steps) by `seconds`.
    public mutating func advance(_ seconds: Double) { self.seconds += seconds }
}
