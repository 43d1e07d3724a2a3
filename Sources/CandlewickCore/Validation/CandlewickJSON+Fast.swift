import Foundation

extension CandlewickJSON {
    /// `encoder.encode(value)`, byte for byte, written by `FastJSONEncoder` when it can (every bus
    /// payload today) and by `encoder` otherwise. `encoder` must have `CandlewickJSON.encoder()`'s
    /// settings: the fast path writes those, whatever `encoder` says.
    public static func encodeFast<T: Encodable>(_ value: T, fallback encoder: JSONEncoder) throws -> Data {
        var out = JSONBytes(capacity: 512)
        try encodeFast(value, into: &out, fallback: encoder)
        return Data(out.bytes)
    }

    /// `encodeFast`, appending to `out` (an envelope being written) instead of making a buffer.
    static func encodeFast<T: Encodable>(_ value: T, into out: inout JSONBytes, fallback encoder: JSONEncoder) throws {
        let start = out.bytes.count
        do {
            try FastJSONEncoder.encode(value, into: &out)
        } catch {
            out.bytes.removeSubrange(start...)
            out.bytes.append(contentsOf: try encoder.encode(value))
        }
    }

    /// `decoder.decode(type, from: data)`: the same value, read by `FastJSONDecoder` when it can
    /// be sure to read it as `JSONDecoder` does; otherwise (and for every refusal, so errors are
    /// `JSONDecoder`'s own) by `decoder`, which must have `CandlewickJSON.decoder()`'s settings.
    public static func decodeFast<T: Decodable>(_ type: T.Type, from data: Data, fallback decoder: JSONDecoder) throws -> T {
        if let value = FastJSONDecoder.decode(type, from: data.withUnsafeBytes { [UInt8]($0) }) { return value }
        return try decoder.decode(type, from: data)
    }
}
