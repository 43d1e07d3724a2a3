import ArgumentParser
import CandlewickRun
import CandlewickRuntime

/// `candlewick run`: owns a signal run (rules in `RunPipeline`, I/O in `RunService`), then a summary table
/// and `runs/<id>/`. Exit 0: every symbol made it; 1: failures, or an error; 3: stopped before the end
/// (SIGTERM/SIGINT, or a needed stage without a live worker for `run.stage_dead_s`; docs/deploy.md).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the universe through charts and analysis on the bus's workers, then print the signals.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Where bars come from: gateway (gateway-bridge, i.e. IB or ib-paper) or csv (--data).") var source = "gateway"
    @Option(help: "Directory of SYMBOL.csv daily files (with --source csv).") var data = "deploy/data/daily"
    @Option(help: "Symbols (default: run.universe, or every CSV in --data with --source csv).") var symbols: [String] = []
    @Option(help: "Run folder (charts, signals, summary).") var out: String?
    @Option(help: "Seconds a worker may take before its job is issued again.") var lease: Double = 30
    @Option(help: "Attempts per job (re-issued at most attempts-1 times, then its symbol fails with the reason).") var attempts = 3
    @Option(help: "Chart jobs out at the workers at once, and 4x as many analysis jobs (an llm-worker runs many calls at once); the rest wait in the run owner, so a lease times a worker, not a queue.")
    var inFlight = 32
    @Option(help: "Give up waiting after this many seconds.") var timeout: Double = 300
    @Option(help: "Daily bars sent per symbol (the most recent; 1000 ≈ 4 years).") var history = 1000
    @Flag(inversion: .prefixedNo, help: "Send actionable signals to order-router (with --source gateway).") var orders = true
    @Flag(help: "Wait for every symbol's bars before the first chart job (by default charts start as bars arrive).") var staged = false
    @Option(help: "Days to advance ib-paper's simulated clock after the orders, so they can fill (default run.paper_advance_days; needs ib.paper_admin).")
    var advanceDays: Int?

    func validate() throws {
        guard source == "gateway" || source == "csv" else { throw ValidationError("--source must be gateway or csv") }
        guard inFlight >= 1 else { throw ValidationError("--in-flight must be at least 1") }
        guard (advanceDays ?? 0) >= 0 else { throw ValidationError("--advance-days must be 0 or more") }
    }

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-run", options: common)
        let config = try RunSettings(config: context.config)
        let universe = try !symbols.isEmpty ? symbols.map { $0.uppercased() } : source == "csv" ? CSVBars.symbols(in: data) : config.universe
        guard !universe.isEmpty else { throw ValidationError("no symbols to run") }
        let runId = RunSettings.newRunId(prefix: "run"), folder = out ?? "runs/\(runId)"
        var plan = config.pipeline(runId: runId, universe: universe, folder: folder, fromGateway: source == "gateway",
                                   trading: orders && source == "gateway", advanceDays: advanceDays, tokenFile: context.paperAdminTokenFile,
                                   params: ["source": source, "history": "\(history)"])
        (plan.lease, plan.attempts, plan.inFlight, plan.timeout, plan.staged) = (lease, attempts, inFlight, timeout, staged)
        let channels = try RunChannels.open(config.endpoints, context: context, analyse: true, trading: plan.trading,
                                            gateway: source == "gateway", track: true, watch: true)
        let bars: any BarsSource = source == "csv" ? CSVBars(directory: data, history: history) : GatewayBars(client: channels.gateway!, history: history)
        let progress = ProgressLine(total: universe.count * 2, label: "data+charts+signals")
        let service = RunService(settings: plan, channels: channels, bars: bars, source: context.instance, codec: context.codec,
                                 logger: context.logger, onProgress: { done, _, note in progress.update(done: done, note: note) }, outbox: folder + "/outbox")
        // Heartbeats (with this process's metrics, docs/metrics.md) under a source of their own: the run's
        // tracking records keep a sequence without holes for the tracker.
        let (beats, beatsLoop) = try context.endpoints.makePublisher(source: context.instance + ".heartbeat", options: context.socketOptions)
        try await ProcessRunner.run([SocketCloser(beatsLoop), service, HeartbeatService(context: context, publisher: beats)], context: context)
        progress.finish()
        guard let outcome = service.outcome else { throw RunError.cutShort("run \(runId)") }
        let summary = RunSummary(outcome)
        try summary.write(folder: folder)
        try RunReport.write(summary, folder: folder)
        summary.printTable(folder: folder)
        if outcome.stop != nil { throw ExitCode(3) }
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }
}
