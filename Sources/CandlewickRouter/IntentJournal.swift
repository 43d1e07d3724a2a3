import CandlewickCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A journal that cannot be trusted: the router refuses to trade (fail closed).
public struct JournalError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// The durable intent journal: one JSON `JournalEntry` per line, appended and `fdatasync`ed before
/// `append` returns, so an entry that was acknowledged survives SIGKILL and power loss. On open the
/// file is replayed; a torn last line (a crash mid-write) is cut off and reported; a bad line in the
/// middle is an error (the journal is damaged: no trading until a person looks).
public final class IntentJournal: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let encoder: JSONEncoder
    /// Entries found when the journal was opened, in order.
    public let replayed: [JournalEntry]
    /// Set when a torn last line was cut off on open.
    public let repaired: String?
    private let lock = NSLock()

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("\(path): cannot open the intent journal: \(String(cString: strerror(errno)))") }
        encoder = CandlewickJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        let decoder = CandlewickJSON.decoder()
        var entries: [JournalEntry] = []
        var offset = 0, good = 0, line = 0
        var repaired: String?
        while offset < data.count {
            line += 1
            let end = data[offset...].firstIndex(of: 0x0A)
            let chunk = data[offset..<(end ?? data.count)]
            do {
                guard end != nil else { throw JournalError("no newline") }
                entries.append(try decoder.decode(JournalEntry.self, from: chunk))
                offset = end! + 1
                good = offset
            } catch {
                guard end == nil || end! + 1 == data.count else {
                    Glibc.close(fd)
                    throw JournalError("\(path):\(line): damaged journal entry (\(error)); refusing to trade until it is repaired")
                }
                repaired = "\(path):\(line): cut off a torn last entry (\(chunk.count) bytes) left by a crash mid-write"
                break
            }
        }
        if good < data.count {
            guard ftruncate(fd, off_t(good)) == 0 else { throw JournalError("\(path): cannot cut the torn entry: \(String(cString: strerror(errno)))") }
            _ = fsync(fd)
        }
        replayed = entries
        self.repaired = repaired
    }

    deinit { Glibc.close(fd) }

    /// Appends one entry and makes it durable before returning.
    public func append(_ entry: JournalEntry) throws {
        var data = try encoder.encode(entry)
        data.append(0x0A)
        try lock.withLock {
            try data.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw JournalError("\(path): write failed: \(String(cString: strerror(errno)))") }
                    off += n
                }
            }
            guard fdatasync(fd) == 0 else { throw JournalError("\(path): fdatasync failed: \(String(cString: strerror(errno)))") }
        }
    }
}
