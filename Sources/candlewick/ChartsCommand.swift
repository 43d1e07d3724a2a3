import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick charts`: owns a chart run. Reads each symbol's daily CSV, pushes chart jobs to the
/// chart-workers, re-issues a job whose lease expires (its worker died or went silent), collects
/// the results (idempotent by job id), writes the PNGs, and prints a summary table.
struct ChartsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charts",
        abstract: "Run chart jobs for symbols over the bus's chart workers and print a summary.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Directory of SYMBOL.csv daily files.") var data = "deploy/data/daily"
    @Option(help: "Symbols (default: every CSV in --data).") var symbols: [String] = []
    @Option(help: "Directory for this run's charts.") var out = "runs/charts"
    @Option(help: "Seconds a worker may take before its job is issued again.") var lease: Double = 20
    @Option(help: "Attempts per job before it is given up.") var attempts = 3
    @Option(help: "Jobs out at the workers at once (the rest wait here, so a lease times a worker, not a queue).") var inFlight = 32
    @Option(help: "Give up waiting after this many seconds.") var timeout: Double = 120
    @Option(help: "Daily bars sent per symbol (the most recent; 1000 ≈ 4 years).") var history = 1000

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-charts", options: common)
        let endpoints = try WorkEndpoints(config: context.config)
        let runId = "charts-" + UTCTimestamp.format(Date()).replacingOccurrences(of: ":", with: "")
        let universe = try symbols.isEmpty ? Self.discover(data) : symbols.map { $0.uppercased() }
        guard !universe.isEmpty else { throw ValidationError("no symbols: \(data) has no SYMBOL.csv files") }
        var (jobs, failures) = Self.chartJobs(universe: universe, data: data, out: out, runId: runId, history: history)
        let stage = try StageDispatcher<ChartJob>(
            name: "charts", jobsEndpoint: endpoints.chartJobs, resultsEndpoint: endpoints.chartResults, source: context.instance,
            runId: runId, lease: lease, attempts: attempts, window: max(1, inFlight), options: context.socketOptions, codec: context.codec, logger: context.logger)
        let clock = ContinuousClock()
        let start = clock.now
        func now() -> Double { let d = clock.now - start; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        for (id, job) in jobs.sorted(by: { $0.key < $1.key }) { try stage.submit(id: id, job: job, now: now()) }
        var done: [String: ChartJobResult] = [:]
        let progress = ProgressLine(total: jobs.count)
        while stage.outstanding > 0, now() < timeout {
            let arrived = try stage.poll(now: now()) { $0.payload(as: ChartJobResult.self)?.jobId }
            if arrived.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            for message in arrived {
                guard let result = message.payload(as: ChartJobResult.self) else { continue }
                done[result.jobId] = result
                progress.update(done: done.count, note: result.symbol)
            }
        }
        progress.finish()
        for id in stage.abandoned { failures.append((jobs[id]?.marketData.symbol ?? id, "no result after \(attempts) attempts")) }
        if stage.outstanding > 0 { failures.append(("(run)", "\(stage.outstanding) job(s) still outstanding after \(Int(timeout)) s")) }
        let (duplicates, reissued) = (stage.duplicates, stage.reissued)
        await stage.close()
        ChartsSummary.print(results: done.values.sorted { $0.symbol < $1.symbol }, failures: failures, duplicates: duplicates,
                            reissued: reissued, seconds: now(), out: out)
        if !failures.isEmpty || done.values.contains(where: { $0.status != "ok" }) { throw ExitCode(1) }
    }

    /// A chart job per symbol from `data/SYMBOL.csv`, charts written under `out/SYMBOL`; symbols whose
    /// data cannot be read are returned as failures with the reason.
    static func chartJobs(universe: [String], data: String, out: String, runId: String, history: Int)
        -> ([String: ChartJob], [(String, String)])
    {
        var jobs: [String: ChartJob] = [:]
        var failures: [(String, String)] = []
        for symbol in universe {
            do {
                let path = (data as NSString).appendingPathComponent("\(symbol).csv")
                let loaded = try BarCSV.load(path: path)
                guard let last = loaded.bars.last else { throw ValidationError("\(path): no valid bars") }
                // The last `history` bars: enough for SMA 200 on the daily chart and a long weekly view.
                let md = try MarketData(symbol: symbol, bars: Array(loaded.bars.suffix(history)), fetchedAt: last.timestamp)
                let job = try ChartJob(jobId: "\(runId)-\(symbol)", marketData: md,
                                       daily: ChartConfig(symbol: symbol, timeframe: .daily),
                                       weekly: ChartConfig(symbol: symbol, timeframe: .weekly),
                                       artifactDir: (out as NSString).appendingPathComponent(symbol))
                jobs[job.jobId] = job
            } catch {
                failures.append((symbol, "\(error)"))
            }
        }
        return (jobs, failures)
    }

    static func discover(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)).uppercased() }.sorted()
    }

}
