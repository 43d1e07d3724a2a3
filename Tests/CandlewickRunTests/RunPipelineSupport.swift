import CandlewickBus
import CandlewickCore
import CandlewickRun
import CandlewickTesting
import Foundation

/// Builds the messages workers and order-router would send, without rendering or a model.
enum Make {
    static let bars = try! syntheticBars(300)

    static func marketData(_ symbol: String) throws -> MarketData {
        try MarketData(symbol: symbol, bars: bars, fetchedAt: bars.last!.timestamp)
    }

    /// Two fake PNGs for `job`, the ok result describing them, and the sha256 its envelope would declare.
    /// `filePaths`: where the worker says it wrote the daily and weekly PNG (nil: not written).
    static func chartResult(_ job: ChartJob, status: String = "ok", worker: String = "chart-worker.1", filePaths: [String?] = [nil, nil]) throws
        -> (ChartJobResult, [Data], [String])
    {
        let symbol = job.marketData.symbol
        guard status == "ok" else {
            return (try ChartJobResult(jobId: job.jobId, symbol: symbol, status: "failed", error: "font missing", worker: worker, renderMs: 1),
                    [], [])
        }
        let pngs = [Data("daily \(symbol)".utf8), Data("weekly \(symbol)".utf8)]
        let digests = pngs.map { SHA256Digest.hex(of: $0) }
        let charts = try zip([Timeframe.daily, .weekly], zip(pngs, digests)).enumerated().map { i, c in
            try ChartResult(symbol: symbol, timeframe: c.0, width: 1920, height: 1080, filePath: filePaths[i], attachment: i, byteSize: c.1.0.count, sha256: c.1.1,
                            indicatorsDrawn: ["sma20"], barsShown: 60, renderedAt: ManualClock.epoch)
        }
        let indicators = try TechnicalIndicators(symbol: symbol, timestamp: bars.last!.timestamp, sma20: 100)
        let result = try ChartJobResult(jobId: job.jobId, symbol: symbol, status: "ok", charts: charts, indicators: indicators,
                                        worker: worker, renderMs: 5, lastClose: job.marketData.latestPrice)
        return (result, pngs, digests)
    }

    static func signal(_ symbol: String, _ action: SignalAction, id: String) throws -> TradingSignal {
        try TradingSignal(signalId: id, symbol: symbol, action: action, confidence: .high, confidenceScore: 80,
                          entryPrice: action == .hold ? nil : 100, stopLoss: action == .hold ? nil : (action == .buy ? 95 : 105),
                          takeProfit: action == .hold ? nil : (action == .buy ? 110 : 90), reasoning: "test", timestamp: ManualClock.epoch)
    }

    static func analysisResult(_ job: AnalysisJob, _ action: SignalAction = .hold) throws -> AnalysisResult {
        try AnalysisResult(jobId: job.jobId, signal: try signal(job.symbol, action, id: "sig-" + job.jobId), reasons: [], rawAnswer: "{}",
                           inputTokens: 10, outputTokens: 5, imageTokens: nil, latencyMs: 3, attempts: 1, cached: false, worker: "llm-worker.1")
    }

    static func decision(_ s: SignalSubmission, _ outcome: RouterDecision.Outcome, note: RiskNote? = nil) -> RouterDecision {
        RouterDecision(runId: s.runId, symbol: s.signal.symbol, signalId: s.signal.signalId, intentId: "intent-\(s.signal.symbol)",
                       outcome: outcome, note: note)
    }

    /// gateway-bridge's account with no orders at IB.
    static func snapshot(cash: Decimal = 100_000) -> BrokerSnapshot {
        let portfolio = try! Portfolio(cash: cash, positions: [], timestamp: ManualClock.epoch)
        return BrokerSnapshot(accounts: ["DU1"], orders: [], executions: [], portfolio: portfolio, accountValues: [:],
                              connectionEpoch: 1, takenAt: ManualClock.epoch)
    }

    static func settings(_ universe: [String], inFlight: Int = 32, lease: Double = 10, attempts: Int = 3,
                         configure: (inout RunPipeline.Settings) -> Void = { _ in }) -> RunPipeline.Settings {
        var s = RunPipeline.Settings(runId: "run-t", universe: universe, chartsDirectory: "/tmp/charts")
        (s.inFlight, s.lease, s.attempts, s.trackingWait) = (inFlight, lease, attempts, 0)
        configure(&s)
        return s
    }
}

/// A pipeline with a manual clock; keeps every action it emitted.
struct Driver {
    var pipeline: RunPipeline
    var clock = ManualClock()
    var log: [RunPipeline.Action] = []

    init(_ settings: RunPipeline.Settings) { pipeline = RunPipeline(settings: settings) }

    @discardableResult
    mutating func send(_ event: RunPipeline.Event) -> [RunPipeline.Action] {
        let actions = pipeline.handle(event, now: clock.seconds)
        log += actions
        return actions
    }

    /// Moves the clock and tells the pipeline.
    @discardableResult
    mutating func advance(_ seconds: Double) -> [RunPipeline.Action] {
        clock.advance(seconds)
        return send(.tick)
    }

    /// Start, bars for every symbol, bars complete: the chart jobs sent.
    mutating func startWithBars() throws -> [ChartJob] {
        var actions = send(.start)
        for s in pipeline.settings.universe { actions += send(.bars(symbol: s, try Make.marketData(s))) }
        actions += send(.barsComplete)
        return actions.chartJobs.map(\.job)
    }

    /// Answers a chart job with a good result: the analysis jobs (and chart jobs) it lets out.
    @discardableResult
    mutating func render(_ job: ChartJob) throws -> [RunPipeline.Action] {
        let (r, pngs, digests) = try Make.chartResult(job)
        return send(.chartResult(r, charts: pngs, declaredSHA256: digests))
    }

    var outcome: RunOutcome? {
        for case .finish(let o) in log { return o }
        return nil
    }
}

extension Array where Element == RunPipeline.Action {
    var chartJobs: [(job: ChartJob, attempt: Int)] { compactMap { if case .sendChartJob(let j, let a) = $0 { (j, a) } else { nil } } }
    var analysisJobs: [(job: AnalysisJob, charts: [Attachment], attempt: Int)] {
        compactMap { if case .sendAnalysisJob(let j, let c, let a) = $0 { (j, c, a) } else { nil } }
    }
    var submissions: [SignalSubmission] { compactMap { if case .submitSignal(let s) = $0 { s } else { nil } } }
    var records: [RunPipeline.RunRecord] { compactMap { if case .track(let r) = $0 { r } else { nil } } }
    var finished: RunOutcome? { compactMap { if case .finish(let o) = $0 { o } else { nil } }.first }
}

extension RunPipeline.RunRecord {
    var kind: String {
        switch self {
        case .started: "started"
        case .symbol(let r, _): "symbol \(r.symbol)"
        case .finished(let status, _): "finished \(status.rawValue)"
        }
    }
}
