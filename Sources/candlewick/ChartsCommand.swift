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
    @Option(help: "Give up waiting after this many seconds.") var timeout: Double = 120

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-charts", options: common)
        let endpoints = try WorkEndpoints(config: context.config)
        let runId = "charts-" + UTCTimestamp.format(Date()).replacingOccurrences(of: ":", with: "")
        let universe = try symbols.isEmpty ? Self.discover(data) : symbols.map { $0.uppercased() }
        guard !universe.isEmpty else { throw ValidationError("no symbols: \(data) has no SYMBOL.csv files") }
        var jobs: [String: ChartJob] = [:]
        var failures: [(String, String)] = []
        for symbol in universe {
            do {
                let path = (data as NSString).appendingPathComponent("\(symbol).csv")
                let loaded = try BarCSV.load(path: path)
                guard let last = loaded.bars.last else { throw ValidationError("\(path): no valid bars") }
                let md = try MarketData(symbol: symbol, bars: loaded.bars, fetchedAt: last.timestamp)
                let job = try ChartJob(jobId: "\(runId)-\(symbol)", marketData: md,
                                       daily: ChartConfig(symbol: symbol, timeframe: .daily),
                                       weekly: ChartConfig(symbol: symbol, timeframe: .weekly),
                                       artifactDir: (out as NSString).appendingPathComponent(symbol))
                jobs[job.jobId] = job
            } catch {
                failures.append((symbol, "\(error)"))
            }
        }
        let pushLoop = try SocketLoop(.push, bind: [endpoints.chartJobs], options: context.socketOptions, name: "chart-jobs")
        let pullLoop = try SocketLoop(.pull, bind: [endpoints.chartResults], options: context.socketOptions, name: "chart-results")
        let publisher = BusPublisher(source: context.instance, sink: pushLoop, codec: context.codec)
        let mailbox = Mailbox(BusSubscriber(source: pullLoop.incoming, codec: context.codec, logger: context.logger).messages())
        let clock = ContinuousClock()
        let start = clock.now
        func now() -> Double { let d = clock.now - start; return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        var leases = JobLeases<ChartJob>(leaseSeconds: lease, maxAttempts: attempts)
        for (id, job) in jobs.sorted(by: { $0.key < $1.key }) {
            try publisher.publish(job, runId: runId)
            leases.issue(id: id, job: job, now: now())
        }
        var done: [String: ChartJobResult] = [:]
        var duplicates = 0, reissued = 0
        let progress = ProgressLine(total: jobs.count)
        while leases.outstanding > 0, now() < timeout {
            let arrived = mailbox.drain()
            if arrived.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            for message in arrived {
                guard let result = message.payload(as: ChartJobResult.self) else { continue }
                switch leases.complete(id: result.jobId) {
                case .accepted: done[result.jobId] = result
                case .duplicate: duplicates += 1
                case .unknown: context.logger.warning("charts.unknown_result", metadata: ["job.id": "\(result.jobId)"])
                }
                progress.update(done: done.count, note: result.symbol)
            }
            for due in leases.expired(now: now()) {
                context.logger.warning("charts.lease_expired", metadata: ["job.id": "\(due.id)", "attempt": "\(due.attempts)"])
                try publisher.publish(due.job, runId: runId)
                leases.issue(id: due.id, job: due.job, now: now())
                reissued += 1
            }
        }
        progress.finish()
        mailbox.close()
        for id in leases.abandoned { failures.append((jobs[id]?.marketData.symbol ?? id, "no result after \(attempts) attempts")) }
        if leases.outstanding > 0 { failures.append(("(run)", "\(leases.outstanding) job(s) still outstanding after \(Int(timeout)) s")) }
        await pushLoop.close()
        await pullLoop.close()
        ChartsSummary.print(results: done.values.sorted { $0.symbol < $1.symbol }, failures: failures, duplicates: duplicates,
                            reissued: reissued, seconds: now(), out: out)
        if !failures.isEmpty || done.values.contains(where: { $0.status != "ok" }) { throw ExitCode(1) }
    }

    static func discover(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)).uppercased() }.sorted()
    }

}
