import CandlewickBus
import CandlewickCore
import CandlewickRun
import CandlewickTesting
import Foundation
import Testing

@Suite("Run pipeline: the stack's liveness, stopping, and jobs given up (manual clock, no sockets)")
struct RunPipelineLivenessTests {
    /// A run over AAA, BBB, CCC that needs chart- and llm-workers (dead after 5 s without one), with
    /// one of each beating at 0: AAA analysed, BBB rendered (analysis out), CCC's chart out.
    func midRun(_ configure: (inout RunPipeline.Settings) -> Void = { _ in }) throws -> Driver {
        var d = Driver(Make.settings(["AAA", "BBB", "CCC"], lease: 100) {
            ($0.needs, $0.stageDeadAfter) = ([.charts, .analysis], 5)
            configure(&$0)
        })
        d.send(.workerSeen(stage: .charts, instance: "chart-worker.1", liveFor: 6))
        d.send(.workerSeen(stage: .analysis, instance: "llm-worker.1", liveFor: 6))
        let jobs = try d.startWithBars()
        let a = try d.render(jobs[0]).analysisJobs[0]
        d.send(.analysisResult(try Make.analysisResult(a.job)))
        try d.render(jobs[1])
        return d
    }

    /// Heartbeats every 2 s from the workers named, for `seconds`; the actions of the ticks between.
    @discardableResult
    func beat(_ d: inout Driver, _ workers: [(RunPipeline.Stage, String)], for seconds: Double) -> [RunPipeline.Action] {
        var actions: [RunPipeline.Action] = []
        for _ in 0..<Int(seconds / 2) {
            actions += d.advance(2)
            for (stage, instance) in workers { actions += d.send(.workerSeen(stage: stage, instance: instance, liveFor: 6)) }
        }
        return actions
    }

    @Test("live workers keep a slow run going: 60 s of heartbeats, no stop")
    func liveStackRuns() throws {
        var d = try midRun()
        let actions = beat(&d, [(.charts, "chart-worker.1"), (.analysis, "llm-worker.1")], for: 60)
        #expect(actions.finished == nil)
        #expect(!d.pipeline.isFinished)
    }

    @Test("a chart-worker's last heartbeat (stopping): the run stops just after run.stage_dead_s, naming the stage, with what completed and what was cut short")
    func stoppingWorker() throws {
        var d = try midRun()
        beat(&d, [(.charts, "chart-worker.1"), (.analysis, "llm-worker.1")], for: 10)
        d.send(.workerStopping(stage: .charts, instance: "chart-worker.1"))  // at 10 s
        d.send(.workerSeen(stage: .analysis, instance: "llm-worker.1", liveFor: 6))
        #expect(d.advance(5).finished == nil, "5 s without a chart-worker is within the bound")
        let end = d.advance(0.1)
        let outcome = try #require(end.finished)
        let stop = try #require(outcome.stop)
        #expect(stop.code == .stageDead && stop.stages == ["charts"])
        #expect(stop.message.contains("stage charts has had no live chart-worker for 5.1 s (last heard: chart-worker.1 at 10.0 s)"))
        #expect(stop.cutShort == [RunCutShort(symbol: "BBB", stage: "analysis"), RunCutShort(symbol: "CCC", stage: "charts")])
        #expect(outcome.signals.map(\.signal.symbol) == ["AAA"], "what completed is kept")
        #expect(outcome.failures.map(\.symbol) == ["BBB", "CCC"])
        #expect(outcome.failures[1].reason == "cut short in stage charts: the run stopped: no live worker in stage charts")
        #expect(end.records.map(\.kind).last == "finished FAILED")
        #expect(end.contains { if case .warn("run.stopped", let f) = $0 { f["stages"] == "charts" } else { false } })
    }

    @Test("a worker killed without a word (kill -9): live for three heartbeat intervals, then the bound")
    func silentWorker() throws {
        var d = try midRun()
        beat(&d, [(.charts, "chart-worker.1"), (.analysis, "llm-worker.1")], for: 4)
        // chart-worker.1 last beat at 4 s (live until 10 s); the llm-worker goes on.
        let quiet = beat(&d, [(.analysis, "llm-worker.1")], for: 10)  // to 14 s
        #expect(quiet.finished == nil)
        d.advance(1)  // 15 s: 5 s since it stopped counting as live
        let outcome = try #require(d.advance(0.1).finished)
        #expect(outcome.stop?.stages == ["charts"])
    }

    @Test("another worker of the stage keeps it alive; a stage never heard from is not watched (a run that cannot hear the bus keeps to its leases)")
    func otherWorkerAndNeverHeard() throws {
        var d = try midRun()
        d.send(.workerSeen(stage: .charts, instance: "chart-worker.2", liveFor: 6))
        d.send(.workerStopping(stage: .charts, instance: "chart-worker.1"))
        #expect(beat(&d, [(.charts, "chart-worker.2"), (.analysis, "llm-worker.1")], for: 20).finished == nil)

        var never = Driver(Make.settings(["AAA"], lease: 1000) { ($0.needs, $0.stageDeadAfter) = ([.orders, .charts], 5); $0.trading = true })
        _ = try never.startWithBars()
        #expect(never.advance(100).finished == nil)
        never.send(.workerSeen(stage: .orders, instance: "order-router.1", liveFor: 6))
        #expect(never.advance(11).finished == nil)
        let stop = try #require(never.advance(0.1).finished?.stop)
        #expect(stop.stages == ["orders"] && stop.message.contains("no live order-router for 5.1 s (last heard: order-router.1 at 100.0 s)"))
    }

    @Test("a stage is watched only while the run uses it: chart-workers may go once every chart is back")
    func onlyWhileInUse() throws {
        var d = Driver(Make.settings(["AAA"]) { ($0.needs, $0.stageDeadAfter) = ([.charts, .analysis], 5) })
        d.send(.workerSeen(stage: .charts, instance: "chart-worker.1", liveFor: 6))
        let job = try d.startWithBars()[0]
        let a = try d.render(job).analysisJobs[0]
        d.send(.workerStopping(stage: .charts, instance: "chart-worker.1"))
        #expect(beat(&d, [(.analysis, "llm-worker.1")], for: 30).finished == nil)
        let outcome = try #require(d.send(.analysisResult(try Make.analysisResult(a.job))).finished)
        #expect(outcome.stop == nil && outcome.failures.isEmpty)
    }

    @Test("a stop (SIGTERM): finished at once, even before the tracker listens; the symbol whose submission was out is cut short in orders")
    func stopSignal() throws {
        var d = Driver(Make.settings(["AAA", "BBB"]) { ($0.trading, $0.trackingWait) = (true, 60) })
        let jobs = try d.startWithBars()
        let a = try d.render(jobs[0]).analysisJobs[0]
        #expect(d.send(.analysisResult(try Make.analysisResult(a.job, .buy))).submissions.count == 1)
        d.advance(1)
        let end = d.send(.stop(reason: "SIGTERM"))
        let outcome = try #require(end.finished)
        #expect(outcome.stop?.code == .signal && outcome.stop?.message == "stopped by SIGTERM at 1.0 s")
        #expect(outcome.stop?.cutShort == [RunCutShort(symbol: "AAA", stage: "orders"), RunCutShort(symbol: "BBB", stage: "charts")])
        #expect(end.records.map(\.kind) == ["started", "symbol AAA", "finished FAILED"], "held records go out with the end")
        #expect(d.send(.tick).isEmpty && d.send(.stop(reason: "SIGINT")).isEmpty, "the run is over")
    }

    @Test("a stop while waiting for the broker's snapshot cuts the snapshot short; a stop while bars are coming names the bars stage")
    func stopSettlingAndBars() throws {
        var d = Driver(Make.settings(["AAA"]) { $0.trading = true })
        let a = try d.render(try d.startWithBars()[0]).analysisJobs[0]
        let s = d.send(.analysisResult(try Make.analysisResult(a.job, .buy))).submissions[0]
        d.send(.routerDecision(symbol: "AAA", Make.decision(s, .placed)))
        let outcome = try #require(d.send(.stop(reason: "SIGTERM")).finished)
        #expect(outcome.stop?.cutShort == [RunCutShort(symbol: "(orders)", stage: "broker snapshot")])
        #expect(outcome.orders?.decisions["AAA"]?.outcome == .placed, "what the router decided is kept")

        var early = Driver(Make.settings(["AAA", "BBB"]))
        early.send(.start)
        early.send(.bars(symbol: "AAA", try Make.marketData("AAA")))
        let cut = try #require(early.send(.stop(reason: "SIGINT")).finished?.stop?.cutShort)
        #expect(cut == [RunCutShort(symbol: "AAA", stage: "charts"), RunCutShort(symbol: "BBB", stage: "bars")])
    }

    @Test("a job is issued at most --attempts times; then its symbol fails with the reason at once, and the run goes on")
    func givenUp() throws {
        var d = Driver(Make.settings(["AAA", "BBB"], lease: 10, attempts: 2))
        let jobs = try d.startWithBars()
        try d.render(jobs[1])
        #expect(d.advance(10).chartJobs.map(\.attempt) == [2])
        #expect(d.advance(5).chartJobs.isEmpty)
        let given = d.advance(5)
        #expect(given.chartJobs.isEmpty, "no third attempt")
        #expect(given.contains { if case .warn("run.job_given_up", let f) = $0 { f["job.id"] == "run-t-AAA" && f["attempts"] == "2" } else { false } })
        #expect(given.finished == nil, "BBB's analysis is still out")
        let b = try #require(d.log.analysisJobs.first)
        let outcome = try #require(d.send(.analysisResult(try Make.analysisResult(b.job))).finished)
        #expect(outcome.failures == [RunFailure("AAA", "charts job got no result after 2 attempt(s) (re-issued 1 time(s), lease 10.0 s each)")])
        #expect(outcome.reissued == 1 && outcome.stop == nil)
        #expect(d.log.chartJobs.filter { $0.job.jobId == "run-t-AAA" }.count == 2)
    }
}
