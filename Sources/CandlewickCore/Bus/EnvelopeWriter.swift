import Foundation

/// Writes an envelope's JSON without going through `JSONEncoder` for the header.
///
/// The header's keys are fixed, so they are written by hand, in the order `CandlewickJSON.encoder()`
/// (sorted keys) writes them, with the same string escapes; only the payload goes through the
/// `JSONEncoder` (or writes itself: `BusPayload.encodedPayload`), and its bytes are spliced in at
/// `"payload":`. The result is byte for byte what
/// `CandlewickJSON.encoder().encode(envelope)` produces (checked by `EnvelopeCodecTests` on random
/// envelopes); it saves the encoder's per-key container work and the custom date strategy's
/// closure calls for the ten header fields.
public enum EnvelopeWriter {
    /// The envelope JSON: the header's keys and `payload`, sorted, no whitespace.
    public static func encode<P: BusPayload>(_ envelope: Envelope<P>, payloadEncoder: JSONEncoder) throws -> Data {
        let h = envelope.header
        var out = JSONBytes(capacity: 2048 + 160 * h.attachments.count)
        out.raw(#"{"attachments":["#)
        for (i, a) in h.attachments.enumerated() {
            if i > 0 { out.byte(0x2C) }
            out.raw(#"{"content_type":"#)
            out.string(a.contentType)
            out.raw(#","index":"#)
            out.int(a.index)
            out.raw(#","name":"#)
            out.string(a.name)
            out.raw(#","sha256":"#)
            out.string(a.sha256)
            out.raw(#","size":"#)
            out.int(a.size)
            out.byte(0x7D)
        }
        out.raw(#"],"causation_id":"#)
        out.stringOrNull(h.causationId)
        if let expires = h.expires {
            out.raw(#","expires":"#)
            out.timestamp(expires)
        }
        out.raw(#","id":"#)
        out.string(h.id)
        out.raw(#","payload":"#)
        // Straight into the envelope's buffer, unless the payload writes its own JSON.
        if P.encodesItsOwnPayload {
            out.bytes.append(contentsOf: try envelope.payload.encodedPayload(using: payloadEncoder))
        } else {
            try CandlewickJSON.encodeFast(envelope.payload, into: &out, fallback: payloadEncoder)
        }
        out.raw(#","run_id":"#)
        out.stringOrNull(h.runId)
        out.raw(#","seq":"#)
        out.uint(h.seq)
        out.raw(#","source":"#)
        out.string(h.source)
        out.raw(#","ts":"#)
        out.timestamp(h.ts)
        out.raw(#","type":"#)
        out.string(h.type)
        out.raw(#","v":"#)
        out.int(h.v)
        out.byte(0x7D)
        return Data(out.bytes)
    }
}

/// A growing buffer of JSON text with Foundation's `JSONEncoder` conventions for strings
/// (`.withoutEscapingSlashes`: `"` `\` and control characters escaped, `\b \f \n \r \t` by name,
/// the rest as `\u00xx` in lower-case hex; everything else, non-ASCII included, as UTF-8).
struct JSONBytes {
    var bytes: [UInt8]

    init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Appends ASCII text that needs no escaping (keys and punctuation).
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A timestamp as `UTCTimestamp.format` spells it, quoted (its characters need no escapes).
    mutating func timestamp(_ date: Date) {
        bytes.append(0x22)
        UTCTimestamp.append(date, to: &bytes)
        bytes.append(0x22)
    }

    mutating func stringOrNull(_ s: String?) {
        if let s { string(s) } else { raw("null") }
    }

    mutating func string(_ s: String) {
        bytes.append(0x22)
        var s = s
        s.withUTF8 { u in
            var start = 0
            var i = 0
            while true {
                i = Self.plainRun(u, from: i)
                guard i < u.count else { break }
                let c = u[i]
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i])) }
                i += 1
                start = i
                bytes.append(0x5C)
                switch c {
                case 0x22, 0x5C: bytes.append(c)
                case 0x08: bytes.append(0x62)  // b
                case 0x0C: bytes.append(0x66)  // f
                case 0x0A: bytes.append(0x6E)  // n
                case 0x0D: bytes.append(0x72)  // r
                case 0x09: bytes.append(0x74)  // t
                default:
                    let low = c & 0xF
                    bytes.append(contentsOf: [0x75, 0x30, 0x30, 0x30 + (c >> 4), low < 10 ? 0x30 + low : 0x57 + low])
                }
            }
            if start < u.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<u.count])) }
        }
        bytes.append(0x22)
    }

    /// The index of the first byte at or after `from` that a JSON string cannot hold as is (`"`,
    /// `\\` or a control character), or `u.count`. Eight bytes at a time.
    static func plainRun(_ u: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        var i = from
        if let base = u.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= u.count {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
                let special = ((x &- ones &* 0x20) | (quote &- ones) | (backslash &- ones)) & ~x & highs
                if special != 0 { break }
                i += 8
            }
        }
        while i < u.count {
            let c = u[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return i }
            i += 1
        }
        return i
    }

    /// Appends a signed integer in decimal (`Int` in the envelope, `Int64` in payloads).
    mutating func int<T: SignedInteger & FixedWidthInteger>(_ v: T) {
        if v < 0 {
            bytes.append(0x2D)
            uint(v.magnitude)
        } else {
            uint(UInt64(v))
        }
    }

    mutating func uint<T: UnsignedInteger>(_ v: T) {
        var v = UInt64(v)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var n = 0
            repeat {
                d[19 - n] = UInt8(48 + v % 10)
                v /= 10
                n += 1
            } while v > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(20 - n)...]))
        }
    }
}
