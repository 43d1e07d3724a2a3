import CZMQ
import Foundation
import Synchronization

/// One ZeroMQ socket served by one dedicated thread, so blocking libzmq calls never run on Swift's
/// cooperative pool and the socket is never used by two threads at once.
///
/// Inbound messages arrive on `incoming` (or `inbound`). Outbound messages are sent with
/// `ZMQ_DONTWAIT` by the caller itself when the socket is free and nothing is queued before them
/// (no thread hop); otherwise they are queued (bounded) and sent by the socket's thread. The
/// thread sleeps in `poll` on the socket's `ZMQ_FD` and a wake-up pipe, not holding the socket;
/// whoever uses the socket holds `socket`'s lock. A caller that sent checks `ZMQ_EVENTS` after
/// its send and wakes the thread when input is waiting, since its send may have consumed the
/// edge-triggered signal.
public final class SocketLoop: Sendable {
    /// A multipart message as received: frames in order.
    public typealias Frames = [Data]

    private struct Shared {
        var outbox: [Frames] = []
        /// Task jobs enqueued on this loop as a `TaskExecutor`, run by its thread.
        var jobs: [UnownedJob] = []
        var closing = false
        var wakePending = false
        /// The thread has stopped taking jobs: later ones go to the global executor.
        var exited = false
    }

    private let shared = Mutex(Shared())
    /// The libzmq socket, held by whoever uses it; nil once closed.
    private let socket: Mutex<UncheckedBox<ZMQSocket>?>
    /// Messages queued for the socket's thread and not yet sent or dropped; a caller sends inline
    /// only when it is 0, so one sender's messages keep their order.
    private let backlog = Atomic<Int>(0)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let outboxLimit: Int
    private let receives: Bool
    private let peerMetadata: Bool
    private let exited = CompletionLatch()
    /// The socket thread's `pthread_self()`, so a job it enqueues itself needs no wake-up.
    private let loopThread = Atomic<UInt>(0)
    /// Inbound messages. Finishes when the loop closes.
    public let incoming: AsyncStream<Frames>
    /// The endpoint bound or connected, with wildcards resolved.
    public let endpoint: String
    /// Messages sent, received, and dropped because a send failed or the outbox was full.
    public let sentCount = Atomic<Int>(0)
    public let receivedCount = Atomic<Int>(0)
    public let droppedCount = Atomic<Int>(0)

    /// Creates the socket, binds or connects it (errors are thrown here), then starts its thread.
    /// - Parameters:
    ///   - subscriptions: topic prefixes for SUB sockets (`""` is everything).
    ///   - outboxLimit: messages that may wait to be sent before `send` throws.
    ///   - peerMetadata: precede every inbound message with a frame `<role>\n<key id>` naming the
    ///     sender's authenticated identity (see `ZMQSocket.receive`).
    ///   - inbound: called on the socket's thread with every inbound message instead of yielding it
    ///     to `incoming` (which then only finishes when the loop closes). For consumers that decode
    ///     and hand on themselves (request/reply), saving a hop through the cooperative pool; it
    ///     must not block, and while it runs the socket neither sends nor receives.
    public init(_ kind: SocketKind, bind: [String] = [], connect: [String] = [], subscriptions: [String] = [],
                options: SocketOptions = SocketOptions(), outboxLimit: Int = 100_000, name: String = "zmq",
                peerMetadata: Bool = false, inbound: (@Sendable (Frames) -> Void)? = nil) throws {
        let socket = try ZMQSocket(kind, options: options)
        for prefix in subscriptions { try socket.set(ZMQ_SUBSCRIBE, bytes: Array(prefix.utf8)) }
        for e in bind { try socket.bind(e) }
        for e in connect { try socket.connect(e) }
        endpoint = bind.isEmpty ? (connect.first ?? "") : socket.lastEndpoint()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BusError("create wake-up pipe", message: String(cString: strerror(errno))) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        self.outboxLimit = outboxLimit
        self.peerMetadata = peerMetadata
        switch kind {
        case .pub, .push: receives = false
        default: receives = true
        }
        let (stream, continuation) = AsyncStream<Frames>.makeStream(bufferingPolicy: .unbounded)
        incoming = stream
        let lingerMs = Int(options.lingerMs)
        let signal = socket.signalDescriptor()
        self.socket = Mutex(UncheckedBox(socket))
        let thread = Thread { [self] in
            // Foundation on Linux does not pass a name set before `start` to the system thread,
            // which would keep its creator's (a cooperative pool thread's) name in perf and top.
            nameCurrentThread(name)
            run(signal: signal, continuation: continuation, inbound: inbound, lingerMs: lingerMs)
        }
        thread.name = name
        thread.start()
    }

    /// Sends a message, or queues it for the socket's thread. Throws when the loop is closed or the
    /// outbox is full (the peer is not keeping up): the caller decides whether that is an error or
    /// a drop. Never blocks on the network: the inline send is `ZMQ_DONTWAIT`.
    public func send(_ frames: Frames) throws {
        if sendInline(frames) { return }
        let wake = try shared.withLock { s -> Bool in
            if s.closing { throw BusError("send on \(endpoint)", message: "socket is closed", code: "closed") }
            if s.outbox.count >= outboxLimit {
                throw BusError("send on \(endpoint)", message: "outbox full (\(outboxLimit) messages waiting)", code: "outbox_full")
            }
            s.outbox.append(frames)
            backlog.add(1, ordering: .sequentiallyConsistent)
            defer { s.wakePending = true }
            return !s.wakePending
        }
        if wake { wakeUp() }
    }

    /// Sends on the caller's thread when the socket is free, nothing is queued and the loop is
    /// open; false when the message must be queued instead (including when libzmq would block).
    private func sendInline(_ frames: Frames) -> Bool {
        guard backlog.load(ordering: .sequentiallyConsistent) == 0 else { return false }
        var inputWaiting = false
        let sent = socket.withLockIfAvailable { box -> Bool in
            guard let socket = box?.value, backlog.load(ordering: .sequentiallyConsistent) == 0,
                  !shared.withLock({ $0.closing }) else { return false }
            do {
                guard try socket.send(frames, dontWait: true) else { return false }
                sentCount.add(1, ordering: .relaxed)
            } catch {
                droppedCount.add(1, ordering: .relaxed)
            }
            // The send may have consumed the edge-triggered ZMQ_FD signal of an inbound message.
            inputWaiting = receives && socket.events() & ZMQ_POLLIN != 0
            return true
        } ?? false
        if inputWaiting { requestWake() }
        return sent
    }

    /// Wakes the socket's thread unless a wake-up is already pending.
    private func requestWake() {
        let wake = shared.withLock { s -> Bool in
            defer { s.wakePending = true }
            return !s.wakePending
        }
        if wake { wakeUp() }
    }

    /// Stops the loop: queued messages get up to the socket's linger time to leave, then the socket
    /// closes and `incoming` finishes. Returns when the thread has exited.
    public func close() async {
        let wake = shared.withLock { s -> Bool in
            if s.closing { return false }
            s.closing = true
            return true
        }
        if wake { wakeUp() }
        await exited.wait()
    }

    private func wakeUp() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    private func run(signal: Int32, continuation: AsyncStream<Frames>.Continuation, inbound: (@Sendable (Frames) -> Void)?,
                     lingerMs: Int) {
        loopThread.store(currentThreadID(), ordering: .releasing)
        var queue: [Frames] = []
        var head = 0
        var closingDeadline: Date?
        var drain = [UInt8](repeating: 0, count: 64)
        var received: [Frames] = []
        // Whether the wake-up pipe may hold bytes: at the start, and when `poll` said so (an empty
        // pipe is not read: one failing `read` less per message).
        var woken = true
        while true {
            // Drain the wake-up pipe before looking at the shared state, so a wake-up that arrives
            // after the look is never lost. A byte written after `poll` returned for the socket is
            // left for the next `poll`, which then returns at once: the look below sees its message
            // now or on that round.
            if woken {
                while read(wakeRead, &drain, drain.count) > 0 {}
                woken = false
            }
            let closing = shared.withLock { s -> Bool in
                if !s.outbox.isEmpty {
                    queue.append(contentsOf: s.outbox)
                    s.outbox.removeAll(keepingCapacity: true)
                }
                s.wakePending = false
                return s.closing
            }
            var ready: Int32 = 0
            socket.withLock { box in
                guard let socket = box?.value else { return }
                // Send what the socket accepts without blocking.
                while head < queue.count {
                    do {
                        guard try socket.send(queue[head], dontWait: true) else { break }
                        sentCount.add(1, ordering: .relaxed)
                    } catch {
                        droppedCount.add(1, ordering: .relaxed)
                    }
                    head += 1
                    backlog.subtract(1, ordering: .sequentiallyConsistent)
                }
                // Take what is waiting, bounded so sends are not starved. `ZMQ_EVENTS` says whether
                // a message waits, so no receive is tried that would fail (each failing receive costs
                // libzmq a `poll` of its command pipe).
                ready = socket.events()
                if receives && !closing {
                    var taken = 0
                    while ready & ZMQ_POLLIN != 0 && taken < 1024 {
                        guard let frames = try? socket.receive(dontWait: true, peerMetadata: peerMetadata) else { break }
                        received.append(frames)
                        taken += 1
                        ready = socket.events()
                    }
                }
            }
            if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
            // Hand on what arrived without holding the socket, so callers can send meanwhile.
            for frames in received {
                receivedCount.add(1, ordering: .relaxed)
                if let inbound { inbound(frames) } else { continuation.yield(frames) }
            }
            received.removeAll(keepingCapacity: true)
            // Then the tasks those messages resumed (a serving task waiting for its next request):
            // here, on this thread, instead of waking one of the cooperative pool's.
            runJobs()
            if closing {
                if closingDeadline == nil { closingDeadline = Date().addingTimeInterval(Double(lingerMs) / 1000) }
                if queue.isEmpty || Date() >= closingDeadline! { break }
            }
            // More to do right away: ZMQ_FD is edge-triggered, so do not sleep on it.
            if (receives && !closing && ready & ZMQ_POLLIN != 0) || (!queue.isEmpty && ready & ZMQ_POLLOUT != 0) { continue }
            // Jobs this thread enqueued itself (it did not wake itself for them).
            if shared.withLock({ !$0.jobs.isEmpty }) { continue }
            var fds = [pollfd(fd: signal, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let rc = poll(&fds, 2, closing ? 10 : -1)
            if rc < 0 && errno != EINTR { break }
            woken = rc < 0 || fds[1].revents != 0
        }
        let unsent = queue.count - head
        if unsent > 0 { droppedCount.add(unsent, ordering: .relaxed) }
        // From now on jobs go to the global executor; the ones still queued run here first, so a
        // task that prefers this loop (a serving task seeing its stream finish) never waits forever.
        let leftover = shared.withLock { s -> [UnownedJob] in
            s.exited = true
            defer { s.jobs.removeAll() }
            return s.jobs
        }
        for job in leftover { job.runSynchronously(on: asUnownedTaskExecutor()) }
        socket.withLock { box in
            box?.value.close()
            box = nil
        }
        closeDescriptor(wakeRead)
        closeDescriptor(wakeWrite)
        continuation.finish()
        exited.fire()
    }
}

/// The loop is also a task executor: a task that prefers it (`withTaskExecutorPreference`) runs its
/// jobs on the socket's thread, between receiving and sleeping. `RequestServer.serveConcurrently`
/// serves requests this way, so a request the socket thread decoded resumes its serving task on the
/// same thread and the reply is sent from there, without waking a thread of the cooperative pool.
/// While a job runs the socket neither sends nor receives, so such jobs must not block: an actor
/// whose work blocks (a journal's write and fsync) runs on its own `ThreadExecutor` instead, which
/// the actor's isolation takes over any preference.
extension SocketLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        // On the socket's thread (a request it just decoded resuming its serving task) the loop
        // runs the job before it sleeps: no wake-up through the pipe.
        let onLoop = currentThreadID() == loopThread.load(ordering: .acquiring)
        let (queued, wake) = shared.withLock { s -> (Bool, Bool) in
            if s.exited { return (false, false) }
            s.jobs.append(unowned)
            if onLoop { return (true, false) }
            defer { s.wakePending = true }
            return (true, !s.wakePending)
        }
        if !queued { globalConcurrentExecutor.enqueue(ExecutorJob(unowned)) }
        if wake { wakeUp() }
    }

    /// Runs the jobs enqueued so far and those they enqueue (a serving task starting its handler),
    /// for a bounded number of rounds so the socket is not starved.
    fileprivate func runJobs() {
        for _ in 0..<16 {
            let jobs = shared.withLock { s -> [UnownedJob] in
                if s.jobs.isEmpty { return [] }
                defer { s.jobs.removeAll(keepingCapacity: true) }
                return s.jobs
            }
            if jobs.isEmpty { return }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

/// Moves a non-Sendable value into the thread that will own it from then on.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
private func closeDescriptor(_ fd: Int32) { _ = Glibc.close(fd) }
private func currentThreadID() -> UInt { UInt(pthread_self()) }
#else
import Darwin
private func closeDescriptor(_ fd: Int32) { _ = Darwin.close(fd) }
private func currentThreadID() -> UInt { UInt(bitPattern: pthread_self()) }
#endif
