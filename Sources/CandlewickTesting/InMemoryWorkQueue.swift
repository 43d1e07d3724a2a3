import CandlewickBus
import Foundation
import Synchronization

/// The in-memory twin of a PUSH/PULL pair: every message a `pusher()` sends goes to one `puller()`
/// (round robin, as libzmq's PUSH does); with no puller attached the messages wait. A puller that
/// closes loses what it was handed and had not read (a worker dying with jobs on it).
public final class InMemoryWorkQueue: Sendable {
    private struct State {
        var waiting: [[Data]] = []
        var pullers: [(id: UUID, continuation: AsyncStream<[Data]>.Continuation)] = []
        var next = 0
    }

    private let state = Mutex(State())
    /// The queue's name (the endpoint it stands for).
    public let name: String

    public init(name: String = "work") { self.name = name }

    /// A sending side (PUSH). Its `incoming` carries nothing and finishes when it closes.
    public func pusher() -> any FrameChannel { Pusher(queue: self) }

    /// A receiving side (PULL); messages that waited for a puller are handed to the first one.
    public func puller() -> any FrameChannel {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let id = UUID()
        let backlog = state.withLock { s -> [[Data]] in
            s.pullers.append((id, continuation))
            defer { s.waiting.removeAll() }
            return s.waiting
        }
        for frames in backlog { continuation.yield(frames) }
        return Puller(queue: self, id: id, incoming: stream)
    }

    /// Ends every puller's stream (what was not read is lost, as with sockets that close).
    public func close() {
        let pullers = state.withLock { s in
            defer { s.pullers.removeAll() }
            return s.pullers.map(\.continuation)
        }
        for p in pullers { p.finish() }
    }

    fileprivate func push(_ frames: [Data]) {
        let target = state.withLock { s -> AsyncStream<[Data]>.Continuation? in
            guard !s.pullers.isEmpty else {
                s.waiting.append(frames)
                return nil
            }
            s.next = s.next % s.pullers.count
            defer { s.next += 1 }
            return s.pullers[s.next].continuation
        }
        target?.yield(frames)
    }

    fileprivate func detach(_ id: UUID) {
        let gone = state.withLock { s -> AsyncStream<[Data]>.Continuation? in
            guard let i = s.pullers.firstIndex(where: { $0.id == id }) else { return nil }
            return s.pullers.remove(at: i).continuation
        }
        gone?.finish()
    }
}

private final class Pusher: FrameChannel {
    let queue: InMemoryWorkQueue
    let incoming: AsyncStream<[Data]>
    private let end: AsyncStream<[Data]>.Continuation

    init(queue: InMemoryWorkQueue) {
        self.queue = queue
        (incoming, end) = AsyncStream<[Data]>.makeStream()
    }

    func send(_ frames: [Data]) throws { queue.push(frames) }
    func close() async { end.finish() }
}

private struct Puller: FrameChannel {
    let queue: InMemoryWorkQueue
    let id: UUID
    let incoming: AsyncStream<[Data]>
    func send(_ frames: [Data]) throws { throw BusError("send on \(queue.name)", message: "a PULL side cannot send") }
    func close() async { queue.detach(id) }
}
