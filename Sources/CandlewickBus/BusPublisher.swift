import CandlewickCore
import Foundation
import Synchronization

/// A named binary attachment to send with a message (e.g. a chart's PNG bytes).
public struct Attachment: Sendable {
    public let name: String
    public let contentType: String
    public let data: Data

    public init(name: String, contentType: String = "application/octet-stream", data: Data) {
        self.name = name
        self.contentType = contentType
        self.data = data
    }
}

/// Stamps payloads into envelopes (source, per-publisher sequence, time, run and causation ids)
/// and hands the frames to a sink. Sequence numbers start at 1 and have no holes: a number is
/// taken only when the message is queued.
public final class BusPublisher: Sendable {
    /// The instance name written into `source`.
    public let source: String
    private let sink: any FrameSink
    private let codec: FrameCodec
    private let seq = Mutex<UInt64>(0)
    private let now: @Sendable () -> Date

    public init(source: String, sink: any FrameSink, codec: FrameCodec = FrameCodec(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.source = source
        self.sink = sink
        self.codec = codec
        self.now = now
    }

    /// Publishes `payload` and returns the header it was sent with.
    @discardableResult
    public func publish<P: BusPayload>(_ payload: P, runId: String? = nil, causationId: String? = nil,
                                       attachments: [Attachment] = []) throws -> EnvelopeHeader {
        let infos = attachments.enumerated().map { i, a in
            AttachmentInfo(index: i, name: a.name, contentType: a.contentType, size: a.data.count,
                           sha256: SHA256Digest.hex(of: a.data))
        }
        return try seq.withLock { n in
            let header = try EnvelopeHeader(type: P.messageType, source: source, seq: n + 1, ts: now(), runId: runId,
                                            causationId: causationId, attachments: infos)
            let frames = try codec.encode(Envelope(header: header, payload: payload), attachments: attachments.map(\.data))
            try sink.send(frames)
            n += 1
            return header
        }
    }

    /// The last sequence number used.
    public var lastSequence: UInt64 { seq.withLock { $0 } }
}
