import CandlewickBus
import CandlewickConsole
import CandlewickCore
import Foundation
import Testing

@Suite struct ConsoleHubTests {
    /// A `live.symbol` message as it comes off the bus (encoded to frames and decoded again), naming both charts in the
    /// run folder `run`.
    func symbolMessage(run: String, symbol: String) throws -> BusMessage {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let signal = try TradingSignal(symbol: symbol, action: .hold, confidence: .low, confidenceScore: 10, reasoning: "flat", timestamp: t)
        let record = try LiveSymbolRecord(runId: run, symbol: symbol, signal: signal, llmProvider: "rules", llmModel: "rules-v1", promptVersion: "p1",
                                          latestPrice: 100, runFolder: run,
                                          chartFiles: ["daily": "charts/\(symbol)/\(symbol)_daily.png", "weekly": "charts/\(symbol)/\(symbol)_weekly.png"])
        let header = try EnvelopeHeader(type: LiveSymbolRecord.messageType, source: "candlewick-run.1.live", seq: 1, ts: t, runId: run)
        let codec = FrameCodec()
        return try codec.decode(try codec.encode(Envelope(header: header, payload: record), attachments: []))
    }

    @Test func aPageGetsTheSnapshotThenEachChangeAndTheChartsAreReadFromTheRunFolder() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("cw-hub-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let charts = base + "/runs/r1/charts/AAPL"
        try FileManager.default.createDirectory(atPath: charts, withIntermediateDirectories: true)
        let daily = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
        try daily.write(to: URL(fileURLWithPath: charts + "/AAPL_daily.png"))
        // The weekly chart's file is a symlink out of the runs directory: refused like a missing file.
        try Data("secret".utf8).write(to: URL(fileURLWithPath: base + "/outside.png"))
        try FileManager.default.createSymbolicLink(atPath: charts + "/AAPL_weekly.png", withDestinationPath: base + "/outside.png")
        let hub = ConsoleHub(runs: RunFolders(directory: base + "/runs"), actions: ["halt"], operatorEnabled: false)
        var events = await hub.listen().makeAsyncIterator()
        let first = try #require(await events.next())
        #expect(first.hasPrefix("event: snapshot\ndata: {") && first.hasSuffix("\n\n"))
        #expect(first.contains("\"symbols\":{}"))
        #expect(await hub.chartFile(runId: "r1", symbol: "AAPL", timeframe: "daily") == nil, "no record yet")
        await hub.ingest(try symbolMessage(run: "r1", symbol: "AAPL"))
        let patch = try #require(await events.next())
        let lines = patch.split(separator: "\n")
        #expect(lines.filter { $0 == "event: patch" }.count == 3, "run (the console joins a run it did not see start), symbol, run")
        #expect(patch.contains("\"section\":\"symbol\",\"key\":\"AAPL\"") && patch.contains("\"daily\":\"/charts/r1/AAPL/daily.png\""))
        let path = try #require(await hub.chartFile(runId: "r1", symbol: "AAPL", timeframe: "daily"))
        #expect(FileManager.default.contents(atPath: path) == daily)
        #expect(await hub.chartFile(runId: "r1", symbol: "AAPL", timeframe: "weekly") == nil, "a symlink out of the runs directory")
        #expect(await hub.chartFile(runId: "r1", symbol: "MSFT", timeframe: "daily") == nil, "no record for the symbol")
        #expect(await hub.chartFile(runId: "r2", symbol: "AAPL", timeframe: "daily") == nil, "not the watched run")
        #expect(await hub.lastMessageAge().map { $0 < 5 } == true)
        // A page that connects now gets the symbol in its snapshot.
        var late = await hub.listen().makeAsyncIterator()
        #expect(try #require(await late.next()).contains("\"AAPL\":{"))
        #expect(await hub.listenerCount == 2)
        await hub.closeAll()
        #expect(await events.next() == nil)
    }
}
