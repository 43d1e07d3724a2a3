import Foundation

/// Length-prefixed framing: `[u32 big-endian length][payload]`, payload = NUL-terminated fields.
public enum TWSFraming {
    /// Frames `fields`. Throws when a field contains a NUL (the protocol has no escaping).
    public static func frame(_ fields: [String]) throws -> Data {
        var payload = Data()
        for f in fields {
            if f.utf8.contains(0) { throw TWSProtocolError.unencodable("field \"\(f.prefix(40))\" contains NUL") }
            payload.append(contentsOf: f.utf8)
            payload.append(0)
        }
        return framePayload(payload)
    }

    /// Prefixes `payload` with its big-endian length.
    public static func framePayload(_ payload: Data) -> Data {
        var out = Data(capacity: payload.count + 4)
        let n = UInt32(payload.count)
        out.append(contentsOf: [UInt8(n >> 24), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
        out.append(payload)
        return out
    }

    /// Splits a payload into fields. The payload must end with NUL; invalid UTF-8 is replaced, never fatal.
    public static func fields(of payload: some BidirectionalCollection<UInt8>) throws -> [String] {
        guard !payload.isEmpty else { throw TWSProtocolError.emptyMessage }
        guard payload.last == 0 else { throw TWSProtocolError.unterminatedPayload(length: payload.count) }
        var out: [String] = []
        var current: [UInt8] = []
        for b in payload {
            if b == 0 {
                out.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
        }
        return out
    }
}

/// Accumulates bytes from a stream and yields complete payloads. A length of 0 or above `maxLength`
/// throws `badLength` (the connection should then be reset: the stream can no longer be trusted).
public struct TWSFrameBuffer: Sendable {
    public let maxLength: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxLength: Int = TWSWire.maxMessageLength) { self.maxLength = maxLength }

    /// Appends bytes read from the socket.
    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// Bytes held that do not yet form a full frame.
    public var pendingBytes: Int { buffer.count - start }

    /// Takes `n` raw bytes (used for the unframed `API\0` prefix); nil when fewer are buffered.
    public mutating func takeRaw(_ n: Int) -> [UInt8]? {
        guard pendingBytes >= n else { return nil }
        defer { start += n; compact() }
        return Array(buffer[start..<(start + n)])
    }

    /// The next complete payload, nil when more bytes are needed.
    public mutating func nextPayload() throws -> [UInt8]? {
        guard pendingBytes >= 4 else { return nil }
        let n = Int(buffer[start]) << 24 | Int(buffer[start + 1]) << 16 | Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
        guard n > 0, n <= maxLength else { throw TWSProtocolError.badLength(n, limit: maxLength) }
        guard pendingBytes >= 4 + n else { return nil }
        let payload = Array(buffer[(start + 4)..<(start + 4 + n)])
        start += 4 + n
        compact()
        return payload
    }

    /// The next complete message as fields, nil when more bytes are needed.
    public mutating func nextFields() throws -> [String]? {
        guard let p = try nextPayload() else { return nil }
        return try TWSFraming.fields(of: p)
    }

    private mutating func compact() {
        if start > 65_536 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        } else if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
    }
}
