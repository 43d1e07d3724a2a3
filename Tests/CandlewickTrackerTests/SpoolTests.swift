import CandlewickBus
import CandlewickCore
import Foundation
import Testing

@testable import CandlewickTracker

@Suite struct SpoolJournalTests {
    func record(_ seq: Int) -> SpoolRecord {
        SpoolRecord(seq: seq, id: "id-\(seq)", type: "run.started", runId: "r", envelope: "{\"n\":\(seq)}", attachments: [])
    }

    @Test func linesRoundTripAndATornTailIsCut() throws {
        var data = Data()
        for n in 1...3 { data.append(try SpoolJournal.line(record(n))) }
        let whole = data.count
        data.append(Data("{\"seq\":4,\"id\":\"id-4\",\"ty".utf8))
        let contents = SpoolJournal.parse(data)
        #expect(contents.records.map(\.seq) == [1, 2, 3])
        #expect(contents.validBytes == whole)
        #expect(contents.tornTail)
        #expect(contents.corruptLines == 0)
    }

    @Test func aCorruptLineIsSkippedNotFatal() throws {
        var data = try SpoolJournal.line(record(1))
        data.append(Data("not json\n".utf8))
        data.append(try SpoolJournal.line(record(2)))
        let contents = SpoolJournal.parse(data)
        #expect(contents.records.map(\.seq) == [1, 2])
        #expect(contents.corruptLines == 1 && !contents.tornTail && contents.validBytes == data.count)
    }

    @Test func pendingFollowsTheCursor() {
        let records = (1...5).map(record)
        #expect(SpoolJournal.pending(records, after: 0).map(\.seq) == [1, 2, 3, 4, 5])
        #expect(SpoolJournal.pending(records, after: 3).map(\.seq) == [4, 5])
        #expect(SpoolJournal.pending(records, after: 5).isEmpty)
        #expect(SpoolJournal.parseCursor(SpoolJournal.cursorData(7)) == 7)
        #expect(SpoolJournal.parseCursor(nil) == 0)
        #expect(SpoolJournal.parseCursor(Data("garbage".utf8)) == 0)
    }

    static func message(id: String, runId: String = "run-1", png: Data? = nil) throws -> BusMessage {
        let payload = try RunStarted(runId: runId, symbols: ["AAPL"], params: ["k": "v"], startedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let attachments = png.map { [Attachment(name: "daily_chart.png", contentType: "image/png", data: $0)] } ?? []
        var frames: [Data] = []
        let publisher = BusPublisher(source: "test.1", sink: CollectSink { frames = $0 })
        try publisher.stamp(payload, id: id, runId: runId, causationId: nil, attachments: attachments) { frames = $0 }
        return try FrameCodec().decode(frames)
    }

    @Test func spoolReplaysAfterReopenAndDeduplicates() async throws {
        let dir = NSTemporaryDirectory() + "spool-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = Data((0..<1000).map { UInt8($0 % 251) })
        do {
            let spool = try Spool(directory: dir, sink: "test")
            #expect(try await spool.append(Self.message(id: "a", png: png))?.seq == 1)
            #expect(try await spool.append(Self.message(id: "b"))?.seq == 2)
            #expect(try await spool.append(Self.message(id: "a")) == nil)  // same envelope id
            #expect(try await spool.append(Self.message(id: "c"))?.seq == 3)
            try await spool.markDelivered(1)
        }
        // A crash mid-write leaves a torn line: it is cut on reopen.
        let journal = dir + "/journal.jsonl"
        let h = try #require(FileHandle(forWritingAtPath: journal))
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"seq\":4,\"id\"".utf8))
        try h.close()
        let spool = try Spool(directory: dir, sink: "test")
        #expect(spool.recovery.tornTail)
        #expect(await spool.cursor == 1)
        #expect(await spool.next()?.id == "b")
        #expect(await spool.pendingCount == 2)
        #expect(try await spool.append(Self.message(id: "b")) == nil)
        #expect(try await spool.append(Self.message(id: "d"))?.seq == 4)
        let first = try #require(await spool.deliveredRecords().first)
        #expect(try spool.blob(first.attachments[0]) == png)
        try await spool.markDelivered(2)
        // Another sink has its own cursor.
        let other = try Spool(directory: dir, sink: "other")
        #expect(await other.cursor == 0 && other.recovery.tornTail == false)
        #expect(await other.pendingCount == 4)
        // The journal removed by hand, the cursor kept: new records still count as pending.
        try FileManager.default.removeItem(atPath: journal)
        let fresh = try Spool(directory: dir, sink: "test")
        #expect(await fresh.cursor == 2)
        #expect(try await fresh.append(Self.message(id: "e"))?.seq == 3)
        #expect(await fresh.next()?.id == "e")
    }
}

/// A frame sink that hands frames to a closure.
final class CollectSink: FrameSink, @unchecked Sendable {
    let body: ([Data]) -> Void
    init(_ body: @escaping ([Data]) -> Void) { self.body = body }
    func send(_ frames: [Data]) throws { body(frames) }
}
