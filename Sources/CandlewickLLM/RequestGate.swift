/// The gate's time: now, as a duration since a fixed origin, and a sleep until such a moment. The
/// default is the continuous clock; tests drive the per-minute window with a clock they move by hand.
public protocol GateClock: Sendable {
    var now: Duration { get }
    /// Returns at `deadline` or later (or early when the task is cancelled).
    func sleep(until deadline: Duration) async
}

/// `ContinuousClock`, counted from when the gate clock was made.
public struct ContinuousGateClock: GateClock {
    private let origin = ContinuousClock.now
    public init() {}
    public var now: Duration { ContinuousClock.now - origin }
    public func sleep(until deadline: Duration) async { try? await Task.sleep(until: origin + deadline, clock: .continuous) }
}

/// Limits requests to a provider: at most `maxConcurrent` in flight and `perMinute` started in any
/// rolling minute. Waiters are served in arrival order.
public actor RequestGate {
    private let maxConcurrent: Int
    private let perMinute: Int
    private var inFlight = 0
    private var starts: [Duration] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let clock: any GateClock
    static let window = Duration.seconds(60)

    public init(maxConcurrent: Int, perMinute: Int, clock: any GateClock = ContinuousGateClock()) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.perMinute = max(1, perMinute)
        self.clock = clock
    }

    /// Waits for a free slot (and, under the per-minute limit, for the window to allow one).
    public func acquire() async {
        while inFlight >= maxConcurrent {
            await withCheckedContinuation { waiters.append($0) }
        }
        inFlight += 1
        while true {
            let now = clock.now
            starts.removeAll { now - $0 >= Self.window }
            if starts.count < perMinute { break }
            await clock.sleep(until: starts[0] + Self.window)
        }
        starts.append(clock.now)
    }

    public func release() {
        inFlight -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
