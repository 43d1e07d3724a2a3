import CandlewickBus
import CandlewickCore
import CandlewickRun
import CandlewickTesting
import Foundation
import Testing

@Suite("Run pipeline: stages, leases and the in-flight window (manual clock, no sockets)")
struct RunPipelineStageTests {
    @Test("bars → chart job → analysis job → signal → finish, with the chart window and both PNGs carried on")
    func happyPath() throws {
        var d = Driver(Make.settings(["AAA", "BBB"]))
        let jobs = try d.startWithBars()
        #expect(jobs.map(\.jobId) == ["run-t-AAA", "run-t-BBB"])
        #expect(jobs[0].artifactDir == "/tmp/charts/AAA")
        let analyses = try d.render(jobs[0]).analysisJobs
        #expect(analyses.count == 1)
        let window = ChartWindow(bars: Make.bars, lookback: 60)!
        #expect(analyses[0].job.chartLow == window.low && analyses[0].job.chartHigh == window.high)
        #expect(analyses[0].charts.map(\.name) == ["daily_chart.png", "weekly_chart.png"])
        d.send(.analysisResult(try Make.analysisResult(analyses[0].job)))
        #expect(d.outcome == nil, "BBB is still out")
        let second = try d.render(jobs[1]).analysisJobs[0]
        let end = d.send(.analysisResult(try Make.analysisResult(second.job)))
        let outcome = try #require(end.finished)
        #expect(outcome.signals.map(\.signal.symbol) == ["AAA", "BBB"])
        #expect(outcome.failures.isEmpty && outcome.reissued == 0 && outcome.duplicates == 0)
        #expect(outcome.orders == nil, "not a trading run")
    }

    @Test("at most --in-flight chart jobs out, 4x analysis jobs; each result lets the next one out")
    func window() throws {
        var d = Driver(Make.settings((0..<10).map { "S\($0)" }, inFlight: 2))
        let first = try d.startWithBars()
        #expect(first.map(\.marketData.symbol) == ["S0", "S1"])
        let next = try d.render(first[0])
        #expect(next.chartJobs.map(\.job.marketData.symbol) == ["S2"])
        #expect(next.analysisJobs.count == 1)
        // Analysis window is 8: render the rest without answering any analysis.
        var out = [try #require(next.chartJobs.first).job, first[1]]
        var analysisSent = 1
        while let job = out.popLast() {
            let a = try d.render(job)
            out += a.chartJobs.map(\.job)
            analysisSent += a.analysisJobs.count
        }
        #expect(analysisSent == 8, "the other 2 wait in the run owner")
    }

    @Test("a lease times the worker, not the queue: 20 jobs at 1 s each through one worker against a 2.5 s lease")
    func leaseTimesTheWorker() throws {
        func run(window: Int) throws -> Int {
            var d = Driver(Make.settings((0..<20).map { "S\($0)" }, inFlight: window, lease: 2.5))
            var queue = try d.startWithBars()  // what the single worker holds, in order
            while !queue.isEmpty {
                let job = queue.removeFirst()
                d.advance(1)  // the worker takes 1 s per job
                let actions = try d.render(job)
                queue += actions.chartJobs.map(\.job)
                for a in actions.analysisJobs { d.send(.analysisResult(try Make.analysisResult(a.job))) }
                queue += d.advance(0).chartJobs.map(\.job)
            }
            return d.outcome?.reissued ?? -1
        }
        #expect(try run(window: 2) == 0)
        #expect(try run(window: 1000) > 0, "with everything sent at once, queued jobs expire")
    }

    @Test("an expired lease re-issues the job (same attempt count rules); its last expiry is a failure")
    func reissueAndAbandon() throws {
        var d = Driver(Make.settings(["AAA"], lease: 5, attempts: 3))
        let job = try d.startWithBars()[0]
        #expect(d.advance(4.5).chartJobs.isEmpty)
        #expect(d.advance(0.5).chartJobs.map(\.attempt) == [2])
        #expect(d.advance(5).chartJobs.map(\.attempt) == [3])
        let last = d.advance(5)
        #expect(last.chartJobs.isEmpty)
        let outcome = try #require(last.finished)
        #expect(outcome.failures == [RunFailure("AAA", "charts job got no result after 3 attempt(s) (re-issued 2 time(s), lease 5.0 s each)")])
        #expect(last.contains { if case .warn("run.job_given_up", let f) = $0 { f["symbol"] == "AAA" && f["stage"] == "charts" } else { false } })
        #expect(outcome.reissued == 2)
        // A result that comes after the job was given up is ignored.
        #expect(try d.render(job).isEmpty)
    }

    @Test("a late result for a re-issued job is accepted once; the second is a duplicate and sends nothing")
    func duplicates() throws {
        var d = Driver(Make.settings(["AAA"], lease: 5))
        let job = try d.startWithBars()[0]
        #expect(d.advance(6).chartJobs.count == 1)
        #expect(try d.render(job).analysisJobs.count == 1)
        #expect(try d.render(job).analysisJobs.isEmpty)
        let a = try #require(d.log.analysisJobs.first)
        #expect(d.send(.analysisResult(try Make.analysisResult(a.job))).finished != nil)
        #expect(d.send(.analysisResult(try Make.analysisResult(a.job))).isEmpty, "the run is over")
        let outcome = try #require(d.outcome)
        #expect(outcome.duplicates == 1 && outcome.reissued == 1 && outcome.signals.count == 1)
    }

    @Test("failures: bars refused, a failed chart, PNGs that do not match their sha256, a result nobody asked for")
    func failures() throws {
        var d = Driver(Make.settings(["AAA", "BBB", "CCC", "DDD"]))
        d.send(.start)
        d.send(.barsFailed(symbol: "AAA", reason: "IB error 200: No security definition"))
        var jobs: [ChartJob] = []
        for s in ["BBB", "CCC", "DDD"] { jobs += d.send(.bars(symbol: s, try Make.marketData(s))).chartJobs.map(\.job) }
        d.send(.barsComplete)
        let (failed, _, _) = try Make.chartResult(jobs[0], status: "failed")
        #expect(d.send(.chartResult(failed, charts: [], declaredSHA256: [])).analysisJobs.isEmpty)
        let (tampered, original, digests) = try Make.chartResult(jobs[1])
        var pngs = original
        pngs[0][0] ^= 0xFF
        #expect(d.send(.chartResult(tampered, charts: pngs, declaredSHA256: digests)).analysisJobs.isEmpty)
        let stray = try ChartJobResult(jobId: "other-run-ZZZ", symbol: "ZZZ", status: "failed", error: "x", worker: "w", renderMs: 0)
        let warned = d.send(.chartResult(stray, charts: [], declaredSHA256: []))
        #expect(warned.contains { if case .warn("run.unknown_result", _) = $0 { true } else { false } })
        let a = try d.render(jobs[2]).analysisJobs[0]
        let outcome = try #require(d.send(.analysisResult(try Make.analysisResult(a.job))).finished)
        #expect(outcome.failures.map(\.symbol) == ["AAA", "BBB", "CCC"])
        #expect(outcome.failures[0].reason.contains("IB error 200"))
        #expect(outcome.failures[1].reason == "font missing")
        #expect(outcome.failures[2].reason.contains("sha256"))
        #expect(outcome.signals.map(\.signal.symbol) == ["DDD"])
    }

    @Test("--staged holds every chart job until all bars are in; by default each goes out with its bars")
    func staged() throws {
        var staged = Driver(Make.settings(["AAA", "BBB"]) { $0.staged = true })
        staged.send(.start)
        #expect(staged.send(.bars(symbol: "AAA", try Make.marketData("AAA"))).chartJobs.isEmpty)
        #expect(staged.send(.bars(symbol: "BBB", try Make.marketData("BBB"))).chartJobs.isEmpty)
        #expect(staged.send(.barsComplete).chartJobs.count == 2)
        var streaming = Driver(Make.settings(["AAA", "BBB"]))
        streaming.send(.start)
        #expect(streaming.send(.bars(symbol: "AAA", try Make.marketData("AAA"))).chartJobs.count == 1)
    }

    @Test("the run's timeout reports what is still out and ends the run")
    func timeout() throws {
        var d = Driver(Make.settings(["AAA", "BBB"], lease: 100) { $0.timeout = 30 })
        let jobs = try d.startWithBars()
        try d.render(jobs[0])
        let end = d.advance(30)
        let outcome = try #require(end.finished)
        #expect(outcome.failures == [RunFailure("(run)", "2 job(s) still outstanding after 30 s")])
        #expect(outcome.stageSeconds["total"] == 30)
    }

    @Test("stage times: data when the bars are in, charts when the last chart is back, total at the end")
    func stageTimes() throws {
        var d = Driver(Make.settings(["AAA"]))
        d.send(.start)
        d.advance(1)
        let job = d.send(.bars(symbol: "AAA", try Make.marketData("AAA"))).chartJobs[0].job
        d.advance(1)
        d.send(.barsComplete)
        d.advance(2)
        let a = try d.render(job).analysisJobs[0]
        d.advance(3)
        let outcome = try #require(d.send(.analysisResult(try Make.analysisResult(a.job))).finished)
        #expect(outcome.stageSeconds == ["data": 2, "charts": 4, "total": 7])
    }

    @Test("heartbeats are recorded per stage and worker")
    func workerSeen() {
        var d = Driver(Make.settings(["AAA"]))
        d.advance(3)
        d.send(.workerSeen(stage: .charts, instance: "chart-worker.1"))
        #expect(d.pipeline.lastHeard[.charts] == ["chart-worker.1": 3])
    }
}

@Suite("Run pipeline: orders, the paper clock and tracking (manual clock)")
struct RunPipelineOrderTests {
    /// A trading run over AAA (BUY) and BBB (HOLD), up to the first submission.
    func tradingRun(_ configure: (inout RunPipeline.Settings) -> Void = { _ in }) throws -> (Driver, SignalSubmission) {
        var d = Driver(Make.settings(["AAA", "BBB"]) { $0.trading = true; configure(&$0) })
        let jobs = try d.startWithBars()
        var submitted: [SignalSubmission] = []
        for (job, action) in zip(jobs, [SignalAction.buy, .hold]) {
            let a = try d.render(job).analysisJobs[0]
            submitted += d.send(.analysisResult(try Make.analysisResult(a.job, action))).submissions
        }
        #expect(submitted.count == 1, "HOLD is not actionable")
        return (d, try #require(submitted.first))
    }

    @Test("one submission per actionable symbol, with the last close; the run waits for the final answer")
    func submitOnce() throws {
        var (d, s) = try tradingRun()
        #expect(s.signal.symbol == "AAA" && s.lastPrice == Make.bars.last!.close && s.source == "candlewick-run")
        #expect(d.outcome == nil)
        let end = d.send(.routerDecision(symbol: "AAA", Make.decision(s, .placed)))
        #expect(end.contains { if case .requestBrokerSnapshot = $0 { true } else { false } }, "the broker's account of the orders closes every trading run")
        let outcome = try #require(d.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(outcome.orders?.decisions["AAA"]?.outcome == .placed)
        #expect(outcome.stageSeconds["orders"] != nil)
    }

    @Test("pending and not-reconciled answers are asked again after 0.3 s, no answer after 0.5 s, never two at once")
    func retries() throws {
        var (d, s) = try tradingRun()
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .pending)))
        #expect(d.advance(0.25).submissions.isEmpty)
        #expect(d.advance(0.125).submissions.count == 1)
        #expect(d.advance(5).submissions.isEmpty, "one request in flight at a time")
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .denied, note: RiskNote(.notReconciled, "journal"))))
        #expect(d.advance(0.375).submissions.count == 1)
        d.send(.routerUnreachable(symbol: "AAA", reason: "no reply within 20 s"))
        #expect(d.advance(0.375).submissions.isEmpty)
        #expect(d.advance(0.25).submissions.count == 1)
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .denied, note: RiskNote(.halted, "kill switch"))))
        let outcome = try #require(d.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(outcome.orders?.decisions["AAA"]?.note?.code == .halted)
        #expect(outcome.failures.isEmpty)
    }

    @Test("a submission whose answer never comes is asked again after submitTimeout (+1 s), so a lost reply cannot stall the run")
    func lostReply() throws {
        var (d, _) = try tradingRun { $0.submitTimeout = 4 }
        #expect(d.advance(4.5).submissions.isEmpty)
        #expect(d.advance(0.5).submissions.count == 1)
    }

    @Test("no final answer within the order deadline is a failure of that symbol")
    func orderDeadline() throws {
        var (d, s) = try tradingRun { $0.orderDeadline = 2 }
        for _ in 0..<2 {
            d.send(.routerDecision(symbol: "AAA", Make.decision(s, .pending)))
            #expect(d.advance(0.75).submissions.count == 1)
        }
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .pending)))
        let outcome = try #require(d.advance(0.75).finished)
        #expect(outcome.failures == [RunFailure("AAA", "order-router gave no final answer")])
    }

    @Test("demo mode: placed orders advance the paper clock, then the snapshot's fills and portfolio join the outcome")
    func settle() throws {
        var (d, s) = try tradingRun { $0.paperAdvanceDays = 1; $0.paperAdmin = "127.0.0.1:4003" }
        let after = d.send(.routerDecision(symbol: "AAA", Make.decision(s, .placed)))
        #expect(after.contains { if case .advancePaperClock("127.0.0.1:4003", 1) = $0 { true } else { false } })
        let asked = d.send(.paperClockAdvanced("ok as_of=20240105"))
        #expect(asked.contains { if case .requestBrokerSnapshot = $0 { true } else { false } })
        let outcome = try #require(d.send(.brokerSnapshot(Make.snapshot(cash: 99_000))).finished)
        #expect(outcome.orders?.paperDay == "ok as_of=20240105" && outcome.orders?.portfolio?.cash == 99_000)
    }

    @Test("demo mode without ib.paper_admin, or a paper clock that cannot be reached, is a visible failure")
    func settleFailures() throws {
        var (noAdmin, s1) = try tradingRun { $0.paperAdvanceDays = 1 }
        noAdmin.send(.routerDecision(symbol: "AAA", Make.decision(s1, .denied, note: RiskNote(.halted, "kill switch"))))
        #expect(noAdmin.outcome == nil && noAdmin.log.contains { if case .requestBrokerSnapshot = $0 { true } else { false } })
        let o1 = try #require(noAdmin.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(o1.failures.isEmpty, "nothing placed: no clock to advance")
        var (noAdmin2, s3) = try tradingRun { $0.paperAdvanceDays = 1 }
        noAdmin2.send(.routerDecision(symbol: "AAA", Make.decision(s3, .placed)))
        let o3 = try #require(noAdmin2.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(o3.failures.first == RunFailure("(orders)", "run.paper_advance_days is set but ib.paper_admin is not"))
        var (down, s2) = try tradingRun { $0.paperAdvanceDays = 1; $0.paperAdmin = "127.0.0.1:1" }
        down.send(.routerDecision(symbol: "AAA", Make.decision(s2, .placed)))
        let o2 = try #require(down.send(.paperClockFailed("connection refused")).finished)
        #expect(o2.failures == [RunFailure("(orders)", "after the orders: connection refused")])
    }

    @Test("orders are counted from the broker's snapshot: a placed intent IB does not report, and an intent unknown at IB, are ALERT failures")
    func brokerConfirms() throws {
        var (d, s) = try tradingRun()
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .placed)))
        let outcome = try #require(d.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(outcome.orders?.confirmed == [])
        #expect(outcome.orders?.status("AAA") == "NOT CONFIRMED at IB")
        #expect(outcome.failures == [RunFailure("AAA", "ALERT: order-router reported intent-AAA placed, but IB does not report all of its legs")])
        var (u, s2) = try tradingRun()
        u.send(.routerDecision(symbol: "AAA", Make.decision(s2, .unknown, note: RiskNote(.brokerUnconfirmed, "partial_at_ib"))))
        let o2 = try #require(u.send(.brokerSnapshot(Make.snapshot())).finished)
        #expect(o2.orders?.status("AAA") == "UNKNOWN at IB")
        #expect(o2.failures == [RunFailure("AAA", "ALERT: order state unknown at IB (partial_at_ib); check the account")])
    }

    @Test("tracking records wait for the tracker's subscription, in order; the end waits for them (at most trackingWait)")
    func trackingWaits() throws {
        var d = Driver(Make.settings(["AAA"]) { $0.trackingWait = 2 })
        let job = try d.startWithBars()[0]
        let a = try d.render(job).analysisJobs[0]
        let end = d.send(.analysisResult(try Make.analysisResult(a.job)))
        #expect(end.records.isEmpty && end.finished == nil, "nothing goes out before the tracker listens")
        let released = d.send(.trackerListening)
        #expect(released.records.map(\.kind) == ["started", "symbol AAA", "finished FINISHED"])
        #expect(released.finished != nil)
        guard released.records.count == 3, case .symbol(let record, let charts) = released.records[1] else {
            Issue.record("no symbol record")
            return
        }
        #expect(charts.map(\.name) == [SymbolRecord.dailyChartName, SymbolRecord.weeklyChartName])
        #expect(record.latestPrice == Make.bars.last!.close)

        var nobody = Driver(Make.settings(["AAA"]) { $0.trackingWait = 2 })
        let j2 = try nobody.startWithBars()[0]
        let a2 = try nobody.render(j2).analysisJobs[0]
        nobody.send(.analysisResult(try Make.analysisResult(a2.job)))
        #expect(nobody.advance(1.5).finished == nil)
        let late = nobody.advance(0.5)
        #expect(late.records.count == 3 && late.finished != nil, "no tracker: the records go out after trackingWait anyway")
    }

    @Test("each symbol's record is followed by its live record: no raw answer, the chart files relative to the run folder")
    func liveRecordFollowsTheSymbolRecord() throws {
        var d = Driver(Make.settings(["AAA"]) { $0.runFolder = "/srv/runs/./run-t"; $0.chartsDirectory = "/srv/runs/run-t/charts" })
        let job = try d.startWithBars()[0]
        // The daily PNG was written in the run folder, the weekly one somewhere else (it is not named).
        let (r, pngs, digests) = try Make.chartResult(job, filePaths: ["/srv/runs/run-t/charts/AAA/AAA_daily.png", "/elsewhere/AAA_weekly.png"])
        let a = d.send(.chartResult(r, charts: pngs, declaredSHA256: digests)).analysisJobs[0]
        let out = d.send(.analysisResult(try Make.analysisResult(a.job)))
        let kinds = out.compactMap { action -> String? in
            switch action {
            case .track(let record): "track \(record.kind)"
            case .show(let live): "show \(live.symbol)"
            default: nil
            }
        }
        #expect(kinds.suffix(3) == ["track symbol AAA", "show AAA", "track finished FINISHED"])
        let live = try #require(out.compactMap { if case .show(let l) = $0 { l } else { nil } }.first)
        #expect(live.runFolder == "run-t" && live.chartFiles == ["daily": "charts/AAA/AAA_daily.png"])
        #expect(live.runId == "run-t" && live.latestPrice == Make.bars.last!.close && live.inputTokens == 10)

        // Without a run folder the live record names no chart; without tracking there is none.
        var bare = Driver(Make.settings(["AAA"]))
        let j2 = try bare.startWithBars()[0]
        let (r2, p2, d2) = try Make.chartResult(j2, filePaths: ["/tmp/charts/AAA/AAA_daily.png", nil])
        let a2 = bare.send(.chartResult(r2, charts: p2, declaredSHA256: d2)).analysisJobs[0]
        let out2 = bare.send(.analysisResult(try Make.analysisResult(a2.job)))
        let files: [[String: String]] = out2.compactMap { if case .show(let l) = $0 { l.chartFiles } else { nil } }
        #expect(files == [[:]])
        // A run folder whose name is no plain segment ("."): the live record names no folder and no chart, and the audited
        // record still goes out.
        var dot = Driver(Make.settings(["AAA"]) { $0.runFolder = "."; $0.chartsDirectory = "./charts" })
        let j4 = try dot.startWithBars()[0]
        let (r4, p4, d4) = try Make.chartResult(j4, filePaths: ["charts/AAA/AAA_daily.png", nil])
        let a4 = dot.send(.chartResult(r4, charts: p4, declaredSHA256: d4)).analysisJobs[0]
        let out4 = dot.send(.analysisResult(try Make.analysisResult(a4.job)))
        #expect(out4.records.map(\.kind).contains("symbol AAA"))
        let dotLive = try #require(out4.compactMap { if case .show(let l) = $0 { l } else { nil } }.first)
        #expect(dotLive.runFolder == nil && dotLive.chartFiles.isEmpty)
        var untracked = Driver(Make.settings(["AAA"]) { $0.track = false; $0.runFolder = "/tmp" })
        let j3 = try untracked.startWithBars()[0]
        let a3 = try untracked.render(j3).analysisJobs[0]
        #expect(!untracked.send(.analysisResult(try Make.analysisResult(a3.job))).contains { if case .show = $0 { true } else { false } })
    }

    @Test("a chart-only run tracks nothing, sends no analysis, and keeps failed charts in the outcome")
    func chartsOnly() throws {
        var d = Driver(Make.settings(["AAA", "BBB"]) { $0.analyse = false; $0.track = false })
        let jobs = try d.startWithBars()
        #expect(try d.render(jobs[0]).analysisJobs.isEmpty)
        let (failed, _, _) = try Make.chartResult(jobs[1], status: "failed")
        let outcome = try #require(d.send(.chartResult(failed, charts: [], declaredSHA256: [])).finished)
        #expect(outcome.charts.map(\.status) == ["ok", "failed"] && outcome.failures.isEmpty)
        #expect(d.log.records.isEmpty)
    }
}
