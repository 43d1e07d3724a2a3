import Foundation
import Synchronization

/// The in-memory twin of the proxy: the same frames, the same prefix filtering, no sockets.
/// Unit tests run the real publisher, subscriber and codec over it.
public final class InMemoryHub: Sendable {
    private struct Subscription {
        let prefixes: [Data]
        let continuation: AsyncStream<[Data]>.Continuation
    }

    private let subscriptions = Mutex<[UUID: Subscription]>([:])

    public init() {}

    /// A sink that delivers to every current subscription whose prefix matches the topic frame.
    public func sink() -> some FrameSink { HubSink(hub: self) }

    /// Frames whose topic starts with one of `prefixes` (`""` matches everything).
    public func subscribe(prefixes: [String] = [""]) -> AsyncStream<[Data]> {
        let (stream, continuation) = AsyncStream<[Data]>.makeStream()
        let id = UUID()
        subscriptions.withLock { $0[id] = Subscription(prefixes: prefixes.map { Data($0.utf8) }, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in _ = self?.subscriptions.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    /// Ends every subscription stream.
    public func close() {
        let subs = subscriptions.withLock { s -> [Subscription] in
            defer { s.removeAll() }
            return Array(s.values)
        }
        for s in subs { s.continuation.finish() }
    }

    fileprivate func deliver(_ frames: [Data]) {
        let topic = frames.first ?? Data()
        let targets = subscriptions.withLock { subs in
            subs.values.filter { s in s.prefixes.contains { topic.starts(with: $0) } }.map(\.continuation)
        }
        for t in targets { t.yield(frames) }
    }
}

private struct HubSink: FrameSink {
    let hub: InMemoryHub
    func send(_ frames: [Data]) throws { hub.deliver(frames) }
}
