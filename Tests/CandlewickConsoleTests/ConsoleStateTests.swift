import CandlewickConsole
import CandlewickCore
import Foundation
import Testing

@Suite struct ConsoleStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func heartbeat(_ instance: String, state: String = "running", interval: Double = 1, counters: [String: Double] = [:]) throws -> Heartbeat {
        try Heartbeat(process: String(instance.prefix { $0 != "." }), instance: instance, pid: 42, host: "h", startedAt: t0, state: state,
                      intervalS: interval, counters: counters)
    }

    /// A symbol's `live.symbol` record, with the chart files the run owner names (default: both, in the run folder `run`).
    func record(_ run: String, _ symbol: String, action: SignalAction = .buy, reasons: [String] = [],
                charts: [String] = ["daily", "weekly"]) throws -> LiveSymbolRecord {
        let signal = try TradingSignal(symbol: symbol, action: action, confidence: .high, confidenceScore: 80, entryPrice: 101, stopLoss: 95,
                                       takeProfit: 110, reasoning: "trend", timestamp: t0)
        let files = Dictionary(uniqueKeysWithValues: charts.map { ($0, "charts/\(symbol)/\(symbol)_\($0).png") })
        return try LiveSymbolRecord(runId: run, symbol: symbol, signal: signal, reasons: reasons, llmProvider: "rules",
                                    llmModel: "rules-v1", promptVersion: "p1", llmLatencyMs: 12, costUsd: 0.002, latestPrice: 100,
                                    stageTimings: ["charts": 0.2, "analysis": 0.1], runFolder: run, chartFiles: files)
    }

    func object(_ data: Data) throws -> [String: Any] { try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]) }

    @Test func aProcessIsStaleAfterThreeSilentIntervals() throws {
        var state = ConsoleState()
        _ = state.apply(type: "heartbeat", runId: nil, payload: try heartbeat("chart-worker.1", interval: 2, counters: ["jobs": 3]), receivedAt: t0)
        _ = state.apply(type: "heartbeat", runId: nil, payload: try heartbeat("order-router.1", interval: 5), receivedAt: t0)
        func rows(at s: TimeInterval) throws -> [String: Bool] {
            let list = try #require(try JSONSerialization.jsonObject(with: state.processesJSON(now: t0.addingTimeInterval(s))) as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: list.map { (($0["heartbeat"] as! [String: Any])["instance"] as! String, $0["stale"] as! Bool) })
        }
        #expect(try rows(at: 6) == ["chart-worker.1": false, "order-router.1": false])
        #expect(try rows(at: 6.5) == ["chart-worker.1": true, "order-router.1": false])
        #expect(try rows(at: 15.5) == ["chart-worker.1": true, "order-router.1": true])
        // A new heartbeat makes it fresh again, and its counters are what the page shows.
        _ = state.apply(type: "heartbeat", runId: nil, payload: try heartbeat("chart-worker.1", interval: 2, counters: ["jobs": 9]), receivedAt: t0.addingTimeInterval(15))
        #expect(try rows(at: 15.5)["chart-worker.1"] == false)
        let list = try #require(try JSONSerialization.jsonObject(with: state.processesJSON(now: t0.addingTimeInterval(15.5))) as? [[String: Any]])
        #expect(((list[0]["heartbeat"] as? [String: Any])?["counters"] as? [String: Double])?["jobs"] == 9)
        #expect((list[0]["age_s"] as? Double) == 0.5)
    }

    @Test func theProcessListLeavesTheMetricsTextOutAndKeepsItForMetrics() throws {
        var state = ConsoleState()
        let text = "candlewick_jobs_total{process=\"chart-worker\",instance=\"chart-worker.1\"} 3\n"
        let hb = try Heartbeat(process: "chart-worker", instance: "chart-worker.1", pid: 42, host: "h", startedAt: t0, state: "running",
                               intervalS: 2, counters: ["jobs": 3], metrics: text)
        let updates = state.apply(type: "heartbeat", runId: nil, payload: hb, receivedAt: t0)
        let shown = String(decoding: updates[0].value, as: UTF8.self)
        #expect(!shown.contains("candlewick_jobs_total") && !shown.contains("\"metrics\""), "the page never shows the metrics text")
        let list = try #require(try JSONSerialization.jsonObject(with: state.processesJSON(now: t0)) as? [[String: Any]])
        #expect(((list[0]["heartbeat"] as? [String: Any])?["counters"] as? [String: Double]) == ["jobs": 3])
        #expect(state.processes["chart-worker.1"]?.heartbeat.metrics == text, "kept for /metrics")
    }

    @Test func theRunsProgressFollowsItsRecordsAndANewRunStartsAfresh() throws {
        var state = ConsoleState()
        _ = state.apply(type: "run.started", runId: "r1", payload: try RunStarted(runId: "r1", symbols: ["AAPL", "MSFT", "SPY"], startedAt: t0), receivedAt: t0)
        let updates = state.apply(type: "live.symbol", runId: "r1", payload: try record("r1", "AAPL"), receivedAt: t0)
        #expect(updates.map(\.section) == ["symbol", "progress"])
        // A record changes the run's progress, sent alone: not the run's header with its list of symbols.
        #expect(updates[1].key == "r1")
        let progress1 = try object(updates[1].value)
        #expect(progress1["total"] as? Int == 3 && progress1["recorded"] as? Int == 1 && progress1["decided"] as? Int == 0)
        #expect(progress1["stages"] as? [String: Int] == ["analysis": 1, "charts": 1])
        #expect(!String(decoding: updates[1].value, as: UTF8.self).contains("MSFT"))
        let shown = try object(updates[0].value)
        #expect((shown["charts"] as? [String: String]) == ["daily": "/charts/r1/AAPL/daily.png", "weekly": "/charts/r1/AAPL/weekly.png"])
        #expect(((shown["signal"] as? [String: Any])?["action"] as? String) == "BUY")
        #expect(shown["latest_price"] as? Double == 100 && shown["llm_provider"] as? String == "rules" && shown["cost_usd"] as? Double == 0.002)
        // The chart URLs lead to the files the record names, in its run folder; nothing for another run or an unnamed chart.
        #expect(state.chartFile(runId: "r1", symbol: "AAPL", timeframe: "weekly") == ["r1", "charts", "AAPL", "AAPL_weekly.png"])
        #expect(state.chartFile(runId: "r0", symbol: "AAPL", timeframe: "weekly") == nil)
        // A record without its weekly chart links only the daily one.
        let second = state.apply(type: "live.symbol", runId: "r1", payload: try record("r1", "MSFT", action: .hold, reasons: ["grounding.entry: far"], charts: ["daily"]), receivedAt: t0)
        #expect((try object(second[0].value)["charts"] as? [String: String]) == ["daily": "/charts/r1/MSFT/daily.png"])
        #expect((try object(second[0].value)["reasons"] as? [String]) == ["grounding.entry: far"])
        #expect(state.chartFile(runId: "r1", symbol: "MSFT", timeframe: "weekly") == nil)
        // The same record again does not count twice.
        _ = state.apply(type: "live.symbol", runId: "r1", payload: try record("r1", "MSFT"), receivedAt: t0)
        let decision = RouterDecision(runId: "r1", symbol: "AAPL", signalId: "s", intentId: "i", outcome: .denied)
        let decided = state.apply(type: "router.decision", runId: "r1", payload: decision, receivedAt: t0)
        #expect(decided.map(\.section) == ["decision", "progress"])
        #expect(try object(decided[1].value)["decided"] as? Int == 1)
        let run = try object(state.runJSON())
        let progress = try #require(run["progress"] as? [String: Any])
        #expect(progress["total"] as? Int == 3 && progress["recorded"] as? Int == 2 && progress["decided"] as? Int == 1)
        #expect(progress["stages"] as? [String: Int] == ["analysis": 2, "charts": 2])
        #expect(run["finished"] is NSNull)
        _ = state.apply(type: "run.finished", runId: "r1", payload: try RunFinished(runId: "r1", status: .finished, finishedAt: t0), receivedAt: t0)
        #expect(((try object(state.runJSON())["finished"]) as? [String: Any])?["status"] as? String == "FINISHED")
        // A finish of another run changes nothing.
        #expect(state.apply(type: "run.finished", runId: "zz", payload: try RunFinished(runId: "zz", status: .failed, finishedAt: t0), receivedAt: t0).isEmpty)
        _ = state.apply(type: "run.started", runId: "r2", payload: try RunStarted(runId: "r2", symbols: ["GOOG"], startedAt: t0), receivedAt: t0)
        #expect(state.run?.records.isEmpty == true && state.run?.decisions.isEmpty == true && state.run?.runId == "r2")
    }

    @Test func aRecordOfARunStartedBeforeTheConsoleIsWatchedFromThere() throws {
        var state = ConsoleState()
        let updates = state.apply(type: "live.symbol", runId: "old", payload: try record("old", "SPY"), receivedAt: t0)
        #expect(updates.map(\.section) == ["run", "symbol", "progress"])
        #expect(state.run?.runId == "old" && state.run?.records.keys.sorted() == ["SPY"])
        // A record that names no chart file (charts not kept on disk) shows none, and stays valid JSON.
        let bare = state.apply(type: "live.symbol", runId: "old", payload: try record("old", "QQQ", charts: []), receivedAt: t0)
        #expect((try object(bare[0].value)["charts"] as? [String: String]) == [:])
        #expect(state.chartFile(runId: "old", symbol: "QQQ", timeframe: "daily") == nil)
    }

    @Test func ordersAreKeptPerReferenceAndBounded() throws {
        var state = ConsoleState()
        for i in 0..<(ConsoleState.maxOrders + 20) {
            let o = BrokerOrder(orderRef: "cw-\(i)-E", brokerOrderId: i + 1, permId: i + 1, symbol: "AAPL", side: .buy, orderType: "LMT",
                                    quantity: 10, filled: 0, avgFillPrice: nil, status: "Submitted", parentId: 0, ocaGroup: "")
            _ = state.apply(type: "broker.order", runId: nil, payload: o, receivedAt: t0)
        }
        #expect(state.orders.count == ConsoleState.maxOrders)
        #expect(state.orders["cw-0-E"] == nil && state.orders["cw-\(ConsoleState.maxOrders + 19)-E"] != nil)
    }

    @Test func theSnapshotCarriesEverySectionAndTheActions() throws {
        var state = ConsoleState()
        _ = state.apply(type: "heartbeat", runId: nil, payload: try heartbeat("tracker.1"), receivedAt: t0)
        _ = state.setTradingState(TradingStateReport(state: .halted, reason: "kill", changedAt: t0, dailyNotional: 0, dailyRealizedPnl: 0))
        let snap = try object(state.snapshotJSON(now: t0, pastRuns: Data("[{\"name\":\"r0\"}]".utf8), actions: ["halt", "reduce", "resume", "flatten"],
                                                 confirm: ["flatten"], operatorEnabled: true))
        #expect(Set(snap.keys) == ["now", "processes", "run", "symbols", "decisions", "orders", "trades", "portfolio", "trading", "runs", "actions",
                                   "confirm", "operator_enabled"])
        #expect(snap["confirm"] as? [String] == ["flatten"])
        #expect((snap["trading"] as? [String: Any])?["state"] as? String == "HALTED")
        #expect(snap["actions"] as? [String] == ["halt", "reduce", "resume", "flatten"])
        #expect((snap["processes"] as? [Any])?.count == 1)
    }
}
