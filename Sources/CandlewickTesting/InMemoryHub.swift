import CandlewickBus
import Foundation
import Synchronization

/// The in-memory twin of the proxy: the same frames, the same prefix filtering, no sockets.
/// Unit tests run the real publisher, subscriber and codec over it. Publishers made with
/// `publisherChannel()` also see the subscriptions, as an XPUB socket connected to the proxy's
/// XSUB side does (a `0x01` byte followed by the prefix).
public final class InMemoryHub: Sendable {
    private struct Subscription {
        let prefixes: [Data]
        let continuation: AsyncStream<[Data]>.Continuation
    }

    private struct State {
        var subscriptions: [UUID: Subscription] = [:]
        var publishers: [UUID: AsyncStream<[Data]>.Continuation] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// A sink that delivers to every current subscription whose prefix matches the topic frame.
    public func sink() -> some FrameSink { HubSink(hub: self) }

    /// A publishing channel whose `incoming` announces every subscription (current ones first).
    public func publisherChannel() -> any FrameChannel {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let id = UUID()
        let current = state.withLock { s -> [Data] in
            s.publishers[id] = continuation
            return s.subscriptions.values.flatMap(\.prefixes)
        }
        for prefix in current { continuation.yield([Data([1]) + prefix]) }
        return HubPublisher(hub: self, id: id, incoming: stream)
    }

    /// Frames whose topic starts with one of `prefixes` (`""` matches everything).
    public func subscribe(prefixes: [String] = [""]) -> AsyncStream<[Data]> {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let id = UUID()
        let encoded = prefixes.map { Data($0.utf8) }
        let publishers = state.withLock { s in
            s.subscriptions[id] = Subscription(prefixes: encoded, continuation: continuation)
            return Array(s.publishers.values)
        }
        for p in publishers { for prefix in encoded { p.yield([Data([1]) + prefix]) } }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscriptions.removeValue(forKey: id) } }
        return stream
    }

    /// Ends every subscription stream.
    public func close() {
        let (subs, pubs) = state.withLock { s -> ([Subscription], [AsyncStream<[Data]>.Continuation]) in
            defer { s = State() }
            return (Array(s.subscriptions.values), Array(s.publishers.values))
        }
        for s in subs { s.continuation.finish() }
        for p in pubs { p.finish() }
    }

    fileprivate func deliver(_ frames: [Data]) {
        let topic = frames.first ?? Data()
        let targets = state.withLock { s in
            s.subscriptions.values.filter { sub in sub.prefixes.contains { topic.starts(with: $0) } }.map(\.continuation)
        }
        for t in targets { t.yield(frames) }
    }

    fileprivate func detach(_ id: UUID) {
        state.withLock { $0.publishers.removeValue(forKey: id) }?.finish()
    }
}

private struct HubSink: FrameSink {
    let hub: InMemoryHub
    func send(_ frames: [Data]) throws { hub.deliver(frames) }
}

private struct HubPublisher: FrameChannel {
    let hub: InMemoryHub
    let id: UUID
    let incoming: AsyncStream<[Data]>
    func send(_ frames: [Data]) throws { hub.deliver(frames) }
    func close() async { hub.detach(id) }
}
