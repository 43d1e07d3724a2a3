import CandlewickBus
import CandlewickChartWorker
import CandlewickCore
import CandlewickLLM
import CandlewickRouter
import CandlewickRun
import CandlewickTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

let quiet: Logger = {
    var l = Logger(label: "service-test")
    l.logLevel = .critical
    return l
}()

/// Runs `services` as child tasks while `body` runs, then cancels them (the structured way: nothing outlives the test).
func with<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for s in services { group.addTask { try await s.run() } }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// A chart job over seeded bars, and the analysis job a run owner makes from its rendered result.
enum Jobs {
    static func chart(_ symbol: String, seed: UInt64 = 12345, dir: String? = nil) throws -> ChartJob {
        let bars = try syntheticBars(400, seed: seed)
        let md = try MarketData(symbol: symbol, bars: bars, fetchedAt: bars.last!.timestamp)
        return try ChartJob(jobId: "job-\(symbol)", marketData: md, daily: ChartConfig(symbol: symbol, timeframe: .daily),
                            weekly: ChartConfig(symbol: symbol, timeframe: .weekly), artifactDir: dir)
    }

    static func analysis(_ symbol: String) throws -> (AnalysisJob, [CandlewickBus.Attachment]) {
        let job = try chart(symbol)
        let (r, pngs) = try ChartJobRunner(worker: "local").run(job)
        let window = ChartWindow(bars: job.marketData.bars, lookback: 60)!
        let a = try AnalysisJob(jobId: job.jobId, symbol: symbol, lastClose: r.lastClose!, chartLow: window.low, chartHigh: window.high,
                                indicators: r.indicators!, weeklyIndicators: r.weeklyIndicators)
        return (a, zip(["daily_chart.png", "weekly_chart.png"], pngs).map { CandlewickBus.Attachment(name: $0, contentType: "image/png", data: $1) })
    }
}

func tempDirectory(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "cw-\(name)-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// One test body per service, run against the in-memory twins and over real ZeroMQ (loopback TCP),
/// as hummingbird runs its tests `.router` and `.live`.
@Suite("Services: one test body, in memory and over ZeroMQ")
struct ServiceModeTests {
    @Test("chart-worker: a chart job in, a result out with both PNGs as frames matching their sha256", arguments: BusMode.allCases)
    func chartWorker(mode: BusMode) async throws {
        try await TestBus.with(mode) { bus in
            let stage = try bus.workStage("chart", worker: "chart-worker.t")
            let worker = try ChartWorkerService(worker: "chart-worker.t", jobs: stage.workerJobs, results: stage.workerResults, logger: quiet)
            let m = try await with([worker]) {
                try stage.jobs.publish(try Jobs.chart("AAA"), runId: "r1")
                return try await stage.results.first(1)[0]
            }
            let r = try #require(m.payload(as: ChartJobResult.self))
            #expect(r.jobId == "job-AAA" && r.status == "ok" && r.worker == "chart-worker.t" && m.header.runId == "r1")
            #expect(m.attachments.count == 2)
            #expect(m.attachments.map { SHA256Digest.hex(of: $0) } == r.charts.map(\.sha256))
            #expect(m.attachments.allSatisfy { $0.starts(with: [0x89, 0x50, 0x4E, 0x47]) }, "PNG signatures")
            #expect(worker.counters.snapshot["jobs_done"] == 1)
        }
    }

    @Test("llm-worker: charts and numbers in, a validated signal out; a job without its charts is HOLD with the reason",
          arguments: BusMode.allCases)
    func llmWorker(mode: BusMode) async throws {
        try await TestBus.with(mode) { bus in
            let stage = try bus.workStage("llm", worker: "llm-worker.t")
            let worker = AnalysisService(jobs: stage.workerJobs, results: stage.workerResults, analyst: .rules, worker: "llm-worker.t", logger: quiet)
            let (job, charts) = try Jobs.analysis("AAA")
            let answers = try await with([worker]) {
                try stage.jobs.publish(job, runId: "r1", attachments: charts)
                try stage.jobs.publish(try AnalysisJob(jobId: "bare", symbol: "AAA", lastClose: job.lastClose, chartLow: job.chartLow,
                                                       chartHigh: job.chartHigh, indicators: job.indicators), runId: "r1")
                return try await stage.results.first(2).compactMap { $0.payload(as: AnalysisResult.self) }
            }
            let full = try #require(answers.first { $0.jobId == job.jobId })
            #expect(full.signal.symbol == "AAA" && full.signal.provider == RulesAnalyst.provider && full.reasons.isEmpty)
            let bare = try #require(answers.first { $0.jobId == "bare" })
            #expect(bare.signal.action == .hold && bare.reasons.contains { $0.contains("0 chart attachment(s)") })
        }
    }

    @Test("order-router: a signal is placed once (a second submission is a duplicate), and halt stops new orders",
          arguments: BusMode.allCases)
    func orderRouter(mode: BusMode) async throws {
        try await TestBus.with(mode) { bus in
            let broker = FakeBroker()
            let router = OrderRouter(journal: try IntentJournal(path: tempDirectory("router") + "/intents.jsonl"), gateway: broker,
                                     policy: RiskPolicy(), allowedSources: ["test"], logger: quiet, publish: { _, _ in })
            let server = RequestServer(channel: try bus.bind(.router, "router"), endpoint: "router", source: "order-router.t", logger: quiet)
            let events = BusSubscriber(source: try bus.subscribe([BrokerOrder.messageType]), logger: quiet)
            let client = RequestClient(channel: try bus.connect(.dealer, "router"), source: "test", logger: quiet)
            let service = RouterService(router: router, server: server, events: events, logger: quiet)
            func submit(_ symbol: String) async throws -> RouterDecision {
                let signal = try TradingSignal(signalId: "sig-\(symbol)", symbol: symbol, action: .buy, confidence: .high, confidenceScore: 80,
                                               entryPrice: 100, stopLoss: 95, takeProfit: 110, reasoning: "test", timestamp: Date())
                let s = try SignalSubmission(runId: "r1", signal: signal, lastPrice: 100, source: "test")
                // Until the start-up reconciliation is done the answer is not final: ask again, as the run owner does.
                let deadline = ContinuousClock.now + .seconds(20)
                while true {
                    let d = try #require(try await client.request(s, runId: "r1", timeout: .seconds(10)).payload(as: RouterDecision.self))
                    if d.note?.code != .notReconciled || ContinuousClock.now > deadline { return d }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            try await with([service]) {
                #expect(try await submit("AAA").outcome == .placed)
                #expect(try await submit("AAA").outcome == .duplicate)
                let halt = try await client.request(try TradingCommand(action: .halt, reason: "test", source: "test"), timeout: .seconds(10))
                #expect(halt.payload(as: TradingStateReport.self)?.state == .halted)
                #expect(try await submit("BBB").note?.code == .halted)
            }
            #expect(broker.places == 1 && broker.refs.count == 3, "one bracket: entry, take-profit, stop-loss")
            await client.close()
        }
    }

    @Test("a request nobody answers fails with the stable code timeout, a closed client with closed, a cancelled one at once",
          arguments: BusMode.allCases)
    func requestCodes(mode: BusMode) async throws {
        try await TestBus.with(mode) { bus in
            let silent = try bus.bind(.router, "silent")  // bound, never answers
            let client = RequestClient(channel: try bus.connect(.dealer, "silent"), source: "test", logger: quiet)
            do {
                _ = try await client.request(try Probe(n: 1, body: "hello?"), timeout: .milliseconds(200))
                Issue.record("a reply came from nowhere")
            } catch let e as BusError {
                #expect(e.code == "timeout" && e.description.contains("no reply within"))
            }
            // Closed while the request waits, or before it is sent: either way the answer is `closed`, never a 30 s timeout.
            async let pending = client.request(try Probe(n: 2, body: "still there?"), timeout: .seconds(30))
            await client.close()
            do {
                _ = try await pending
                Issue.record("a closed client answered")
            } catch let e as BusError {
                #expect(e.code == "closed")
            }
            // A waiting request ends as soon as its task is cancelled, not when its deadline passes.
            let asker = RequestClient(channel: try bus.connect(.dealer, "silent"), source: "test", logger: quiet)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        _ = try await asker.request(try Probe(n: 3, body: "anyone?"), timeout: .seconds(60))
                        Issue.record("a reply came from nowhere")
                    } catch {
                        #expect(error is CancellationError, "cancelled, not timed out: \(error)")
                    }
                }
                group.cancelAll()
            }
            await asker.close()
            _ = silent
        }
    }

    @Test("run owner: bars → chart-worker → llm-worker → order-router → tracker records, end to end in one process",
          arguments: BusMode.allCases)
    func runPipeline(mode: BusMode) async throws {
        try await TestBus.with(mode) { bus in
            // Seeded synthetic series: the rules analyst finds actionable signals in some of them (checked below).
            let universe = (1...24).map { String(format: "SYN%02d", $0) }
            let folder = tempDirectory("run")
            let broker = FakeBroker()
            let router = OrderRouter(journal: try IntentJournal(path: folder + "/intents.jsonl"), gateway: broker, policy: RiskPolicy(),
                                     allowedSources: [RunPipeline.submitterSource], logger: quiet, publish: { _, _ in })
            let routerService = RouterService(router: router, server: RequestServer(channel: try bus.bind(.router, "router"), endpoint: "router",
                                                                                     source: "order-router.t", logger: quiet),
                                              events: BusSubscriber(source: try bus.subscribe([BrokerOrder.messageType]), logger: quiet), logger: quiet)
            let tracked = Inbox(try bus.subscribe(["run."]))
            let watched = Inbox(try bus.subscribe([LiveSymbolRecord.messageType]))
            let gateway = BrokerSnapshotService(broker: broker, server: RequestServer(channel: try bus.bind(.router, "gateway"), endpoint: "gateway",
                                                                                       source: "gateway-bridge.t", logger: quiet))
            let channels = RunChannels(chartJobs: try bus.bind(.push, "chart.jobs"), chartResults: try bus.bind(.pull, "chart.results"),
                                       analysisJobs: try bus.bind(.push, "llm.jobs"), analysisResults: try bus.bind(.pull, "llm.results"),
                                       router: RequestClient(channel: try bus.connect(.dealer, "router"), source: "run.t", logger: quiet),
                                       gateway: RequestClient(channel: try bus.connect(.dealer, "gateway"), source: "run.t", logger: quiet),
                                       tracking: try bus.publisher())
            let charts = try ChartWorkerService(worker: "chart-worker.t", jobs: try bus.connect(.pull, "chart.jobs"),
                                                results: BusPublisher(source: "chart-worker.t", sink: try bus.connect(.push, "chart.results")),
                                                logger: quiet)
            let analyst = AnalysisService(jobs: try bus.connect(.pull, "llm.jobs"),
                                          results: BusPublisher(source: "llm-worker.t", sink: try bus.connect(.push, "llm.results")),
                                          analyst: .rules, worker: "llm-worker.t", logger: quiet)
            var settings = RunPipeline.Settings(runId: "run-t", universe: universe, chartsDirectory: folder + "/charts")
            (settings.trading, settings.inFlight, settings.trackingWait, settings.timeout) = (true, 2, 10, 120)
            (settings.orderDeadline, settings.submitTimeout, settings.runFolder) = (10, 2, folder)
            let run = RunService(settings: settings, channels: channels, bars: SeededBars(), source: "run.t", logger: quiet)
            try await with([charts, analyst, routerService, gateway]) { try await run.run() }

            let outcome = try #require(run.outcome)
            #expect(outcome.failures.isEmpty, "\(outcome.failures)")
            #expect(outcome.signals.map(\.signal.symbol) == universe)
            let actionable = outcome.signals.filter(\.signal.isActionable).map(\.signal.symbol)
            #expect(!actionable.isEmpty, "the data has actionable signals, so the order path is exercised")
            #expect(outcome.orders?.decisions.keys.sorted() == actionable)
            #expect(outcome.orders?.decisions.values.allSatisfy { $0.outcome == .placed } == true)
            #expect(broker.places == actionable.count)
            #expect(outcome.orders?.confirmed == Set(actionable), "the closing snapshot confirms every leg")
            for s in universe { #expect(FileManager.default.fileExists(atPath: "\(folder)/charts/\(s)/\(s)_daily.png")) }
            let records = try await tracked.first(universe.count + 2)
            #expect(records.first?.header.type == RunStarted.messageType && records.last?.header.type == RunFinished.messageType)
            let symbols = records.compactMap { $0.payload(as: SymbolRecord.self) }
            #expect(symbols.map(\.symbol).sorted() == universe)
            #expect(records.filter { $0.payload(as: SymbolRecord.self) != nil }.allSatisfy { $0.attachments.count == 2 })
            // The console's live records: one per symbol, no attachments, under their own source, naming the PNGs on disk.
            let live = try await watched.first(universe.count)
            #expect(live.allSatisfy { $0.attachments.isEmpty && $0.header.source == "run.t.live" })
            let shown = live.compactMap { $0.payload(as: LiveSymbolRecord.self) }
            #expect(shown.map(\.symbol).sorted() == universe)
            for l in shown {
                #expect(l.runFolder == (folder as NSString).lastPathComponent && l.chartFiles.keys.sorted() == ["daily", "weekly"])
                #expect(l.chartFiles.values.allSatisfy { FileManager.default.fileExists(atPath: folder + "/" + $0) }, "\(l.chartFiles)")
                #expect(l.signal == symbols.first { $0.symbol == l.symbol }?.signal)
            }
        }
    }
}

/// gateway-bridge's snapshot answer, from a fake broker (what the run owner asks after its orders).
struct BrokerSnapshotService: Service {
    let broker: FakeBroker
    let server: RequestServer

    func run() async throws {
        for await request in server.requests() {
            guard request.message.payload(as: SnapshotRequest.self) != nil else { continue }
            try server.reply(to: request, with: try await broker.snapshot(reason: "test"))
        }
    }
}

/// 600 seeded synthetic daily bars per symbol (`SYNnn` uses seed nn): the same run every time.
struct SeededBars: BarsSource {
    func deliver(_ universe: [String], runId: String, to event: @escaping @Sendable (RunPipeline.Event) -> Void) async {
        for symbol in universe {
            do {
                let seed = UInt64(symbol.dropFirst(3)) ?? 1
                let bars = try syntheticBars(600, start: 20 + Double(seed) * 7, seed: seed &* 7919)
                event(.bars(symbol: symbol, try MarketData(symbol: symbol, bars: bars, fetchedAt: bars.last!.timestamp)))
            } catch {
                event(.barsFailed(symbol: symbol, reason: "\(error)"))
            }
        }
    }
}
