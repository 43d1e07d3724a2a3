import CandlewickBus
import CandlewickCore
import Foundation

/// Where the spool could not be read or written: the path and the reason.
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "spool \(path): \(message)" }
}

/// The tracker's durable spool: every accepted bus message is appended to `journal.jsonl` (its
/// attachments first, to `blobs/<sha256>`) and fsynced before anything is uploaded. A cursor file
/// per sink (`cursor-<sink>.json`, replaced atomically) holds the last delivered `seq`, so a
/// restart resumes exactly where delivery stopped; envelope ids already journaled are not
/// journaled again.
public actor Spool {
    public nonisolated let directory: String
    private let journalPath: String
    private let cursorPath: String
    private var journal: FileHandle
    private var records: [SpoolRecord] = []
    private var ids = Set<String>()
    private var delivered: Int
    private var nextSeq: Int
    /// Lines that did not decode when the journal was opened, and whether a torn tail was cut.
    public nonisolated let recovery: (corruptLines: Int, tornTail: Bool)

    /// Opens (or creates) the spool in `directory` for deliveries to `sink` (e.g. `mlflow`, `local`).
    public init(directory: String, sink: String) throws {
        let fm = FileManager.default
        self.directory = directory
        journalPath = (directory as NSString).appendingPathComponent("journal.jsonl")
        cursorPath = (directory as NSString).appendingPathComponent("cursor-\(sink).json")
        do {
            try fm.createDirectory(atPath: (directory as NSString).appendingPathComponent("blobs"), withIntermediateDirectories: true)
        } catch {
            throw SpoolError(path: directory, message: "cannot create: \(error.localizedDescription)")
        }
        if !fm.fileExists(atPath: journalPath) { _ = fm.createFile(atPath: journalPath, contents: nil) }
        guard let data = fm.contents(atPath: journalPath), let handle = FileHandle(forUpdatingAtPath: journalPath) else {
            throw SpoolError(path: journalPath, message: "cannot open for reading and appending")
        }
        let contents = SpoolJournal.parse(data)
        do {
            if contents.validBytes != data.count { try handle.truncate(atOffset: UInt64(contents.validBytes)) }
            try handle.seekToEnd()
        } catch {
            throw SpoolError(path: journalPath, message: "cannot cut the torn tail: \(error)")
        }
        journal = handle
        records = contents.records
        ids = Set(contents.records.map(\.id))
        delivered = SpoolJournal.parseCursor(fm.contents(atPath: cursorPath))
        // Numbers continue after both the journal and the cursor: a journal removed by hand while its
        // cursor stayed must not make new records look delivered.
        nextSeq = max(contents.records.last?.seq ?? 0, delivered) + 1
        recovery = (contents.corruptLines, contents.tornTail)
    }

    /// Journals `message` durably (attachments, then the line, then fsync). Returns nil when a
    /// message with the same envelope id is already in the journal.
    public func append(_ message: BusMessage) throws -> SpoolRecord? {
        guard !ids.contains(message.header.id) else { return nil }
        var refs: [BlobRef] = []
        for (info, data) in zip(message.header.attachments, message.attachments) {
            let sha = SHA256Digest.hex(of: data)
            try writeBlob(data, sha: sha)
            refs.append(BlobRef(name: info.name, contentType: info.contentType, sha256: sha, size: data.count))
        }
        let record = SpoolRecord(seq: nextSeq, id: message.header.id, type: message.header.type, runId: message.header.runId,
                                 envelope: String(decoding: message.json, as: UTF8.self), attachments: refs)
        do {
            try journal.write(contentsOf: SpoolJournal.line(record))
            try journal.synchronize()
        } catch {
            throw SpoolError(path: journalPath, message: "append failed: \(error)")
        }
        nextSeq += 1
        ids.insert(record.id)
        records.append(record)
        return record
    }

    /// The next record to deliver, if any.
    public func next() -> SpoolRecord? { SpoolJournal.pending(records, after: delivered).first }

    /// Every journaled record, in order.
    public func journaled() -> [SpoolRecord] { records }

    /// Every journaled record up to and including the cursor (already delivered), for rebuilding derived state.
    public func deliveredRecords() -> [SpoolRecord] { records.filter { $0.seq <= delivered } }

    /// Records `seq` as delivered (atomically: temp file, fsync, rename).
    public func markDelivered(_ seq: Int) throws {
        let tmp = cursorPath + ".tmp"
        let fm = FileManager.default
        _ = fm.createFile(atPath: tmp, contents: SpoolJournal.cursorData(seq))
        guard let h = FileHandle(forWritingAtPath: tmp) else { throw SpoolError(path: tmp, message: "cannot write the cursor") }
        try? h.synchronize()
        try? h.close()
        guard rename(tmp, cursorPath) == 0 else { throw SpoolError(path: cursorPath, message: "rename failed (errno \(errno))") }
        Self.syncDirectory(directory)
        delivered = seq
    }

    /// The last delivered `seq`.
    public var cursor: Int { delivered }
    /// Records journaled but not yet delivered.
    public var pendingCount: Int { SpoolJournal.pending(records, after: delivered).count }
    /// Records in the journal.
    public var count: Int { records.count }

    /// The bytes of a journaled attachment.
    public nonisolated func blob(_ ref: BlobRef) throws -> Data {
        let path = blobPath(ref.sha256)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpoolError(path: path, message: "blob \(ref.name) is missing")
        }
        return data
    }

    private nonisolated func blobPath(_ sha: String) -> String {
        (directory as NSString).appendingPathComponent("blobs/\(sha)")
    }

    private func writeBlob(_ data: Data, sha: String) throws {
        let path = blobPath(sha)
        let fm = FileManager.default
        if let existing = try? fm.attributesOfItem(atPath: path)[.size] as? Int, existing == data.count { return }
        let tmp = path + ".tmp"
        _ = fm.createFile(atPath: tmp, contents: data)
        guard let h = FileHandle(forWritingAtPath: tmp) else { throw SpoolError(path: tmp, message: "cannot write blob") }
        try? h.synchronize()
        try? h.close()
        guard rename(tmp, path) == 0 else { throw SpoolError(path: path, message: "rename failed (errno \(errno))") }
        Self.syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// fsyncs a directory so a rename into it survives a power cut.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }
}
