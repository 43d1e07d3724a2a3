import Foundation

/// A binary attachment kept in the spool's blob store, addressed by its SHA-256.
public struct BlobRef: Codable, Sendable, Hashable {
    public let name: String
    public let contentType: String
    public let sha256: String
    public let size: Int

    public init(name: String, contentType: String, sha256: String, size: Int) {
        self.name = name
        self.contentType = contentType
        self.sha256 = sha256
        self.size = size
    }

    enum CodingKeys: String, CodingKey {
        case name, sha256, size
        case contentType = "content_type"
    }
}

/// One journal line: a bus message as it was received (envelope JSON verbatim), numbered in
/// arrival order. Attachments live in the blob store.
public struct SpoolRecord: Codable, Sendable, Hashable {
    /// 1, 2, 3 … in the order the tracker received the messages.
    public let seq: Int
    /// The envelope id (duplicates of an id are not journaled twice).
    public let id: String
    public let type: String
    public let runId: String?
    /// The envelope JSON exactly as received.
    public let envelope: String
    public let attachments: [BlobRef]

    public init(seq: Int, id: String, type: String, runId: String?, envelope: String, attachments: [BlobRef]) {
        self.seq = seq
        self.id = id
        self.type = type
        self.runId = runId
        self.envelope = envelope
        self.attachments = attachments
    }

    enum CodingKeys: String, CodingKey {
        case seq, id, type, envelope, attachments
        case runId = "run_id"
    }
}

/// The pure part of the journal: line format, recovery of a torn tail, and the delivery cursor.
public enum SpoolJournal {
    /// What reading a journal file found.
    public struct Contents: Sendable {
        public var records: [SpoolRecord] = []
        /// Bytes up to the end of the last complete line: the file is truncated to this on open.
        public var validBytes = 0
        /// Complete lines that did not decode (skipped and counted, never fatal).
        public var corruptLines = 0
        /// Whether the file ended in a partial line (a write cut short by a crash).
        public var tornTail = false
    }

    /// One journal line (JSON and a newline).
    public static func line(_ record: SpoolRecord) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(record)
        data.append(0x0A)
        return data
    }

    /// Parses a journal: complete lines only; a last line without its newline is a torn write.
    public static func parse(_ data: Data) -> Contents {
        var contents = Contents()
        let decoder = JSONDecoder()
        var start = data.startIndex
        while start < data.endIndex {
            guard let newline = data[start...].firstIndex(of: 0x0A) else {
                contents.tornTail = true
                break
            }
            let line = data[start..<newline]
            if !line.isEmpty {
                if let record = try? decoder.decode(SpoolRecord.self, from: line) {
                    contents.records.append(record)
                } else {
                    contents.corruptLines += 1
                }
            }
            start = data.index(after: newline)
            contents.validBytes = start - data.startIndex
        }
        return contents
    }

    /// The records still to deliver: those after `cursor` (the last delivered `seq`), in order.
    public static func pending(_ records: [SpoolRecord], after cursor: Int) -> ArraySlice<SpoolRecord> {
        let first = records.firstIndex { $0.seq > cursor } ?? records.endIndex
        return records[first...]
    }

    /// The cursor file's content.
    public static func cursorData(_ delivered: Int) -> Data { Data("{\"delivered\":\(delivered)}\n".utf8) }

    /// Reads a cursor file's content (a missing or damaged cursor means nothing was delivered).
    public static func parseCursor(_ data: Data?) -> Int {
        guard let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let n = object["delivered"] as? Int, n >= 0 else { return 0 }
        return n
    }
}
