import CandlewickBus
import CandlewickCore
import CandlewickRun
import CandlewickTesting
import Foundation
import Testing

/// A seeded world around the pipeline: workers that lose jobs, answer late (past their lease),
/// answer twice or fail; an order-router that answers pending, not reconciled, nothing, or places;
/// bars that arrive in any order. Every delivery's time comes from the seed, so a failing seed is
/// the whole reproduction.
struct SimulatedRun {
    struct Out { var sentAt: Double; var attempt: Int; var answered = false }

    let settings: RunPipeline.Settings
    var rng: SplitMix64
    var d: Driver
    var pending: [(at: Double, seq: Int, event: RunPipeline.Event)] = []
    var seq = 0
    var charts: [String: Out] = [:]
    var analyses: [String: Out] = [:]
    var inFlight: Set<String> = []
    var decided: Set<String> = []
    /// Every action, as one line (the replay check compares these).
    var trace: [String] = []
    var violations: [String] = []

    init(seed: UInt64) throws {
        rng = SplitMix64(seed: seed)
        let n = Int.random(in: 1...8, using: &rng)
        let window = Int.random(in: 1...3, using: &rng)
        settings = Make.settings((0..<n).map { "S\($0)" }, inFlight: window, lease: 4, attempts: 3) {
            $0.trading = true
            $0.orderDeadline = 30
            $0.timeout = 10_000
        }
        d = Driver(settings)
        var last = 0.0
        for s in settings.universe {
            let at = Double.random(in: 0...3, using: &rng)
            last = max(last, at)
            if Double.random(in: 0...1, using: &rng) < 0.1 {
                schedule(at, .barsFailed(symbol: s, reason: "IB error 162: no data"))
            } else {
                schedule(at, .bars(symbol: s, try Make.marketData(s)))
            }
        }
        schedule(last + 0.01, .barsComplete)
    }

    mutating func schedule(_ at: Double, _ event: RunPipeline.Event) {
        seq += 1
        pending.append((at, seq, event))
    }

    func chance(_ p: Double, _ rng: inout SplitMix64) -> Bool { Double.random(in: 0...1, using: &rng) < p }

    /// Runs to the end (or 2,000 simulated seconds); returns the outcome.
    mutating func run() throws -> RunOutcome? {
        try react(d.send(.start))
        while d.outcome == nil, d.clock.seconds < 2_000 {
            pending.sort { ($0.at, $0.seq) < ($1.at, $1.seq) }
            let nextTick = d.clock.seconds + 0.5
            if let first = pending.first, first.at <= nextTick {
                pending.removeFirst()
                try react(d.advance(max(0, first.at - d.clock.seconds)))
                if d.outcome != nil { break }
                note(first.event)
                try react(d.send(first.event))
            } else {
                try react(d.advance(nextTick - d.clock.seconds))
            }
            checkWindows()
        }
        return d.outcome
    }

    mutating func note(_ event: RunPipeline.Event) {
        switch event {
        case .chartResult(let r, _, _): charts[r.jobId]?.answered = true
        case .analysisResult(let a): analyses[a.jobId]?.answered = true
        case .routerDecision(let symbol, _), .routerUnreachable(let symbol, _): inFlight.remove(symbol)
        default: break
        }
    }

    mutating func react(_ actions: some Collection<RunPipeline.Action>) throws {
        let now = d.clock.seconds
        for action in actions {
            switch action {
            case .sendChartJob(let job, let attempt):
                trace.append("chart \(job.jobId) #\(attempt)")
                if attempt != (charts[job.jobId]?.attempt ?? 0) + 1 || attempt > settings.attempts {
                    violations.append("chart \(job.jobId) sent as attempt \(attempt)")
                }
                charts[job.jobId] = Out(sentAt: now, attempt: attempt, answered: charts[job.jobId]?.answered ?? false)
                if chance(0.15, &rng) { continue }  // the worker dies holding it
                let (r, pngs, digests) = try Make.chartResult(job, status: chance(0.1, &rng) ? "failed" : "ok")
                let copies = chance(0.1, &rng) ? 2 : 1
                for _ in 0..<copies {
                    schedule(now + Double.random(in: 0.2...6, using: &rng), .chartResult(r, charts: pngs, declaredSHA256: digests))
                }
            case .sendAnalysisJob(let job, let pngs, let attempt):
                trace.append("analysis \(job.jobId) #\(attempt)")
                if pngs.count != 2 { violations.append("analysis \(job.jobId) without both charts") }
                analyses[job.jobId] = Out(sentAt: now, attempt: attempt, answered: analyses[job.jobId]?.answered ?? false)
                if chance(0.1, &rng) { continue }
                let action = [SignalAction.buy, .sell, .hold][Int.random(in: 0...2, using: &rng)]
                let result = try Make.analysisResult(job, action)
                let copies = chance(0.1, &rng) ? 2 : 1
                for _ in 0..<copies { schedule(now + Double.random(in: 0.2...20, using: &rng), .analysisResult(result)) }
            case .submitSignal(let s):
                let symbol = s.signal.symbol
                trace.append("submit \(symbol)")
                if !s.signal.isActionable { violations.append("\(symbol): a \(s.signal.action) signal was submitted") }
                if inFlight.contains(symbol) { violations.append("\(symbol): two submissions at once") }
                if decided.contains(symbol) { violations.append("\(symbol): submitted again after a final answer") }
                inFlight.insert(symbol)
                let at = now + Double.random(in: 0.05...2, using: &rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0, 1: schedule(at, .routerDecision(symbol: symbol, Make.decision(s, .pending)))
                case 2: schedule(at, .routerUnreachable(symbol: symbol, reason: "no reply within 20 s"))
                case 3: schedule(at, .routerDecision(symbol: symbol, Make.decision(s, .denied, note: RiskNote(.notReconciled, "journal"))))
                default:
                    decided.insert(symbol)
                    schedule(at, .routerDecision(symbol: symbol, Make.decision(s, .placed)))
                }
            case .requestBrokerSnapshot:
                trace.append("snapshot")
                schedule(now + Double.random(in: 0.05...2, using: &rng), .brokerSnapshot(Make.snapshot()))
            case .finish(let o): trace.append("finish \(o.signals.count) \(o.failures.count)")
            case .track(let r): trace.append("track \(r.kind)")
            default: break
            }
        }
    }

    /// Jobs out at the workers (sent, not answered, not given up) never exceed the stage's window.
    mutating func checkWindows() {
        let now = d.clock.seconds
        func out(_ jobs: [String: Out], lease: Double) -> Int {
            jobs.values.filter { !$0.answered && !($0.attempt == settings.attempts && now >= $0.sentAt + lease) }.count
        }
        if out(charts, lease: settings.lease) > settings.inFlight { violations.append("more than \(settings.inFlight) chart jobs out at \(now)") }
        if out(analyses, lease: settings.lease * 4) > settings.inFlight * 4 { violations.append("analysis window exceeded at \(now)") }
    }
}

@Suite("Run pipeline: seeded random interleavings")
struct RunPipelineSimulationTests {
    @Test("lost, late, doubled and failed results; pending and missing router answers: every symbol ends once, within the rules",
          arguments: 0..<60 as Range<UInt64>)
    func interleavings(seed: UInt64) throws {
        var sim = try SimulatedRun(seed: seed)
        let outcome = try #require(try sim.run(), "seed \(seed): the run never finished")
        #expect(sim.violations.isEmpty, "seed \(seed): \(sim.violations)")
        let signalled = outcome.signals.map(\.signal.symbol)
        #expect(Set(signalled).count == signalled.count, "seed \(seed): a symbol answered twice")
        let failed = Set(outcome.failures.map(\.symbol))
        for s in sim.settings.universe {
            #expect(signalled.contains(s) || failed.contains(s), "seed \(seed): \(s) has neither a signal nor a failure")
        }
        for (symbol, d) in outcome.orders?.decisions ?? [:] {
            #expect(d.outcome == .placed && sim.decided.contains(symbol), "seed \(seed): \(symbol) recorded a non-final answer")
        }
        // The same seed is the same run, action for action.
        var replay = try SimulatedRun(seed: seed)
        _ = try replay.run()
        #expect(replay.trace == sim.trace, "seed \(seed): the replay differs")
    }
}
