import Foundation

/// Something that takes outbound multipart messages: a ZeroMQ socket loop or the in-memory hub.
public protocol FrameSink: Sendable {
    /// Queues one multipart message; throws when it cannot be queued.
    func send(_ frames: [Data]) throws
}

extension SocketLoop: FrameSink {}
