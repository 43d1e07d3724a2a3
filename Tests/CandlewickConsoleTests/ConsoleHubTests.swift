import CandlewickBus
import CandlewickConsole
import CandlewickCore
import Foundation
import Testing

@Suite struct ConsoleHubTests {
    /// A `run.symbol` message as it comes off the bus: encoded to frames and decoded again, with its PNG attachments.
    func symbolMessage(run: String, symbol: String, daily: Data, weekly: Data) throws -> BusMessage {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let signal = try TradingSignal(symbol: symbol, action: .hold, confidence: .low, confidenceScore: 10, reasoning: "flat", timestamp: t)
        let record = try SymbolRecord(runId: run, symbol: symbol, signal: signal, llmProvider: "rules", llmModel: "rules-v1", promptVersion: "p1",
                                      latestPrice: 100)
        let infos = [AttachmentInfo(index: 0, name: SymbolRecord.dailyChartName, contentType: "image/png", size: daily.count, sha256: SHA256Digest.hex(of: daily)),
                     AttachmentInfo(index: 1, name: SymbolRecord.weeklyChartName, contentType: "image/png", size: weekly.count, sha256: SHA256Digest.hex(of: weekly))]
        let header = try EnvelopeHeader(type: SymbolRecord.messageType, source: "candlewick-run.1", seq: 1, ts: t, runId: run, attachments: infos)
        let codec = FrameCodec()
        return try codec.decode(try codec.encode(Envelope(header: header, payload: record), attachments: [daily, weekly]))
    }

    @Test func aPageGetsTheSnapshotThenEachChangeAndTheChartsAreServedFromMemory() async throws {
        let hub = ConsoleHub(charts: ChartStore(), runs: RunFolders(directory: "/nonexistent-\(UUID().uuidString)"), actions: ["halt"],
                             operatorEnabled: false)
        var events = await hub.listen().makeAsyncIterator()
        let first = try #require(await events.next())
        #expect(first.hasPrefix("event: snapshot\ndata: {") && first.hasSuffix("\n\n"))
        #expect(first.contains("\"symbols\":{}"))
        let daily = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]), weekly = Data([0x89, 0x50, 0x4E, 0x47, 9])
        await hub.ingest(try symbolMessage(run: "r1", symbol: "AAPL", daily: daily, weekly: weekly))
        let patch = try #require(await events.next())
        let lines = patch.split(separator: "\n")
        #expect(lines.filter { $0 == "event: patch" }.count == 3, "run (the console joins a run it did not see start), symbol, run")
        #expect(patch.contains("\"section\":\"symbol\",\"key\":\"AAPL\"") && patch.contains("\"daily\":\"/charts/r1/AAPL/daily.png\""))
        #expect(hub.charts.get(runId: "r1", symbol: "AAPL", timeframe: "daily") == daily)
        #expect(hub.charts.get(runId: "r1", symbol: "AAPL", timeframe: "weekly") == weekly)
        #expect(await hub.lastMessageAge().map { $0 < 5 } == true)
        // A page that connects now gets the symbol in its snapshot.
        var late = await hub.listen().makeAsyncIterator()
        #expect(try #require(await late.next()).contains("\"AAPL\":{"))
        #expect(await hub.listenerCount == 2)
        await hub.closeAll()
        #expect(await events.next() == nil)
    }
}
