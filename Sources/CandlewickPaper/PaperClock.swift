import CandlewickCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The client side of ib-paper's simulation clock (its admin line protocol, see `PaperAdmin`):
/// `advance N` / `setdate YYYYMMDD` move the as-of day so working orders are matched against the next
/// bars, `reset [YYYYMMDD]` starts a fresh account. ib-paper answers after the days are matched and the
/// fills delivered, so whatever is asked of the broker after the answer sees them.
public enum PaperClock {
    /// Why a command could not be sent or answered; `code` is stable (`bad_address`, `bad_command`, `unreachable`, `no_answer`).
    public struct Failure: CodedError, Sendable {
        public let code: String
        public let message: String
        public var description: String { message }
    }

    /// Sends `advance days` to `address` (`host:port`) and returns ib-paper's answer line (`ok as_of=YYYYMMDD`,
    /// or `error: …`); see `command`.
    public static func advance(_ address: String, days: Int, token: String? = nil, timeout: Int = 30) async throws -> String {
        try await command(address, line: "advance \(days)", token: token, timeout: timeout)
    }

    /// Sends one admin line (`advance N`, `setdate YYYYMMDD`, `reset [YYYYMMDD]`, `asof`, `now`, … see
    /// `PaperAdmin`) to `address` (`host:port`), after `auth <token>` when the admin port requires one, and
    /// returns ib-paper's answer line (`error: …` when it refused). The blocking socket calls run on a thread
    /// of their own, never on Swift's cooperative pool; the answer is awaited for at most `timeout` seconds.
    /// Throws `Failure` (`bad_command` for a line with a line break in it).
    public static func command(_ address: String, line: String, token: String? = nil, timeout: Int = 30) async throws -> String {
        guard !line.contains(where: \.isNewline), !line.isEmpty else {
            throw Failure(code: "bad_command", message: "an ib-paper admin command is one non-empty line, got \(line.debugDescription)")
        }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, any Error>) in
            let thread = Thread { c.resume(with: Result { try commandBlocking(address, line: line, token: token, timeout: timeout) }) }
            thread.name = "paper-clock"
            thread.start()
        }
    }

    private static func commandBlocking(_ address: String, line command: String, token: String?, timeout: Int) throws -> String {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else {
            throw Failure(code: "bad_address", message: "ib.paper_admin must be host:port, got \(address)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, parts[0] == "localhost" ? "127.0.0.1" : String(parts[0]), &addr.sin_addr)
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            throw Failure(code: "unreachable", message: "ib-paper admin at \(address): \(String(cString: strerror(errno)))")
        }
        let line = Array(((token.map { "auth \($0)\n" } ?? "") + command + "\n").utf8)
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 256)
        while !reply.contains(0x0A) {
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { break }
            reply += buf[0..<n]
        }
        guard !reply.isEmpty else { throw Failure(code: "no_answer", message: "ib-paper admin at \(address) did not answer within \(timeout) s") }
        return String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
