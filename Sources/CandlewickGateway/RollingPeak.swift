/// The most messages seen in any rolling window (default 1 s) so far: fed one time stamp per message
/// (monotonic nanoseconds, non-decreasing). A message at `t` shares a window with those after `t - window` (IB's and
/// ib-paper's count: arrivals in the last second, the current one included).
public struct RollingPeak: Sendable {
    public let window: Int64
    /// The largest count seen in one window.
    public private(set) var peak = 0
    private var times: [Int64] = []
    private var head = 0

    public init(window: Int64 = 1_000_000_000) { self.window = window }

    /// Records one message at `time` (nanoseconds, non-decreasing); returns the count in its window.
    @discardableResult
    public mutating func record(_ time: Int64) -> Int {
        times.append(time)
        while head < times.count && times[head] <= time - window { head += 1 }
        if head >= 1024 && head * 2 >= times.count {
            times.removeFirst(head)
            head = 0
        }
        let count = times.count - head
        peak = max(peak, count)
        return count
    }
}
