import CandlewickBus
import CandlewickCore
import Foundation
import Testing

@testable import CandlewickTracker

@Suite struct PlannerTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func event<P: BusPayload>(_ seq: Int, _ payload: P, runId: String? = "r1", at offset: Double = 0, blobs: [BlobRef] = []) throws
        -> TrackedEvent
    {
        let header = try EnvelopeHeader(id: "m\(seq)", type: P.messageType, source: "t", seq: UInt64(seq), ts: t0.addingTimeInterval(offset),
                                        runId: runId)
        return TrackedEvent(seq: seq, header: header, payload: payload, attachments: blobs)
    }

    static func signal(_ symbol: String, _ action: SignalAction = .buy) throws -> TradingSignal {
        action == .hold
            ? try TradingSignal(signalId: "s-\(symbol)", symbol: symbol, action: .hold, confidence: .low, confidenceScore: 20, reasoning: "r",
                                timestamp: t0)
            : try TradingSignal(signalId: "s-\(symbol)", symbol: symbol, action: .buy, confidence: .high, confidenceScore: 80, entryPrice: 100,
                                stopLoss: 90, takeProfit: 130, reasoning: "r", timestamp: t0)
    }

    static func record(_ symbol: String, _ action: SignalAction = .buy) throws -> SymbolRecord {
        try SymbolRecord(runId: "r1", symbol: symbol, signal: signal(symbol, action), rawAnswer: "{}", llmProvider: "rules", llmModel: "m",
                         promptVersion: "p1", inputTokens: 10, outputTokens: 2, llmLatencyMs: 5, latestPrice: 99,
                         stageTimings: ["charts": 1])
    }

    func metric(_ ops: [TrackingOp], _ key: String, _ ref: RunRef) -> Double? {
        for case .log(let r, let b) in ops where r == ref { if let m = b.metrics.first(where: { $0.key == key }) { return m.value } }
        return nil
    }

    @Test func aSymbolRecordBecomesAChildRunWithEverything() throws {
        var planner = TrackingPlanner()
        _ = planner.plan(try Self.event(1, RunStarted(runId: "r1", symbols: ["AAPL"], params: ["position_size": "10"], startedAt: Self.t0)))
        let png = BlobRef(name: "daily_chart.png", contentType: "image/png", sha256: "ab", size: 3)
        let ops = planner.plan(try Self.event(2, Self.record("AAPL"), blobs: [png]))
        let child = RunRef.symbol(runId: "r1", symbol: "AAPL")
        guard case .ensureRun(.pipeline("r1"), _, _, _) = ops[0], case .ensureRun(child, "AAPL", let tags, _) = ops[1] else {
            Issue.record("runs first: \(ops)")
            return
        }
        #expect(tags.contains(MLflowTag("candlewick_symbol", "AAPL")))
        #expect(metric(ops, "risk_reward_ratio", child) == 3)
        #expect(metric(ops, "order_placed", child) == 0)
        #expect(metric(ops, "stage_charts_s", child) == 1)
        guard case .log(_, let batch) = ops[2] else { Issue.record("log third"); return }
        #expect(batch.params.contains(MLflowParam("position_size", "10")))
        let paths = ops.compactMap { op -> String? in if case .artifact(_, let p, _, _) = op { return p } else { return nil } }
        #expect(paths == ["daily_chart.png", "trading_signal.json", "raw_model_answer.txt"])
    }

    @Test func ordersMatchBySymbolNotByOrderRefAndStateIsReplayable() throws {
        let events = [
            try Self.event(1, RunStarted(runId: "r1", symbols: ["AAPL", "MSFT"], startedAt: Self.t0)),
            try Self.event(2, Order(symbol: "MSFT", side: .buy, quantity: 5, orderType: .market, orderRef: "zz-intent-7"), at: 1),
            try Self.event(3, Self.record("MSFT"), at: 2),
            try Self.event(4, Self.record("AAPL", .hold), at: 3),
            try Self.event(5, RunFinished(runId: "r1", status: .finished, totals: ["symbols": 2], finishedAt: Self.t0), at: 4),
        ]
        var planner = TrackingPlanner()
        let all = events.map { planner.plan($0) }
        #expect(metric(all[1], "order_placed", .symbol(runId: "r1", symbol: "MSFT")) == 1)
        #expect(metric(all[2], "order_placed", .symbol(runId: "r1", symbol: "MSFT")) == 1)  // the order came first
        #expect(metric(all[3], "order_placed", .symbol(runId: "r1", symbol: "AAPL")) == 0)
        let finishes = all[4].compactMap { op -> String? in if case .finish(let r, let s, _) = op { return "\(r) \(s)" } else { return nil } }
        #expect(finishes == ["r1/MSFT FINISHED", "r1/AAPL FINISHED", "r1 FINISHED"])
        // Rebuilding from the first three (delivered) records gives the same plan for the rest.
        var rebuilt = TrackingPlanner()
        for e in events.prefix(3) { _ = rebuilt.plan(e) }
        #expect(rebuilt.plan(events[3]) == all[3])
        #expect(rebuilt.plan(events[4]) == all[4])
    }

    @Test func brokerEventsWithoutRunAreNotedNotPlanned() throws {
        var planner = TrackingPlanner()
        let ops = planner.plan(try Self.event(9, Order(symbol: "MSFT", side: .buy, quantity: 5, orderType: .market), runId: nil))
        #expect(ops.isEmpty && planner.unplanned[9] != nil)
    }

    @Test func localSinkIsIdempotentPerRecord() async throws {
        let dir = NSTemporaryDirectory() + "local-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sink = LocalSink(directory: dir, logger: .init(label: "test"))
        var planner = TrackingPlanner()
        let ops = planner.plan(try Self.event(2, Self.record("AAPL")))
        for _ in 0..<2 { #expect(try await sink.deliver(ops, seq: 2, blob: { _ in Data() }).isEmpty) }
        let conflict = [TrackingOp.log(.symbol(runId: "r1", symbol: "AAPL"), LogBatch(params: [MLflowParam("model", "other")]))]
        #expect(try await sink.deliver(conflict, seq: 3, blob: { _ in Data() }).count == 1)
        await sink.idle()
        let lines = try String(contentsOfFile: sink.folder("r1") + "/records.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let state = try #require(await sink.state("r1"))
        #expect(state.symbols["AAPL"]?.params["model"] == "m")
        #expect(FileManager.default.fileExists(atPath: sink.folder("r1") + "/report.html"))
    }
}
