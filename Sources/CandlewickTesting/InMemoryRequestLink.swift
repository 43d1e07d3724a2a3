import CandlewickBus
import Foundation
import Synchronization

/// The in-memory twin of DEALER/ROUTER: the `server()` side receives each request behind the
/// asking client's identity frame and routes a reply by it, as a ROUTER socket does; a reply for
/// a client that has gone is dropped, as libzmq drops it.
public final class InMemoryRequestLink: Sendable {
    private struct State {
        var server: AsyncStream<[Data]>.Continuation?
        var waiting: [[Data]] = []
        var clients: [Data: AsyncStream<[Data]>.Continuation] = [:]
    }

    private let state = Mutex(State())
    /// The link's name (the endpoint it stands for).
    public let name: String

    public init(name: String = "commands") { self.name = name }

    /// The answering side (ROUTER); requests sent before it exists wait for it.
    public func server() -> any FrameChannel {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let backlog = state.withLock { s -> [[Data]] in
            s.server = continuation
            defer { s.waiting.removeAll() }
            return s.waiting
        }
        for frames in backlog { continuation.yield(frames) }
        return Server(link: self, incoming: stream)
    }

    /// An asking side (DEALER) with its own identity.
    public func client() -> any FrameChannel {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let identity = Data(UUID().uuidString.utf8)
        state.withLock { $0.clients[identity] = continuation }
        return Client(link: self, identity: identity, incoming: stream)
    }

    /// Ends the server's and every client's stream.
    public func close() {
        let all = state.withLock { s in
            defer { s.server = nil; s.clients.removeAll() }
            return Array(s.clients.values) + (s.server.map { [$0] } ?? [])
        }
        for c in all { c.finish() }
    }

    fileprivate func request(from identity: Data, _ frames: [Data]) throws {
        let server = try state.withLock { s -> AsyncStream<[Data]>.Continuation? in
            guard s.clients[identity] != nil else { throw BusError("send on \(name)", message: "socket is closed", code: "closed") }
            if s.server == nil { s.waiting.append([identity] + frames) }
            return s.server
        }
        server?.yield([identity] + frames)
    }

    fileprivate func reply(_ frames: [Data]) {
        guard let identity = frames.first else { return }
        state.withLock { $0.clients[identity] }?.yield(Array(frames.dropFirst()))
    }

    fileprivate func closeServer() { state.withLock { s in defer { s.server = nil }; return s.server }?.finish() }
    fileprivate func closeClient(_ identity: Data) { state.withLock { $0.clients.removeValue(forKey: identity) }?.finish() }
}

private struct Server: FrameChannel {
    let link: InMemoryRequestLink
    let incoming: AsyncStream<[Data]>
    func send(_ frames: [Data]) throws { link.reply(frames) }
    func close() async { link.closeServer() }
}

private struct Client: FrameChannel {
    let link: InMemoryRequestLink
    let identity: Data
    let incoming: AsyncStream<[Data]>
    func send(_ frames: [Data]) throws { try link.request(from: identity, frames) }
    func close() async { link.closeClient(identity) }
}
