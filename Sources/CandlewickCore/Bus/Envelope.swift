import Foundation

/// The version of the envelope format written by this build.
public let envelopeVersion = 1

/// Describes one binary attachment: an extra ZeroMQ frame after the JSON frame.
public struct AttachmentInfo: Codable, Sendable, Hashable {
    /// The attachment's position among the attachments (0 = the frame right after the JSON).
    public let index: Int
    /// A name such as `daily.png`.
    public let name: String
    public let contentType: String
    public let size: Int
    public let sha256: String

    public init(index: Int, name: String, contentType: String, size: Int, sha256: String) {
        self.index = index
        self.name = name
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
    }

    enum CodingKeys: String, CodingKey {
        case index, name, size, sha256
        case contentType = "content_type"
    }
}

/// Everything in an envelope except the payload.
///
/// Rules (checked when decoded): `v == 1`, `id`, `type` and `source` non-empty, `seq >= 1`.
public struct EnvelopeHeader: Sendable, Hashable {
    public let v: Int
    /// Unique message id.
    public let id: String
    /// The message type, which is also the pub/sub topic (e.g. `heartbeat`, `chart.result`).
    public let type: String
    /// The publishing instance, e.g. `chart-worker.2`.
    public let source: String
    /// Per-source sequence number, starting at 1 when the source starts.
    public let seq: UInt64
    public let ts: Date
    public let runId: String?
    /// The id of the message that caused this one.
    public let causationId: String?
    public let attachments: [AttachmentInfo]
    /// When a request stops being valid (requests over DEALER/ROUTER carry their deadline here).
    /// Replay-protected requests (`trading.command`, `order.cancel`) must carry it; `id` is their nonce.
    public let expires: Date?

    public init(v: Int = envelopeVersion, id: String = MessageID.make(), type: String, source: String,
                seq: UInt64, ts: Date, runId: String? = nil, causationId: String? = nil,
                attachments: [AttachmentInfo] = [], expires: Date? = nil) throws {
        let val = Validator("Envelope")
        try val.require(v == envelopeVersion, "v", "unsupported envelope version \(v); this build reads \(envelopeVersion)")
        try val.nonEmpty(id, "id")
        try val.nonEmpty(type, "type")
        try val.nonEmpty(source, "source")
        try val.require(seq >= 1, "seq", "must be >= 1")
        for (i, a) in attachments.enumerated() {
            try val.require(a.index == i, "attachments[\(i)].index", "must be \(i), got \(a.index)")
            try val.require(a.size >= 0, "attachments[\(i)].size", "must be >= 0")
        }
        self.v = v
        self.id = id
        self.type = type
        self.source = source
        self.seq = seq
        self.ts = ts
        self.runId = runId
        self.causationId = causationId
        self.attachments = attachments
        self.expires = expires
    }
}

extension EnvelopeHeader: Codable {
    enum CodingKeys: String, CodingKey {
        case v, id, type, source, seq, ts, attachments, payload, expires
        case runId = "run_id", causationId = "causation_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            v: c.decode(Int.self, forKey: .v), id: c.decode(String.self, forKey: .id),
            type: c.decode(String.self, forKey: .type), source: c.decode(String.self, forKey: .source),
            seq: c.decode(UInt64.self, forKey: .seq), ts: c.decode(Date.self, forKey: .ts),
            runId: c.decodeIfPresent(String.self, forKey: .runId),
            causationId: c.decodeIfPresent(String.self, forKey: .causationId),
            attachments: c.decodeIfPresent([AttachmentInfo].self, forKey: .attachments) ?? [],
            expires: c.decodeIfPresent(Date.self, forKey: .expires))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try encode(into: &c)
    }

    /// Writes the header's keys into a container (the envelope adds `payload` to the same one).
    func encode(into c: inout KeyedEncodingContainer<CodingKeys>) throws {
        try c.encode(v, forKey: .v)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(source, forKey: .source)
        try c.encode(seq, forKey: .seq)
        try c.encode(ts, forKey: .ts)
        try c.encode(runId, forKey: .runId)
        try c.encode(causationId, forKey: .causationId)
        try c.encode(attachments, forKey: .attachments)
        try c.encodeIfPresent(expires, forKey: .expires)
    }
}

/// A payload that can travel on the bus: a domain model with a registered message type.
public protocol BusPayload: Codable, Sendable {
    /// The envelope `type` (and pub/sub topic) of this payload.
    static var messageType: String { get }

    /// The payload's JSON as it goes into the envelope. `encoder` has `CandlewickJSON`'s settings;
    /// the default encodes `self` with it. A payload that carries JSON it received and forwards as
    /// is (a chart job's bars) writes those bytes instead of encoding them again.
    func encodedPayload(using encoder: JSONEncoder) throws -> Data

    /// True for a payload whose `encodedPayload` is its own (it forwards JSON it received); false
    /// (the default) lets `EnvelopeWriter` encode the payload straight into the envelope's buffer
    /// instead of calling `encodedPayload` and copying its bytes.
    static var encodesItsOwnPayload: Bool { get }
}

extension BusPayload {
    public func encodedPayload(using encoder: JSONEncoder) throws -> Data { try CandlewickJSON.encodeFast(self, fallback: encoder) }
    public static var encodesItsOwnPayload: Bool { false }
}

/// A header plus a typed payload. Encodes as one JSON object: the header's keys and `payload`.
public struct Envelope<Payload: BusPayload>: Sendable {
    public let header: EnvelopeHeader
    public let payload: Payload

    public init(header: EnvelopeHeader, payload: Payload) {
        self.header = header
        self.payload = payload
    }
}

extension Envelope: Codable {
    public init(from decoder: any Decoder) throws {
        header = try EnvelopeHeader(from: decoder)
        payload = try decoder.container(keyedBy: EnvelopeHeader.CodingKeys.self).decode(Payload.self, forKey: .payload)
    }

    /// One JSON object: the header's keys and `payload`, written through a single container.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: EnvelopeHeader.CodingKeys.self)
        try header.encode(into: &c)
        try c.encode(payload, forKey: .payload)
    }
}
