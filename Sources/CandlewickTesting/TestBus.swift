import CandlewickBus
import Foundation
import Synchronization

/// Where a test's sockets live: in memory (the twins in this library) or over real ZeroMQ on
/// loopback TCP. A test written against `TestBus` runs unchanged in both, as hummingbird's
/// `.router` / `.live` test modes do: `@Test(arguments: BusMode.allCases)`.
public enum BusMode: String, Sendable, CaseIterable, CustomStringConvertible {
    case inMemory = "in-memory"
    case live

    public var description: String { rawValue }
}

/// Hands out the two sides of named work queues and command links, and publishers and subscribers
/// on a bus, in the test's `BusMode`. The binding side of a name must be made before a side that
/// connects to it (as with ZeroMQ over TCP, where the port is chosen when binding).
public final class TestBus: Sendable {
    public let mode: BusMode
    private struct State {
        var queues: [String: InMemoryWorkQueue] = [:]
        var links: [String: InMemoryRequestLink] = [:]
        var endpoints: [String: String] = [:]
        var loops: [SocketLoop] = []
        var proxy: BusProxy?
    }

    private let state = Mutex(State())
    private let hub = InMemoryHub()

    public init(_ mode: BusMode) { self.mode = mode }

    /// Runs `body` with a bus in `mode` and closes the bus afterwards, whether `body` returned or threw.
    public static func with<T>(_ mode: BusMode, _ body: (TestBus) async throws -> T) async throws -> T {
        let bus = TestBus(mode)
        do {
            let result = try await body(bus)
            await bus.close()
            return result
        } catch {
            await bus.close()
            throw error
        }
    }

    /// The binding side of `name`: `.push` or `.pull` for a work queue, `.router` for commands.
    public func bind(_ kind: SocketKind, _ name: String) throws -> any FrameChannel {
        switch mode {
        case .inMemory: return try twin(kind, name)
        case .live:
            let loop = try SocketLoop(kind, bind: ["tcp://127.0.0.1:*"], name: name)
            state.withLock {
                $0.endpoints[name] = loop.endpoint
                $0.loops.append(loop)
            }
            return loop
        }
    }

    /// The connecting side of `name`: `.pull` or `.push` for a work queue, `.dealer` for commands.
    public func connect(_ kind: SocketKind, _ name: String) throws -> any FrameChannel {
        switch mode {
        case .inMemory: return try twin(kind, name)
        case .live:
            guard let endpoint = endpoint(of: name) else { throw BusError("connect to \(name)", message: "nothing is bound there yet") }
            let loop = try SocketLoop(kind, connect: [endpoint], name: name)
            state.withLock { $0.loops.append(loop) }
            return loop
        }
    }

    /// The resolved endpoint bound for `name` (live mode).
    public func endpoint(of name: String) -> String? { state.withLock { $0.endpoints[name] } }

    /// A channel that publishes onto the bus and whose `incoming` announces subscriptions (an XPUB
    /// socket connected to the proxy, or the hub's twin).
    public func publisher() throws -> any FrameChannel {
        switch mode {
        case .inMemory: return hub.publisherChannel()
        case .live:
            let loop = try SocketLoop(.xpub, connect: [try proxy().frontend], name: "pub")
            state.withLock { $0.loops.append(loop) }
            return loop
        }
    }

    /// Frames published on the bus whose topic starts with one of `prefixes`.
    public func subscribe(_ prefixes: [String] = [""]) throws -> AsyncStream<[Data]> {
        switch mode {
        case .inMemory: return hub.subscribe(prefixes: prefixes)
        case .live:
            let loop = try SocketLoop(.sub, connect: [try proxy().backend], subscriptions: prefixes, name: "sub")
            state.withLock { $0.loops.append(loop) }
            return loop.incoming
        }
    }

    /// Closes every socket and the proxy this bus opened (live), or ends every twin's streams.
    public func close() async {
        let (loops, proxy, queues, links) = state.withLock { s in
            defer { s = State() }
            return (s.loops, s.proxy, Array(s.queues.values), Array(s.links.values))
        }
        for loop in loops { await loop.close() }
        await proxy?.stop()
        for q in queues { q.close() }
        for l in links { l.close() }
        hub.close()
    }

    private func proxy() throws -> BusProxy {
        try state.withLock { s in
            if let p = s.proxy { return p }
            let p = try BusProxy(frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*")
            s.proxy = p
            return p
        }
    }

    private func twin(_ kind: SocketKind, _ name: String) throws -> any FrameChannel {
        switch kind {
        case .push: return queue(name).pusher()
        case .pull: return queue(name).puller()
        case .router: return link(name).server()
        case .dealer: return link(name).client()
        default: throw BusError("in-memory \(name)", message: "no in-memory twin for \(kind) sockets; use publisher() or subscribe()")
        }
    }

    private func queue(_ name: String) -> InMemoryWorkQueue { twin(\.queues, name, InMemoryWorkQueue.init(name:)) }
    private func link(_ name: String) -> InMemoryRequestLink { twin(\.links, name, InMemoryRequestLink.init(name:)) }

    /// The twin named `name` in `table`, made on first use.
    private func twin<T: Sendable>(_ table: WritableKeyPath<State, [String: T]>, _ name: String, _ make: (String) -> T) -> T {
        state.withLock { s in
            if let t = s[keyPath: table][name] { return t }
            let t = make(name)
            s[keyPath: table][name] = t
            return t
        }
    }

    /// Both ends of a work stage named `name`, as a run owner and one worker see them.
    public func workStage(_ name: String, worker: String) throws -> WorkStage {
        WorkStage(jobs: BusPublisher(source: "owner", sink: try bind(.push, "\(name).jobs")),
                  results: Inbox(try bind(.pull, "\(name).results").incoming),
                  workerJobs: try connect(.pull, "\(name).jobs"),
                  workerResults: BusPublisher(source: worker, sink: try connect(.push, "\(name).results")))
    }
}

/// A work stage's two ends: the owner's job publisher and result inbox (bound), the worker's job
/// channel and result publisher (connected).
public struct WorkStage: Sendable {
    public let jobs: BusPublisher
    public let results: Inbox
    public let workerJobs: any FrameChannel
    public let workerResults: BusPublisher
}
