import CandlewickBus
import CandlewickConsole
import CandlewickCore
import Foundation
import Testing

@Suite struct ConsoleMetricsAndAuditTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A heartbeat as it comes off the bus (encoded to frames and decoded again).
    func heartbeatMessage(_ instance: String, metrics: String?, interval: Double = 1) throws -> BusMessage {
        let hb = try Heartbeat(process: String(instance.prefix { $0 != "." }), instance: instance, pid: 7, host: "h", startedAt: t0,
                               state: "running", intervalS: interval, metrics: metrics)
        let header = try EnvelopeHeader(type: Heartbeat.messageType, source: instance, seq: 1, ts: t0)
        let codec = FrameCodec()
        return try codec.decode(try codec.encode(Envelope(header: header, payload: hb)))
    }

    @Test func onlyLiveProcessesWithMetricsAreGathered() async throws {
        let hub = ConsoleHub(runs: RunFolders(directory: "/nonexistent-\(UUID().uuidString)"), actions: [],
                             operatorEnabled: false)
        let router = "# TYPE r_total counter\nr_total{instance=\"order-router.1\"} 3\n"
        let chart = "# TYPE c_total counter\nc_total{instance=\"chart-worker.1\"} 5\n"
        await hub.ingest(try heartbeatMessage("order-router.1", metrics: router, interval: 5), receivedAt: t0)
        await hub.ingest(try heartbeatMessage("chart-worker.1", metrics: chart, interval: 1), receivedAt: t0)
        await hub.ingest(try heartbeatMessage("tap.1", metrics: nil), receivedAt: t0)
        #expect(await hub.liveExpositions(now: t0.addingTimeInterval(2)) == ["order-router.1": router, "chart-worker.1": chart])
        // chart-worker.1 has been silent for more than three of its intervals: it drops out; order-router.1 has not.
        #expect(await hub.liveExpositions(now: t0.addingTimeInterval(3.5)) == ["order-router.1": router])
        #expect(await hub.liveExpositions(now: t0.addingTimeInterval(16)).isEmpty)
    }

    @Test func aCommandEntryKeepsTheRoutersCleanUp() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("console-audit-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var cleanup = CleanupOutcome()
        cleanup.cancelledIntents = ["cw-1", "cw-2"]
        cleanup.exits = [CleanupOutcome.Exit(intentId: "cw-3-X", symbol: "AAPL", side: .sell, quantity: 10, outcome: "placed")]
        cleanup.problems = ["order 9 at IB is not Candlewick's"]
        let audit = try ConsoleAudit(path: path)
        try audit.record(ConsoleAuditEntry(ts: t0, event: "command", client: "127.0.0.1:1", session: "abc", action: "flatten", reason: "risk off",
                                           routerState: "HALTED", routerReason: "flatten", cleanup: cleanup))
        try audit.record(ConsoleAuditEntry(ts: t0, event: "command", client: "127.0.0.1:1", action: "halt", routerState: "HALTED"))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        let written = try #require(first["cleanup"] as? [String: Any])
        #expect(written["cancelled_intents"] as? [String] == ["cw-1", "cw-2"])
        #expect(written["problems"] as? [String] == ["order 9 at IB is not Candlewick's"])
        let exit = try #require((written["exits"] as? [[String: Any]])?.first)
        #expect(exit["intent_id"] as? String == "cw-3-X" && exit["symbol"] as? String == "AAPL" && exit["side"] as? String == "SELL")
        #expect(exit["quantity"] as? Int == 10 && exit["outcome"] as? String == "placed")
        #expect(!lines[1].contains("cleanup"), "a command without a clean-up writes none")
    }
}
