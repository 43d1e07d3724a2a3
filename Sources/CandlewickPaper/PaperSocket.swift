import CandlewickCore
import CandlewickTWS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Decimal {
    /// The double whose shortest text equals this decimal's text (no binary drift such as 185.52000000000001).
    var exactDouble: Double { DecimalText.double(self) }
}

/// Thin POSIX socket helpers. All calls block; they run on dedicated threads, never on Swift's cooperative pool.
enum PaperSocket {
    /// A listening TCP socket on `host:port` (port 0 = any free port). Returns the fd and the bound port.
    static func listen(host: String, port: Int) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PaperError.socket("socket(): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else { close(fd); throw PaperError.socket("bad IPv4 host \(host)") }
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { let e = errno; close(fd); throw PaperError.socket("bind \(host):\(port): errno \(e)") }
        guard Glibc.listen(fd, 128) == 0 else { let e = errno; close(fd); throw PaperError.socket("listen: errno \(e)") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Accepts one connection; nil when the listener was closed.
    static func accept(_ fd: Int32) -> Int32? {
        while true {
            let c = Glibc.accept(fd, nil, nil)
            if c >= 0 {
                var one: Int32 = 1
                setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return c
            }
            if errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE {
                if errno == EMFILE || errno == ENFILE { usleep(50_000) }
                continue
            }
            return nil
        }
    }

    /// Reads up to `max` bytes; empty on EOF or error (timeouts included).
    static func read(_ fd: Int32, max: Int = 65_536) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = recv(fd, &buf, max, 0)
            if n > 0 { return Array(buf[0..<n]) }
            if n < 0 && errno == EINTR { continue }
            return []
        }
    }

    /// Writes everything; false when the peer is gone.
    static func write(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    /// A receive timeout (0 = none).
    static func setReadTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}

extension PaperSocket {
    /// `a.b.c.d:port` of a connected IPv4 socket's peer, or `-`.
    static func peerAddress(_ fd: Int32) -> String {
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) } }
        guard rc == 0 else { return "-" }
        var buf = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &addr.sin_addr, &buf, socklen_t(buf.count))
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + ":\(UInt16(bigEndian: addr.sin_port))"
    }
}
