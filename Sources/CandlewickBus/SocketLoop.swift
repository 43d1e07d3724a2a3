import CZMQ
import Foundation
import Synchronization

/// One ZeroMQ socket owned by one dedicated thread, so blocking libzmq calls never run on Swift's
/// cooperative pool and the socket is never shared between threads.
///
/// Outbound messages are queued (bounded) and sent by the socket's thread; inbound messages arrive
/// on `incoming`. The thread sleeps in `zmq_poll` on the socket and a wake-up pipe.
public final class SocketLoop: Sendable {
    /// A multipart message as received: frames in order.
    public typealias Frames = [Data]

    private struct Shared {
        var outbox: [Frames] = []
        var closing = false
        var wakePending = false
    }

    private let shared = Mutex(Shared())
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let outboxLimit: Int
    private let receives: Bool
    private let peerMetadata: Bool
    private let exited = CompletionLatch()
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
        let box = UncheckedBox(socket)
        let thread = Thread { [self] in
            run(socket: box.value, continuation: continuation, inbound: inbound, lingerMs: lingerMs)
        }
        thread.name = name
        thread.start()
    }

    /// Queues a message for sending. Throws when the loop is closed or the outbox is full
    /// (the peer is not keeping up): the caller decides whether that is an error or a drop.
    public func send(_ frames: Frames) throws {
        let wake = try shared.withLock { s -> Bool in
            if s.closing { throw BusError("send on \(endpoint)", message: "socket is closed", code: "closed") }
            if s.outbox.count >= outboxLimit {
                throw BusError("send on \(endpoint)", message: "outbox full (\(outboxLimit) messages waiting)", code: "outbox_full")
            }
            s.outbox.append(frames)
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

    private func run(socket: ZMQSocket, continuation: AsyncStream<Frames>.Continuation, inbound: (@Sendable (Frames) -> Void)?,
                     lingerMs: Int) {
        var queue: [Frames] = []
        var head = 0
        var closingDeadline: Date?
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            // Drain the wake-up pipe before looking at the shared state, so a wake-up that arrives
            // after the look is never lost.
            while read(wakeRead, &drain, drain.count) > 0 {}
            let closing = shared.withLock { s -> Bool in
                if !s.outbox.isEmpty {
                    queue.append(contentsOf: s.outbox)
                    s.outbox.removeAll(keepingCapacity: true)
                }
                s.wakePending = false
                return s.closing
            }
            // Send what the socket accepts without blocking.
            while head < queue.count {
                do {
                    guard try socket.send(queue[head], dontWait: true) else { break }
                    sentCount.add(1, ordering: .relaxed)
                } catch {
                    droppedCount.add(1, ordering: .relaxed)
                }
                head += 1
            }
            if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
            if closing {
                if closingDeadline == nil { closingDeadline = Date().addingTimeInterval(Double(lingerMs) / 1000) }
                if queue.isEmpty || Date() >= closingDeadline! { break }
            }
            var items = [
                zmq_pollitem_t(socket: socket.handle, fd: 0,
                               events: Int16((receives && !closing ? ZMQ_POLLIN : 0) | (queue.isEmpty ? 0 : ZMQ_POLLOUT)),
                               revents: 0),
                zmq_pollitem_t(socket: nil, fd: wakeRead, events: Int16(ZMQ_POLLIN), revents: 0),
            ]
            let timeout = closing ? 10 : -1
            let rc = zmq_poll(&items, 2, timeout)
            if rc < 0 {
                if zmq_errno() == EINTR { continue }
                break
            }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0 {
                // Drain what is waiting, bounded so sends are not starved.
                for _ in 0..<1024 {
                    guard let frames = try? socket.receive(dontWait: true, peerMetadata: peerMetadata) else { break }
                    receivedCount.add(1, ordering: .relaxed)
                    if let inbound { inbound(frames) } else { continuation.yield(frames) }
                }
            }
        }
        let unsent = queue.count - head
        if unsent > 0 { droppedCount.add(unsent, ordering: .relaxed) }
        socket.close()
        closeDescriptor(wakeRead)
        closeDescriptor(wakeWrite)
        continuation.finish()
        exited.fire()
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
#else
import Darwin
private func closeDescriptor(_ fd: Int32) { _ = Darwin.close(fd) }
#endif
