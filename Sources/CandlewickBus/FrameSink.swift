import Foundation

/// Something that takes outbound multipart messages: a ZeroMQ socket loop or the in-memory hub.
public protocol FrameSink: Sendable {
    /// Queues one multipart message; throws when it cannot be queued.
    func send(_ frames: [Data]) throws
}

/// Both directions of one socket: a `SocketLoop` over libzmq, or an in-memory twin in tests
/// (CandlewickTesting), so a service written against it runs unchanged in memory and over ZeroMQ.
public protocol FrameChannel: FrameSink {
    /// Inbound multipart messages in arrival order; finishes when the channel closes.
    var incoming: AsyncStream<[Data]> { get }
    /// Stops the channel: queued messages get the linger time to leave, then `incoming` finishes.
    func close() async
    /// The executor of the channel's own thread, which serving tasks prefer (see `SocketLoop`);
    /// nil when it has none (in-memory twins).
    var executor: (any TaskExecutor)? { get }
}

extension FrameChannel {
    public var executor: (any TaskExecutor)? { nil }
}

extension SocketLoop: FrameChannel {
    public var executor: (any TaskExecutor)? { self }
}
/// Sends every message to `primary`, and those whose topic starts with one of `prefixes` also to
/// `secondary` (gateway-bridge: broker events to the bus for observers and point to point to
/// order-router, with the same envelope and sequence number).
public struct TeeSink: FrameSink {
    let primary: any FrameSink
    let secondary: any FrameSink
    let prefixes: [String]

    public init(_ primary: any FrameSink, also secondary: any FrameSink, topics prefixes: [String]) {
        self.primary = primary
        self.secondary = secondary
        self.prefixes = prefixes
    }

    /// Throws only when `primary` refuses the message; `secondary` is best effort (like a PUB socket
    /// without subscribers), so the sequence number stays the primary's.
    public func send(_ frames: [Data]) throws {
        try primary.send(frames)
        if let topic = frames.first, prefixes.contains(where: { topic.starts(with: Data($0.utf8)) }) {
            try? secondary.send(frames)
        }
    }
}
