import Synchronization

/// A one-shot event: a socket thread fires it when it has exited, async code waits for it.
/// Waiting after it fired returns at once.
final class CompletionLatch: Sendable {
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]?>([])

    /// Marks the event as happened and resumes every waiter.
    func fire() {
        let pending = waiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            defer { w = nil }
            return w ?? []
        }
        for c in pending { c.resume() }
    }

    /// Returns once `fire()` has been called.
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let fired = waiters.withLock { w -> Bool in
                guard w != nil else { return true }
                w!.append(c)
                return false
            }
            if fired { c.resume() }
        }
    }
}
