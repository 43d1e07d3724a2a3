import CandlewickCore
import Foundation
import Synchronization

/// An append-only JSON-lines file of authority-bearing actions: every command a server accepted or
/// refused, every refused connection, with the sender's key id (never a key). Written with
/// `O_APPEND` and one `write` per line, so lines from concurrent writers never interleave.
public final class AuditLog: Sendable {
    public let path: String
    private let fd: Mutex<Int32?>

    public init(path: String) {
        self.path = path
        fd = Mutex(nil)
    }

    /// Appends one record (`ts` is added). Failures are returned to the caller to log, never thrown.
    @discardableResult
    public func record(_ fields: [String: String]) -> String? {
        var object = fields
        object["ts"] = UTCTimestamp.format(Date())
        guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "audit record not encodable" }
        let line = json + Data("\n".utf8)
        return fd.withLock { fd -> String? in
            if fd == nil {
                let dir = (path as NSString).deletingLastPathComponent
                if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                let f = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
                guard f >= 0 else { return "\(path): \(String(cString: strerror(errno)))" }
                fd = f
            }
            let n = line.withUnsafeBytes { Glibc.write(fd!, $0.baseAddress, $0.count) }
            return n == line.count ? nil : "\(path): short write"
        }
    }

    deinit { fd.withLock { if let f = $0 { close(f) } } }
}
