import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation
import Synchronization

/// `candlewick run`: owns a signal run. Chart jobs go to the chart-workers; each finished chart
/// becomes an analysis job (the PNGs forwarded as attachments) for the llm-workers; every stage
/// leases its jobs and re-issues those a dead worker took; results are idempotent by job id. Ends
/// with a summary table and `runs/<id>/summary.json`; actionable signals go to order-router, and every
/// symbol is published for the tracker (run.started, run.symbol, run.finished).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the universe through charts and analysis on the bus's workers, then print the signals.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Where bars come from: gateway (gateway-bridge, i.e. IB or ib-paper) or csv (--data).") var source = "gateway"
    @Option(help: "Directory of SYMBOL.csv daily files (with --source csv).") var data = "deploy/data/daily"
    @Option(help: "Symbols (default: run.universe, or every CSV in --data with --source csv).") var symbols: [String] = []
    @Option(help: "Run folder (charts, signals, summary).") var out: String?
    @Option(help: "Seconds a worker may take before its job is issued again.") var lease: Double = 30
    @Option(help: "Attempts per job before it is given up.") var attempts = 3
    @Option(help: "Chart jobs out at the workers at once, and 4x as many analysis jobs (an llm-worker runs many calls at once); the rest wait in the run owner, so a lease times a worker, not a queue.")
    var inFlight = 32
    @Option(help: "Give up waiting after this many seconds.") var timeout: Double = 300
    @Option(help: "Daily bars sent per symbol (the most recent; 1000 ≈ 4 years).") var history = 1000
    @Flag(inversion: .prefixedNo, help: "Send actionable signals to order-router (with --source gateway).") var orders = true
    @Flag(help: "Wait until every symbol's bars are in before the first chart job (by default charts start as bars arrive).")
    var staged = false
    @Option(help: "Days to advance ib-paper's simulated clock after the orders, so they can fill (default run.paper_advance_days; needs ib.paper_admin).")
    var advanceDays: Int?

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-run", options: common)
        let endpoints = try WorkEndpoints(config: context.config)
        let runId = "run-" + UTCTimestamp.format(Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "")
        let folder = out ?? "runs/\(runId)"
        let tracking = try RunTracking(context: context, runId: runId)
        guard source == "gateway" || source == "csv" else { throw ValidationError("--source must be gateway or csv") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        let configured = context.config.string("run.universe", default: "AAPL,GOOG,MSFT,SPY")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        let universe = try !symbols.isEmpty ? symbols.map { $0.uppercased() } : source == "csv" ? ChartsCommand.discover(data) : configured
        guard !universe.isEmpty else { throw ValidationError("no symbols to run") }
        let charts = (folder as NSString).appendingPathComponent("charts")
        let dataStart = Date()
        // CSV: every job up front. Gateway: jobs arrive as their bars do (collected by a task, drained by the loop below).
        var (jobs, failures) = source == "csv"
            ? ChartsCommand.chartJobs(universe: universe, data: data, out: charts, runId: runId, history: history)
            : ([:], [])
        let arrivals = Mutex<(items: [GatewayData.Arrival], done: Bool)>(([], source == "csv"))
        if source == "gateway" {
            let stream = GatewayData.stream(universe: universe, endpoint: endpoints.gatewayCommands, context: context, out: charts,
                                            runId: runId, history: history)
            Task {
                for await a in stream { arrivals.withLock { $0.items.append(a) } }
                arrivals.withLock { $0.done = true }
            }
            // By default chart jobs go out as bars arrive, so drawing overlaps IB's pacing; --staged waits for all bars.
            if staged { while !arrivals.withLock({ $0.done }) { try await Task.sleep(for: .milliseconds(20)) } }
        }
        let chartStage = try StageDispatcher<ChartJob>(
            name: "charts", jobsEndpoint: endpoints.chartJobs, resultsEndpoint: endpoints.chartResults, source: context.instance,
            runId: runId, lease: lease, attempts: attempts, window: inFlight, options: context.socketOptions, codec: context.codec, logger: context.logger)
        let analyses = try StageDispatcher<AnalysisJob>(
            name: "analysis", jobsEndpoint: endpoints.analysisJobs, resultsEndpoint: endpoints.analysisResults, source: context.instance,
            runId: runId, lease: lease * 4, attempts: attempts, window: inFlight * 4, options: context.socketOptions, codec: context.codec, logger: context.logger)
        let trading = orders && source == "gateway"
        let submitter = trading ? try OrderSubmitter(endpoint: context.config.string(
            "router.commands", default: "ipc://\(context.config.string("bus.directory", default: "/tmp/candlewick"))/router.sock"),
                                                     context: context, runId: runId) : nil
        var submissions: [String: Task<RouterDecision?, Never>] = [:]
        var stageTimes: [String: Double] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        // Seconds since the run started (stage times are cumulative; the CSV path reads its files before).
        let dataSeconds = Date().timeIntervalSince(dataStart)
        func now() -> Double { let d = clock.now - start; return dataSeconds + Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        await tracking.started(symbols: universe, params: ["source": source, "history": "\(history)"])
        for (id, job) in jobs.sorted(by: { $0.key < $1.key }) { try chartStage.submit(id: id, job: job, now: now()) }
        var dataDone = false
        var rendered: [String: ChartJobResult] = [:]
        var signals: [String: AnalysisResult] = [:]
        let progress = ProgressLine(total: universe.count * 2, label: "data+charts+signals")
        while (!dataDone || chartStage.outstanding > 0 || analyses.outstanding > 0), now() < timeout {
            var idle = true
            let (arrived, finished) = arrivals.withLock { a -> ([GatewayData.Arrival], Bool) in
                defer { a.items.removeAll() }
                return (a.items, a.done)
            }
            for a in arrived {
                idle = false
                switch a.result {
                case .success(let job):
                    jobs[job.jobId] = job
                    try chartStage.submit(id: job.jobId, job: job, now: now())
                case .failure(let e):
                    failures.append((a.symbol, e.description))
                }
            }
            if finished && !dataDone {
                dataDone = true
                stageTimes["data"] = Date().timeIntervalSince(dataStart)
            }
            for message in try chartStage.poll(now: now(), jobId: { $0.payload(as: ChartJobResult.self)?.jobId }) {
                idle = false
                guard let r = message.payload(as: ChartJobResult.self), let job = jobs[r.jobId] else { continue }
                rendered[r.jobId] = r
                guard r.status == "ok", let indicators = r.indicators, let close = r.lastClose, message.attachments.count == 2 else {
                    failures.append((r.symbol, r.error ?? "chart job failed"))
                    continue
                }
                let window = job.marketData.bars.suffix(job.daily.lookbackPeriods)
                let analysis = try AnalysisJob(jobId: r.jobId, symbol: r.symbol, lastClose: close,
                                               chartLow: window.map(\.low).min()!, chartHigh: window.map(\.high).max()!,
                                               indicators: indicators, weeklyIndicators: r.weeklyIndicators)
                // Hashed once here: checked against the envelope, then reused for the analysis job and the tracker.
                let digests = message.attachments.map { SHA256Digest.hex(of: $0) }
                guard digests == message.header.attachments.map(\.sha256) else {
                    failures.append((r.symbol, "chart PNG attachments do not match the sha256 in their envelope"))
                    continue
                }
                let pngs = zip(r.charts, zip(message.attachments, digests)).map {
                    Attachment(name: "\($0.timeframe.rawValue)_chart.png", contentType: "image/png", data: $1.0, sha256: $1.1)
                }
                try analyses.submit(id: r.jobId, job: analysis, attachments: pngs, now: now())
                tracking.charted(jobId: r.jobId, pngs: pngs, lastClose: close, at: now())
                progress.update(done: rendered.count + signals.count, note: r.symbol)
            }
            if dataDone, chartStage.outstanding == 0, stageTimes["charts"] == nil { stageTimes["charts"] = now() }
            for message in try analyses.poll(now: now(), jobId: { $0.payload(as: AnalysisResult.self)?.jobId }) {
                idle = false
                guard let a = message.payload(as: AnalysisResult.self) else { continue }
                signals[a.jobId] = a
                if let submitter, a.signal.isActionable, submissions[a.signal.symbol] == nil {
                    let last = rendered[a.jobId]?.lastClose
                    submissions[a.signal.symbol] = Task { await submitter.submit(a.signal, lastPrice: last) }
                }
                tracking.analysed(a, at: now())
                progress.update(done: rendered.count + signals.count, note: a.signal.symbol)
            }
            if idle { try await Task.sleep(for: .milliseconds(25)) }
        }
        progress.finish()
        var runOrders = RunOrders()
        if let submitter {
            for (symbol, task) in submissions {
                if let d = await task.value { runOrders.decisions[symbol] = d } else { failures.append((symbol, "order-router gave no final answer")) }
            }
            await submitter.close()
            stageTimes["orders"] = now()
            let days = try advanceDays ?? context.config.int("run.paper_advance_days", default: 0)
            if days > 0, runOrders.decisions.values.contains(where: { $0.outcome == .placed }) {
                await settle(&runOrders, days: days, context: context, endpoints: endpoints, failures: &failures)
            }
        }
        stageTimes["total"] = now()
        for id in chartStage.abandoned + analyses.abandoned { failures.append((jobs[id]?.marketData.symbol ?? id, "no result after \(attempts) attempts")) }
        let waiting = chartStage.outstanding + analyses.outstanding
        if waiting > 0 { failures.append(("(run)", "\(waiting) job(s) still outstanding after \(Int(timeout)) s")) }
        await chartStage.close()
        await analyses.close()
        let summary = RunSummary(runId: runId, signals: signals.values.sorted { $0.signal.symbol < $1.signal.symbol },
                                 failures: failures, reissued: chartStage.reissued + analyses.reissued,
                                 duplicates: chartStage.duplicates + analyses.duplicates, stageSeconds: stageTimes,
                                 orders: trading ? runOrders : nil)
        try summary.write(folder: folder)
        try RunReport.write(summary, folder: folder)
        summary.printTable(folder: folder)
        await tracking.finished(failed: !failures.isEmpty, totals: [
            "symbols": Double(signals.count), "actionable": Double(signals.values.filter(\.signal.isActionable).count),
            "failed": Double(failures.count)])
        if !failures.isEmpty { throw ExitCode(1) }
    }

    /// Demo mode: advance ib-paper's simulated day so the orders meet new bars, then read fills and
    /// the portfolio from a gateway snapshot.
    func settle(_ orders: inout RunOrders, days: Int, context: ProcessContext, endpoints: WorkEndpoints, failures: inout [(String, String)]) async {
        guard let admin = context.config.string("ib.paper_admin") else {
            failures.append(("(orders)", "run.paper_advance_days is set but ib.paper_admin is not"))
            return
        }
        do {
            orders.paperDay = try PaperClock.advance(admin, days: days, tokenFile: context.paperAdminTokenFile)
            try await Task.sleep(for: .milliseconds(800))
            let client = try RequestClient(connect: endpoints.gatewayCommands, source: context.instance, options: context.socketOptions,
                                           codec: context.codec, logger: context.logger)
            defer { Task { await client.close() } }
            let reply = try await client.request(SnapshotRequest(reason: "run summary"), timeout: .seconds(30))
            if let snapshot = reply.payload(as: BrokerSnapshot.self) { orders.absorb(snapshot) }
        } catch {
            failures.append(("(orders)", "after the orders: \(error)"))
        }
    }
}
