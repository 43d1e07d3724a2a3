/// Strings made from UTF-8 bytes that must be valid (JSON text), without the standard library's
/// generic `String(validating:as:)` path for the common case.
///
/// `String(validating:as:)` is not specialized for byte buffers in the standard library: each call
/// looks up generic metadata at run time, which was a tenth of an envelope header's read (three to
/// five short strings per envelope). Pure ASCII, what bus messages' keys, ids and names are, needs
/// no validation: it is copied as is. Anything else is validated as before.
enum UTF8Text {
    /// The string of `bytes`, or nil when they are not valid UTF-8.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if isASCII(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// `string` over raw bytes.
    static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        string(bytes.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether every byte is below 0x80, eight bytes at a time.
    static func isASCII(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = u.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        var any: UInt64 = 0
        while i + 8 <= u.count {
            any |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < u.count {
            any |= UInt64(u[i])
            i += 1
        }
        return any & 0x8080_8080_8080_8080 == 0
    }
}
