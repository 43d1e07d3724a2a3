import Synchronization

/// The accepted requests of a `RequestServer`, waiting for its one consumer, in arrival order.
///
/// `push` runs on the socket's thread for every request, so this is a plain queue behind a lock
/// with one waiting consumer, not an `AsyncStream`: the standard library's stream is generic and
/// not specialized for the caller, and its `yield` looked up type metadata at run time on every
/// request (a sixth of the serving thread's own work per round trip).
final class RequestQueue: Sendable {
    private struct State {
        var items: [IncomingRequest] = []
        /// The next item to hand out (items before it are taken; the array is reset when empty).
        var head = 0
        var waiter: UnsafeContinuation<IncomingRequest?, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    /// Hands `request` to the waiting consumer, or queues it. Dropped after `finish`.
    func push(_ request: IncomingRequest) {
        let waiter = state.withLock { s -> UnsafeContinuation<IncomingRequest?, Never>? in
            if s.finished { return nil }
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.items.append(request)
            return nil
        }
        waiter?.resume(returning: request)
    }

    /// No more requests: the consumer gets the queued ones, then nil.
    func finish() { endWait(finishing: true) }

    /// Resumes a waiting consumer with nil (it then waits no more); with `finishing`, also marks
    /// the queue finished under the same lock.
    private func endWait(finishing: Bool) {
        let waiter = state.withLock { s -> UnsafeContinuation<IncomingRequest?, Never>? in
            if finishing { s.finished = true }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next request, or nil once finished and drained, or as soon as the calling task is
    /// cancelled (as an `AsyncStream`'s iterator ends). One consumer at a time.
    func next() async -> IncomingRequest? {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (c: UnsafeContinuation<IncomingRequest?, Never>) in
                let now = state.withLock { s -> IncomingRequest?? in
                    if s.head < s.items.count {
                        let r = s.items[s.head]
                        s.head += 1
                        if s.head == s.items.count {
                            s.items.removeAll(keepingCapacity: true)
                            s.head = 0
                        }
                        return .some(r)
                    }
                    // Checked under the lock the cancellation handler takes, so a cancellation
                    // either is seen here or finds the waiter registered below.
                    if s.finished || Task.isCancelled { return .some(nil) }
                    precondition(s.waiter == nil, "RequestQueue has one consumer")
                    s.waiter = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            endWait(finishing: false)
        }
    }
}
