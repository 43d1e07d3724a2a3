import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A dedicated thread that runs queued writes under a `MessageRateLimiter`: order writes before
/// data writes, each lane in order, at most `limit` in any rolling second, back to back while the
/// window has room. Blocking waits stay on this thread, off Swift's cooperative pool.
///
/// Each job is stamped when it returns (after its socket write), so the spacing the limiter keeps
/// is never smaller on the wire than it computed.
final class RateLimitedWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var limiter: MessageRateLimiter<@Sendable () -> Void>
    private var peak = RollingPeak()
    private var done = 0

    /// Messages allowed in any rolling second.
    let limit: Int

    /// Jobs run so far.
    var executed: Int { condition.withLock { done } }
    /// The most jobs run in any rolling second so far (measured at their stamps).
    var maxInAnySecond: Int { condition.withLock { peak.peak } }
    /// Jobs waiting for their turn.
    var queued: Int { condition.withLock { limiter.queued } }

    init(limit: Int) {
        self.limit = limit
        // 3 slots kept for a bracket; a limit of 3 or less (ib.max_messages_per_second allows 1) keeps what it can.
        limiter = MessageRateLimiter(limit: limit, orderReserve: min(3, limit - 1))
        let thread = Thread { [self] in run() }
        thread.name = "tws-writer"
        thread.start()
    }

    /// Queues writes at the back of their lane, together (no other call's jobs come between them in that lane).
    func enqueue(_ writes: [@Sendable () -> Void], priority: MessagePriority) {
        condition.withLock {
            for w in writes { limiter.enqueue(w, priority: priority) }
            condition.signal()
        }
    }

    /// Monotonic nanoseconds.
    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    private func run() {
        while true {
            let job = condition.withLock { () -> @Sendable () -> Void in
                while true {
                    let now = Self.now()
                    switch limiter.next(now: now) {
                    case .send(let job): return job
                    case .wait(let until): _ = condition.wait(until: Date().addingTimeInterval(Double(until - now) / 1e9))
                    case .idle: condition.wait()
                    }
                }
            }
            job()
            let stamp = Self.now()
            condition.withLock {
                limiter.sent(at: stamp)
                peak.record(stamp)
                done += 1
            }
        }
    }
}
