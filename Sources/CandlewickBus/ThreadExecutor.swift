import Foundation

/// A serial executor with a thread of its own, for an actor whose work blocks (order-router's
/// `OrderRouter` writes and `fdatasync`s its intent journal inside the actor). The actor declares
///
///     nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
///
/// and then all its jobs run on this thread, whoever calls it: not on a socket's thread (a
/// `RequestServer.serveConcurrently` handler prefers its `SocketLoop`, and a default actor would
/// follow that preference), and not on Swift's cooperative pool, whose few threads must not block.
///
/// Work runs one item at a time, in the order it was enqueued. The thread starts with the first
/// work and runs until `shutdown()` or until the executor is released (an actor keeps its executor,
/// and every job waiting for the actor keeps the actor); it finishes what is queued, then exits.
/// Work enqueued after a shutdown still runs, in order, on a thread started for it that exits again
/// once idle.
public final class ThreadExecutor: SerialExecutor, Sendable {
    /// The thread's name (in perf, top and `Thread.current.name`; Linux keeps the first 15 bytes).
    public let name: String
    /// The queue and the thread's state; the thread holds it, not the executor (see `deinit`).
    private let core: ThreadExecutorCore

    /// `name`: the thread's name, e.g. "router-journal".
    public init(name: String) {
        self.name = name
        core = ThreadExecutorCore(name: name)
    }

    deinit {
        // Nothing can enqueue any more: the thread (if any) runs what is queued and exits.
        core.stop()
    }

    /// Takes a job of the actor (or task) this executor runs; it runs on the thread, after the work
    /// enqueued before it.
    public func enqueue(_ job: consuming ExecutorJob) {
        core.add(.job(UnownedJob(job)), executor: asUnownedSerialExecutor())
    }

    /// Runs `work` on the thread, after the work enqueued before it (a plain closure: what an actor
    /// job is, for code that is not an actor).
    public func execute(_ work: @escaping @Sendable () -> Void) {
        core.add(.closure(work), executor: asUnownedSerialExecutor())
    }

    /// Stops the thread once the work queued so far has run; returns when that work has run and the
    /// thread has left its loop (ending the thread is all it does after that).
    public func shutdown() async {
        await core.shutdown()
    }
}

/// `ThreadExecutor`'s queue and thread. The thread holds this strongly and the executor only
/// unowned, to run jobs with: a queued job keeps its actor, and so the executor, alive, and an idle
/// thread does not keep the executor from being released (its `deinit` stops the thread).
private final class ThreadExecutorCore: @unchecked Sendable {
    enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    let name: String
    /// `condition` guards everything below it.
    private let condition = NSCondition()
    private var queue: [Work] = []
    private var running = false
    private var stopping = false
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    init(name: String) {
        self.name = name
    }

    func add(_ work: Work, executor: UnownedSerialExecutor) {
        let start = condition.withLock { () -> Bool in
            queue.append(work)
            if running {
                condition.signal()
                return false
            }
            running = true
            return true
        }
        guard start else { return }
        let thread = Thread { [self, name] in
            // Named by the running thread itself, before any work: a new thread starts with its
            // creator's name (a cooperative pool thread's), and Foundation on Linux does not pass
            // a name set before `start` to the system.
            nameCurrentThread(name)
            drain(executor)
        }
        thread.start()
    }

    func stop() {
        condition.withLock {
            stopping = true
            condition.signal()
        }
    }

    func shutdown() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let exited = condition.withLock { () -> Bool in
                stopping = true
                guard running else { return true }
                exitWaiters.append(c)
                condition.signal()
                return false
            }
            if exited { c.resume() }
        }
    }

    /// The thread's body: runs the queue in order; exits when stopping and idle.
    private func drain(_ executor: UnownedSerialExecutor) {
        var batch: [Work] = []
        var head = 0
        while true {
            if head == batch.count {
                let (next, waiters) = condition.withLock { () -> ([Work], [CheckedContinuation<Void, Never>]) in
                    while queue.isEmpty && !stopping { condition.wait() }
                    if queue.isEmpty {
                        running = false
                        defer { exitWaiters.removeAll() }
                        return ([], exitWaiters)
                    }
                    defer { queue.removeAll(keepingCapacity: true) }
                    return (queue, [])
                }
                if next.isEmpty {
                    for w in waiters { w.resume() }
                    return
                }
                batch = next
                head = 0
            }
            let work = batch[head]
            head += 1
            switch work {
            case .job(let job): job.runSynchronously(on: executor)
            case .closure(let body): body()
            }
        }
    }
}
