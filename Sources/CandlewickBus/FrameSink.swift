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
}

extension SocketLoop: FrameChannel {}
