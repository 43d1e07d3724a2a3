import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Random (version 4) UUIDs as lower-case strings, the envelope `id` format
/// (`UUID().uuidString.lowercased()` gives the same form).
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every id, three system
/// calls that were the largest single cost of stamping a bus message after the JSON. This reads the
/// same kernel source through one descriptor kept open, 512 bytes (32 ids) at a time.
public enum MessageID {
    private static let pool = Mutex(RandomPool())

    /// A fresh id, e.g. `0b6c4c1e-5f0a-4d7e-9c61-2b0e8f3a9d14`.
    public static func make() -> String {
        var bytes = pool.withLock { $0.take16() }
        bytes.6 = (bytes.6 & 0x0F) | 0x40  // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80  // RFC 4122 variant
        return withUnsafeBytes(of: bytes) { b in
            String(unsafeUninitializedCapacity: 36) { out in
                var o = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = 0x2D; o += 1 }
                    out[o] = hex(b[i] >> 4)
                    out[o + 1] = hex(b[i] & 0xF)
                    o += 2
                }
                return o
            }
        }
    }

    private static func hex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }
}

/// Random bytes from the kernel, fetched in blocks.
private struct RandomPool {
    private var buffer = [UInt8](repeating: 0, count: 512)
    private var used = 512

    typealias Sixteen = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    mutating func take16() -> Sixteen {
        if used + 16 > buffer.count { refill() }
        var out: Sixteen = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &out) { o in
            buffer.withUnsafeBytes { o.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[used..<(used + 16)])) }
        }
        used += 16
        return out
    }

    private mutating func refill() {
        var filled = 0
        buffer.withUnsafeMutableBytes { b in
            if let fd = Self.urandom {
                while filled < b.count {
                    let n = read(fd, b.baseAddress! + filled, b.count - filled)
                    if n <= 0 { break }
                    filled += n
                }
            }
            // No /dev/urandom: the standard library's system generator (the same kernel source).
            var g = SystemRandomNumberGenerator()
            while filled < b.count {
                b[filled] = UInt8(truncatingIfNeeded: g.next() as UInt64)
                filled += 1
            }
        }
        used = 0
    }

    /// `/dev/urandom`, opened once for the process.
    private static let urandom: Int32? = {
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }()
}
