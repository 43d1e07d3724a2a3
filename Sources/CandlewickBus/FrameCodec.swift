import CandlewickCore
import Foundation

/// A message decoded from the bus: its header, its validated payload and its binary attachments.
public struct BusMessage: Sendable {
    public let header: EnvelopeHeader
    public let payload: any BusPayload
    public let attachments: [Data]
    /// The envelope JSON as received (for `tap --json` and audit).
    public let json: Data
    /// Where the payload's JSON lies in `json` (indices of `json`), when the fast path read it.
    let payloadRange: Range<Data.Index>?

    /// The payload's JSON as received (the bytes the payload was decoded from, a slice of `json`),
    /// when the envelope was read by the fast path; nil otherwise.
    public var payloadJSON: Data? { payloadRange.map { json[$0] } }

    /// The payload as `P`, or nil when it is another type.
    public func payload<P: BusPayload>(as type: P.Type) -> P? { payload as? P }
}

/// Turns envelopes into ZeroMQ frames and back: `[topic, envelope JSON, attachment…]`.
///
/// The topic frame repeats the envelope `type` so SUB sockets can filter by prefix in libzmq.
public struct FrameCodec: Sendable {
    public let catalog: MessageCatalog
    /// Largest message accepted (all frames together), in bytes.
    public let maxMessageBytes: Int

    public init(catalog: MessageCatalog = .standard, maxMessageBytes: Int = 64 << 20) {
        self.catalog = catalog
        self.maxMessageBytes = maxMessageBytes
    }

    /// Encodes an envelope with its attachments into frames. The header is written by
    /// `EnvelopeWriter` with `CandlewickJSON`'s conventions; `encoder` encodes the payload and must
    /// have those settings (sorted keys, no escaped slashes, the UTC date format).
    public func encode<P: BusPayload>(_ envelope: Envelope<P>, attachments: [Data] = [],
                                      encoder: JSONEncoder = CandlewickJSON.encoder()) throws -> [Data] {
        precondition(attachments.count == envelope.header.attachments.count,
                     "attachment frames must match the header's attachment list")
        let json = try EnvelopeWriter.encode(envelope, payloadEncoder: encoder)
        return [Data(envelope.header.type.utf8), json] + attachments
    }

    /// Decodes and validates frames. Throws `BusRejection` naming what was wrong.
    public func decode(_ frames: [Data], decoder: JSONDecoder = CandlewickJSON.decoder()) throws -> BusMessage {
        try decode(frames, decoder: decoder, headerByHand: true)
    }

    /// `decode`, optionally without the hand-read header (`headerByHand: false`: JSONDecoder for
    /// everything, as before `EnvelopeReader`; the tests' reference for what must be accepted and refused).
    func decode(_ frames: [Data], decoder: JSONDecoder, headerByHand: Bool) throws -> BusMessage {
        let total = frames.reduce(0) { $0 + $1.count }
        guard total <= maxMessageBytes else {
            throw BusRejection(.oversized, "\(total) bytes exceeds the limit of \(maxMessageBytes)")
        }
        guard frames.count >= 2 else {
            throw BusRejection(.badFraming, "expected [topic, envelope, attachment…], got \(frames.count) frame(s)")
        }
        let json = frames[1]
        // Fastest path: the header read by hand, only the payload through JSONDecoder. It applies to
        // the plain form writers produce; anything else takes the paths below, as before.
        // Fast path: the topic names the type, so one parse decodes header and payload together.
        // Only when that fails is the header parsed alone, to say precisely what was wrong.
        let topic = String(decoding: frames[0], as: UTF8.self)
        let header: EnvelopeHeader
        let payload: any BusPayload
        var payloadRange: Range<Data.Index>?
        if headerByHand, let (h, range) = EnvelopeReader.read(json), h.type == topic,
           let p = catalog.decodePayloadAlone(type: topic, json: json[range], decoder: decoder) {
            (header, payload, payloadRange) = (h, p, range)
        } else if let (h, p) = try? catalog.decodeEnvelope(type: topic, json: json, decoder: decoder), h.type == topic {
            (header, payload) = (h, p)
        } else {
            do {
                header = try decoder.decode(EnvelopeHeader.self, from: json)
            } catch {
                throw BusRejection(.notEnvelope, DecodingErrorText.describe(error))
            }
            guard header.type == topic else {
                throw BusRejection(.badFraming, "topic frame \"\(topic.prefix(64))\" does not match type \"\(header.type)\"")
            }
            payload = try catalog.decodePayload(type: header.type, envelopeJSON: json, decoder: decoder)
        }
        let attachments = Array(frames.dropFirst(2))
        guard attachments.count == header.attachments.count else {
            throw BusRejection(.attachmentMismatch, "header lists \(header.attachments.count) attachment(s), \(attachments.count) frame(s) follow")
        }
        for (info, data) in zip(header.attachments, attachments) where info.size != data.count {
            throw BusRejection(.attachmentMismatch, "attachment \(info.index) (\(info.name)) is \(data.count) bytes, header says \(info.size)")
        }
        return BusMessage(header: header, payload: payload, attachments: attachments, json: json, payloadRange: payloadRange)
    }
}
