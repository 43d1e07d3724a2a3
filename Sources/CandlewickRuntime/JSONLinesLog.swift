import CandlewickCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a `JSONLinesLog` cannot be trusted or written; the text names the file and line.
public struct JSONLinesLogError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// A durable log of one JSON `Entry` per line: `append` writes the line and `fdatasync`s it before it
/// returns, so an entry that was acknowledged survives SIGKILL and power loss. On open the file is
/// replayed; a torn last line (a crash mid-write) is cut off and reported in `repaired`; a bad line
/// in the middle is an error (the log is damaged: whoever relies on it stops until a person looks).
/// Keys are sorted, so equal entries are equal bytes.
public final class JSONLinesLog<Entry: Codable>: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let encoder: JSONEncoder
    /// Entries found when the log was opened, in order.
    public let replayed: [Entry]
    /// Set when a torn last line was cut off on open.
    public let repaired: String?
    private let lock = NSLock()

    /// - Parameters:
    ///   - what: what the log is, for error texts ("intent journal").
    ///   - whenDamaged: what the owner does about a damaged line, for its error text.
    public init(path: String, what: String, whenDamaged: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JSONLinesLogError("\(path): cannot open the \(what): \(String(cString: strerror(errno)))") }
        encoder = CandlewickJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        let decoder = CandlewickJSON.decoder()
        var entries: [Entry] = []
        var offset = 0, good = 0, line = 0
        var repaired: String?
        while offset < data.count {
            line += 1
            let end = data[offset...].firstIndex(of: 0x0A)
            let chunk = data[offset..<(end ?? data.count)]
            do {
                guard end != nil else { throw JSONLinesLogError("no newline") }
                entries.append(try decoder.decode(Entry.self, from: chunk))
                offset = end! + 1
                good = offset
            } catch {
                guard end == nil || end! + 1 == data.count else {
                    Glibc.close(fd)
                    throw JSONLinesLogError("\(path):\(line): damaged \(what) entry (\(error)); \(whenDamaged)")
                }
                repaired = "\(path):\(line): cut off a torn last entry (\(chunk.count) bytes) left by a crash mid-write"
                break
            }
        }
        if good < data.count {
            guard ftruncate(fd, off_t(good)) == 0 else { throw JSONLinesLogError("\(path): cannot cut the torn entry: \(String(cString: strerror(errno)))") }
            _ = fsync(fd)
        }
        replayed = entries
        self.repaired = repaired
    }

    deinit { Glibc.close(fd) }

    /// Appends one entry and makes it durable before returning.
    public func append(_ entry: Entry) throws {
        var data = try encoder.encode(entry)
        data.append(0x0A)
        try lock.withLock {
            try data.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw JSONLinesLogError("\(path): write failed: \(String(cString: strerror(errno)))") }
                    off += n
                }
            }
            guard fdatasync(fd) == 0 else { throw JSONLinesLogError("\(path): fdatasync failed: \(String(cString: strerror(errno)))") }
        }
    }
}
