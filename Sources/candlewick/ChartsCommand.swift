import ArgumentParser
import CandlewickCore
import CandlewickRun
import CandlewickRuntime
import Foundation

/// `candlewick charts`: a chart-only run over the same pipeline as `candlewick run`: each symbol's
/// daily CSV → chart jobs to the chart-workers (leased, re-issued, idempotent by job id) → the PNGs
/// and a summary table.
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
        let universe = try symbols.isEmpty ? CSVBars.symbols(in: data) : symbols.map { $0.uppercased() }
        guard !universe.isEmpty else { throw ValidationError("no symbols: \(data) has no SYMBOL.csv files") }
        let runId = "charts-" + UTCTimestamp.format(Date()).replacingOccurrences(of: ":", with: "")
        var plan = RunPipeline.Settings(runId: runId, universe: universe, chartsDirectory: out)
        (plan.lease, plan.attempts, plan.inFlight, plan.timeout) = (lease, attempts, max(1, inFlight), timeout)
        (plan.analyse, plan.track) = (false, false)
        let channels = try RunChannels.open(try WorkEndpoints(config: context.config), context: context, analyse: false, trading: false,
                                            gateway: false, track: false)
        let progress = ProgressLine(total: universe.count)
        let service = RunService(settings: plan, channels: channels, bars: CSVBars(directory: data, history: history), source: context.instance,
                                 codec: context.codec, logger: context.logger, onProgress: { done, _, note in progress.update(done: done, note: note) })
        try await ProcessRunner.run([service], context: context)
        progress.finish()
        guard let outcome = service.outcome else { throw RunError.cutShort("chart run \(runId)") }
        ChartsSummary.print(outcome, out: out)
        if !outcome.failures.isEmpty || outcome.charts.contains(where: { $0.status != "ok" }) { throw ExitCode(1) }
    }
}
