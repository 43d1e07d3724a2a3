import ArgumentParser
import CandlewickCore
import CandlewickLLM
import CandlewickRun
import CandlewickRuntime
import CandlewickTracker
import Foundation

/// `candlewick backtest`: a backtest through the production processes (`BacktestRunner`), scored by
/// `BacktestEvaluation`, written to `--out` (with `report.html`) and summed up in three tables (metrics, beside
/// buy-and-hold; per action and confidence; calibration). Exit 0 when it ran to the end; 1 on an error
/// (the progress so far is kept: the same command resumes it).
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest the signals through the production processes on ib-paper's simulated clock, then score them.",
        discussion: """
            Needs the stack running with ib-paper serving --data (scripts/backtest starts it). For each as-of day, \
            every --every trading days from --from to --to: ib-paper's clock is set, the universe's bars come from \
            gateway-bridge over the TWS API, charts from the chart-workers, signals from the llm-workers, and the \
            actionable signals go through order-router's risk gate as brackets to ib-paper, which fills them on the \
            bars that follow. Results in --out: signals.csv, trades.csv, equity.csv, metrics.json, calibration.json, \
            report.html (with plots/). \
            Run again with the same arguments to resume after a stop or a kill; docs/backtest.md.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "First as-of day, YYYY-MM-DD.") var from = "2015-12-01"
    @Option(help: "Last as-of day, YYYY-MM-DD.") var to = "2017-11-30"
    @Option(help: "Trading days between two as-of days (5: weekly).") var every = 5
    @Option(help: "Symbols, comma-separated, or `all` (every daily file in --data); default run.universe.") var universe: String?
    @Option(help: "The data folder ib-paper serves (recorded with the results; scripts/backtest starts ib-paper on it).")
    var data = "deploy/data/daily"
    @Option(help: "Results folder (and the progress a resume continues from).") var out: String?
    @Option(help: "Trading days a filled bracket is held before it is closed at the close (time exit).") var holdDays = 10
    @Option(help: "Slippage in basis points against us on market-like fills (gap opens, stops, time exits).") var slippageBps = "0"
    @Option(help: "Commission model: ib_tiered (IB Pro tiered, lowest tier) or ib_fixed (IB Pro fixed, as ib-paper charges).") var commission = "ib_tiered"
    @Option(help: "The benchmark held beside the universe's buy-and-hold.") var benchmark = "SPY"
    @Option(help: "Daily bars each analysis sees (the most recent up to the as-of day).") var history = 1000
    @Flag(help: "Keep every day's chart PNGs under --out/days/ (off: thousands of days would fill the disk).") var keepCharts = false
    @Option(help: "First out-of-sample as-of day, YYYY-MM-DD: signals before it are in-sample, from it on out-of-sample (docs/backtest.md).")
    var oosFrom: String?
    @Option(help: "Instead of --oos-from: hold out this last share of the as-of days (NYSE calendar) as out-of-sample, e.g. 0.3.")
    var oosFraction: Double?
    @Option(help: "Refuse to start when the model calls still to make are estimated above this many USD (needs the model in llm.prices).")
    var maxCost: Double?

    func run() async throws {
        // A backtest is a run owner: the same process name, so the same bus key and config keys.
        let context = try ProcessContext(process: "candlewick-run", options: common)
        let config = try RunSettings(config: context.config)
        let symbols: [String]
        switch universe {
        case nil: symbols = config.universe
        case "all": symbols = try BacktestUniverse.symbols(in: data)
        case let list?: symbols = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty }
        }
        guard let slippage = DecimalText.parse(slippageBps), slippage >= 0 else { throw ValidationError("--slippage-bps must be a number >= 0") }
        guard let model = CommissionModel(rawValue: commission) else {
            throw ValidationError("--commission must be one of \(CommissionModel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let assumptions = BacktestAssumptions(holdDays: holdDays, entryValidBars: 1, slippageBps: slippage, commission: model)
        do { try assumptions.validate() } catch { throw ValidationError("\(error)") }
        var settings: BacktestSettings
        do {
            settings = try BacktestSettings(from: from, to: to, every: every, universe: symbols.sorted(), data: data, assumptions: assumptions)
            if oosFrom != nil && oosFraction != nil { throw ValidationError("give --oos-from or --oos-fraction, not both") }
            let split = try oosFraction.map {
                try BacktestSplit.firstOutOfSampleDay(asOfDays: BacktestCost.asOfDays(from: from, to: to, every: every), fraction: $0)
            } ?? oosFrom
            try settings.setOutOfSample(from: split)
        } catch { throw ValidationError("\(error)") }
        (settings.benchmark, settings.history) = (benchmark.uppercased(), history)
        settings.shadowShares = Decimal(context.config[\.riskFixedShares])
        let folder = out ?? "runs/backtest-\(settings.fingerprint)"
        try checkCost(settings, folder: folder, config: context.config)
        let runner = BacktestRunner(settings: settings, out: folder, run: config, context: context, keepCharts: keepCharts,
                                    onProgress: { note in FileHandle.standardError.write(Data("  \(note)\n".utf8)) })
        try await ProcessRunner.run([runner], context: context)
        guard let data = runner.data else { throw ExitCode(1) }
        let results = BacktestEvaluation.evaluate(data)
        try BacktestOutput.write(results, settings: settings, folder: folder)
        try BacktestReport.write(results, settings: settings, folder: folder)
        BacktestSummary.print(results, settings: settings, folder: folder)
        try await logToMLflow(settings, folder: folder, config: context.config)
    }

    /// With a tracking URI (`tracker.mlflow_uri`, else `MLFLOW_TRACKING_URI`): the results folder as a parent run with
    /// one child run per as-of day (`BacktestMLflow`; logging again finds the same runs). A failure leaves the files
    /// as they are and exits 1: the same command logs them again.
    func logToMLflow(_ settings: BacktestSettings, folder: String, config: ConfigFile) async throws {
        let tracking = try TrackerSettings(config: config)
        guard !tracking.mlflowURI.isEmpty else { return }
        let client = MLflowClient(baseURL: tracking.mlflowURI, auth: MLflowAuth(environment: ProcessInfo.processInfo.environment),
                                  timeout: tracking.requestTimeout)
        do {
            let s = try await BacktestMLflow(client: client, experiment: tracking.experiment).log(folder: folder, fingerprint: settings.fingerprint)
            print("MLflow \(tracking.mlflowURI): experiment \(tracking.experiment) (\(s.experimentId)), parent run \(s.parentRunId)"
                  + (s.parentCreated ? " (new)" : " (found)") + ", \(s.dayRuns) as-of day run(s) (\(s.dayRunsCreated) new), \(s.artifacts) artifact(s)")
        } catch {
            FileHandle.standardError.write(Data(("error: logging the backtest to MLflow \(tracking.mlflowURI) failed: \(error)\n"
                + "The results in \(folder) are complete; run the same command again to log them.\n").utf8))
            throw ExitCode(1)
        }
    }

    /// Cost before spending: with a model provider (the analyst the llm-workers choose from the same
    /// configuration and environment), prints the calls still to make, their tokens and dollars, and
    /// refuses to start above `--max-cost`. The rules analyst costs nothing.
    func checkCost(_ settings: BacktestSettings, folder: String, config: ConfigFile) throws {
        let llm = try LLMSettings(config: config)
        guard case .model(_, let chosen) = try ProviderFactory.choose(llm, environment: ProcessInfo.processInfo.environment),
              let model = chosen.model else {
            print("analyst: the offline rules analyst: no model calls, no cost")
            return
        }
        let provider = chosen.provider ?? "openai"
        let days = BacktestCost.asOfDays(from: settings.from, to: settings.to, every: settings.every)
        let done = (try? String(contentsOfFile: folder + "/progress.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0
        let chart = try ChartConfig(symbol: "AAAA", timeframe: .daily)
        let image = ImageTokens.tokens(chosen.formula(for: provider), width: chart.width, height: chart.height, detail: chosen.imageDetail,
                                       patchMultiplier: chosen.imagePatchMultiplier)
        let e = BacktestCost.estimate(days: days.count, daysDone: min(done, days.count), symbols: settings.universe.count,
                                      promptTokens: BacktestCost.promptTokens(), imageTokens: 2 * image, maxOutputTokens: chosen.maxTokens,
                                      price: chosen.prices.price(of: model))
        let dollars = e.usd.map { String(format: "≈ %.2f USD (an upper bound)", $0) } ?? "cost unknown: no price for \(model) in llm.prices"
        print("analyst: \(provider) \(model): \(e.calls) call(s) still to make (\(e.days) as-of day(s), \(e.daysDone) done, "
              + "× \(e.symbols) symbol(s)); per call ≈ \(e.inputTokensPerCall) prompt + \(e.imageTokensPerCall) image tokens in, "
              + "≤ \(e.maxOutputTokensPerCall) out; \(dollars). The response cache (llm.cache_dir) answers a call it has seen for free.")
        if let maxCost {
            guard let usd = e.usd else { throw ValidationError("--max-cost \(maxCost): \(dollars), so the cost cannot be checked") }
            guard usd <= maxCost else { throw ValidationError(String(format: "estimated %.2f USD exceeds --max-cost %.2f: not started", usd, maxCost)) }
        }
    }
}
