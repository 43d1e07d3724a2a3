import Crypto
import Foundation

/// SHA-256 (FIPS 180-4) as lower-case hex: chart hashes, attachment checks and cache keys.
///
/// A thin wrapper over swift-crypto's `SHA256` (BoringSSL's implementation on Linux, which uses the CPU's SHA
/// extensions where present), keeping the hex-string API the rest of Candlewick uses.
public struct SHA256Digest: Sendable {
    private var hasher = SHA256()

    /// A hasher with nothing fed yet.
    public init() {}

    /// The lower-case hex digest of `data`.
    public static func hex(of data: Data) -> String { hexString(SHA256.hash(data: data)) }

    /// The lower-case hex digest of a string's UTF-8 bytes.
    public static func hex(of text: String) -> String {
        var text = text
        return text.withUTF8 { hexString(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    /// Feeds more bytes.
    public mutating func update(_ data: Data) { hasher.update(data: data) }

    /// The 32-byte digest of everything fed so far, as lower-case hex.
    public func finalizeHex() -> String { Self.hexString(hasher.finalize()) }

    private static func hexString(_ digest: SHA256.Digest) -> String {
        let digits: StaticString = "0123456789abcdef"
        return digest.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                digits.withUTF8Buffer { hex in
                    for (i, b) in bytes.enumerated() {
                        out[2 * i] = hex[Int(b >> 4)]
                        out[2 * i + 1] = hex[Int(b & 0xf)]
                    }
                }
                return bytes.count * 2
            }
        }
    }
}
