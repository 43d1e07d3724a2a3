import CandlewickCore
import Foundation

/// A message decoded from the bus: its header, its validated payload and its binary attachments.
public struct BusMessage: Sendable {
    public let header: EnvelopeHeader
    public let payload: any BusPayload
    public let attachments: [Data]
    /// The envelope JSON as received (for `tap --json` and audit).
    public let json: Data

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

    /// Encodes an envelope with its attachments into frames.
    public func encode<P: BusPayload>(_ envelope: Envelope<P>, attachments: [Data] = []) throws -> [Data] {
        precondition(attachments.count == envelope.header.attachments.count,
                     "attachment frames must match the header's attachment list")
        let json = try CandlewickJSON.encoder().encode(envelope)
        return [Data(envelope.header.type.utf8), json] + attachments
    }

    /// Decodes and validates frames. Throws `BusRejection` naming what was wrong.
    public func decode(_ frames: [Data], decoder: JSONDecoder = CandlewickJSON.decoder()) throws -> BusMessage {
        let total = frames.reduce(0) { $0 + $1.count }
        guard total <= maxMessageBytes else {
            throw BusRejection(.oversized, "\(total) bytes exceeds the limit of \(maxMessageBytes)")
        }
        guard frames.count >= 2 else {
            throw BusRejection(.badFraming, "expected [topic, envelope, attachment…], got \(frames.count) frame(s)")
        }
        let json = frames[1]
        let header: EnvelopeHeader
        do {
            header = try decoder.decode(EnvelopeHeader.self, from: json)
        } catch {
            throw BusRejection(.notEnvelope, DecodingErrorText.describe(error))
        }
        guard frames[0] == Data(header.type.utf8) else {
            throw BusRejection(.badFraming, "topic frame \"\(String(decoding: frames[0].prefix(64), as: UTF8.self))\" does not match type \"\(header.type)\"")
        }
        let attachments = Array(frames.dropFirst(2))
        guard attachments.count == header.attachments.count else {
            throw BusRejection(.attachmentMismatch, "header lists \(header.attachments.count) attachment(s), \(attachments.count) frame(s) follow")
        }
        for (info, data) in zip(header.attachments, attachments) where info.size != data.count {
            throw BusRejection(.attachmentMismatch, "attachment \(info.index) (\(info.name)) is \(data.count) bytes, header says \(info.size)")
        }
        let payload = try catalog.decodePayload(type: header.type, envelopeJSON: json, decoder: decoder)
        return BusMessage(header: header, payload: payload, attachments: attachments, json: json)
    }
}
