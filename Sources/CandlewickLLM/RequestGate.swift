/// Limits requests to a provider: at most `maxConcurrent` in flight and `perMinute` started in any
/// rolling minute. Waiters are served in arrival order.
public actor RequestGate {
    private let maxConcurrent: Int
    private let perMinute: Int
    private var inFlight = 0
    private var starts: [ContinuousClock.Instant] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let clock = ContinuousClock()

    public init(maxConcurrent: Int, perMinute: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.perMinute = max(1, perMinute)
    }

    /// Waits for a free slot (and, under the per-minute limit, for the window to allow one).
    public func acquire() async {
        while inFlight >= maxConcurrent {
            await withCheckedContinuation { waiters.append($0) }
        }
        inFlight += 1
        while true {
            let now = clock.now
            starts.removeAll { now - $0 >= .seconds(60) }
            if starts.count < perMinute { break }
            try? await Task.sleep(until: starts[0] + .seconds(60), clock: clock)
        }
        starts.append(clock.now)
    }

    public func release() {
        inFlight -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
