import CandlewickCore
import Foundation
import Synchronization

/// A named binary attachment to send with a message (e.g. a chart's PNG bytes).
public struct Attachment: Sendable {
    public let name: String
    public let contentType: String
    public let data: Data
    /// The hex SHA-256 of `data` when the caller has computed it from these bytes already (it is
    /// then not hashed again); nil to have the publisher compute it.
    public let sha256: String?

    public init(name: String, contentType: String = "application/octet-stream", data: Data, sha256: String? = nil) {
        self.name = name
        self.contentType = contentType
        self.data = data
        self.sha256 = sha256
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
    /// The last sequence number used.
    private let seq = Mutex<UInt64>(0)
    /// Used only while holding `seq`.
    private let encoder = CandlewickJSON.encoder()
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
        try stamp(payload, runId: runId, causationId: causationId, attachments: attachments, deliver: sink.send)
    }

    /// Stamps `payload` into an envelope with the next sequence number and hands the frames to
    /// `deliver` (the number is used only if `deliver` succeeds). Request/reply sockets use this to
    /// choose the message id or to prefix a peer identity.
    @discardableResult
    public func stamp<P: BusPayload>(_ payload: P, id: String = MessageID.make(), runId: String?,
                                     causationId: String?, attachments: [Attachment], expires: Date? = nil,
                                     deliver: ([Data]) throws -> Void) throws -> EnvelopeHeader {
        let infos = attachments.enumerated().map { i, a in
            AttachmentInfo(index: i, name: a.name, contentType: a.contentType, size: a.data.count,
                           sha256: a.sha256 ?? SHA256Digest.hex(of: a.data))
        }
        return try seq.withLock { n in
            let header = try EnvelopeHeader(id: id, type: P.messageType, source: source, seq: n + 1, ts: now(),
                                            runId: runId, causationId: causationId, attachments: infos, expires: expires)
            try deliver(try codec.encode(Envelope(header: header, payload: payload), attachments: attachments.map(\.data),
                                         encoder: encoder))
            n += 1
            BusMetrics.sent.increment(P.messageType)
            return header
        }
    }

    /// Publishes a payload whose type is only known at run time.
    @discardableResult
    public func publish(any payload: any BusPayload, runId: String? = nil) throws -> EnvelopeHeader {
        try payload.publish(on: self, runId: runId)
    }

    /// The last sequence number used.
    public var lastSequence: UInt64 { seq.withLock { $0 } }
}

extension BusPayload {
    /// Publishes `self` on `publisher` (lets an existential payload reach the generic `publish`).
    func publish(on publisher: BusPublisher, runId: String?) throws -> EnvelopeHeader {
        try publisher.publish(self, runId: runId, causationId: nil, attachments: [])
    }
}
