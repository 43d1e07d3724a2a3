import CandlewickCore
import Foundation
import Logging
import Synchronization

/// The inbound side of a `RequestClient`: the requests waiting for a reply, their deadlines, and
/// the decoding of replies, each resuming the request it answers (by `causation_id`); a reply
/// nobody waits for any more (it came after its deadline) is dropped.
///
/// `take` runs on a `SocketLoop`'s own thread or in a task reading an in-memory channel. Deadlines
/// are kept by one sweeper task per client that sleeps until the earliest one (not a timer task
/// per request, which cost two extra wake-ups of the cooperative pool on every round trip).
///
/// Each continuation is resumed exactly once, by whoever removes it from `waiting` (its reply, its
/// deadline, its cancellation, the socket closing), so an unchecked continuation is safe here and
/// saves the checked one's extra allocation on every request.
final class ReplyWaiters: Sendable {
    private struct Waiting {
        let continuation: UnsafeContinuation<BusMessage, any Error>
        let deadline: ContinuousClock.Instant
        let type: String
        let timeout: Duration
    }

    private struct State {
        var waiting: [String: Waiting] = [:]
        /// When the current sweeper wakes, nil when none runs.
        var wake: ContinuousClock.Instant?
        /// Bumped for every new sweeper; an older one that wakes finds it changed and stops.
        var generation = 0
    }

    private let state = Mutex(State())
    private let decoder: BusSubscriber
    private let json = UncheckedBox(CandlewickJSON.decoder())

    init(codec: FrameCodec, logger: Logger) {
        // A server numbers its replies to all its clients in one sequence: no gaps to see from one client.
        decoder = BusSubscriber(source: AsyncStream { $0.finish() }, codec: codec, logger: logger, detectGaps: false)
    }

    /// Counters of the replies decoded.
    var stats: SubscriberStats { decoder.stats }

    /// Registers a request that waits for the reply to `id` until `timeout` from now.
    func register(_ id: String, _ continuation: UnsafeContinuation<BusMessage, any Error>, type: String, timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        let start = state.withLock { s -> Int? in
            s.waiting[id] = Waiting(continuation: continuation, deadline: deadline, type: type, timeout: timeout)
            if let wake = s.wake, wake <= deadline { return nil }
            s.wake = deadline
            s.generation += 1
            return s.generation
        }
        if let generation = start { Task.detached { [self] in await sweep(generation, until: deadline) } }
    }

    /// Removes the request waiting for `id` and returns its continuation (nil when none waits).
    func remove(_ id: String) -> UnsafeContinuation<BusMessage, any Error>? {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.continuation
    }

    func take(_ frames: [Data]) {
        for case .message(let m) in decoder.process(frames, decoder: json.value) {
            guard let cause = m.header.causationId else { continue }
            remove(cause)?.resume(returning: m)
        }
    }

    /// Fails every waiting request: the socket closed.
    func failAll() {
        let all = state.withLock { s -> [Waiting] in
            defer { s.waiting.removeAll() }
            return Array(s.waiting.values)
        }
        for w in all { w.continuation.resume(throwing: BusError("request", message: "client closed", code: "closed")) }
    }

    /// Sleeps until `wake`, fails the requests whose deadline has passed, and goes on to the next
    /// deadline; stops when nothing waits or a sweeper for an earlier deadline took over.
    private func sweep(_ generation: Int, until wake: ContinuousClock.Instant) async {
        var wake = wake
        while true {
            try? await Task.sleep(until: wake, clock: .continuous)
            let (expired, next) = state.withLock { s -> ([Waiting], ContinuousClock.Instant?) in
                guard s.generation == generation else { return ([], nil) }
                let now = ContinuousClock.now
                var expired: [Waiting] = []
                for (id, w) in s.waiting where w.deadline <= now {
                    expired.append(w)
                    s.waiting.removeValue(forKey: id)
                }
                s.wake = s.waiting.values.lazy.map(\.deadline).min()
                return (expired, s.wake)
            }
            for w in expired {
                w.continuation.resume(throwing: BusError("request \(w.type)", message: "no reply within \(w.timeout)", code: "timeout"))
            }
            guard let next else { return }
            wake = next
        }
    }
}
