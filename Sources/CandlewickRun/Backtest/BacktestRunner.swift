import CandlewickBus
import CandlewickCore
import CandlewickPaper
import CandlewickRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a backtest through the production processes: for each as-of day it sets ib-paper's
/// simulated clock, runs the universe through gateway-bridge (bars over the TWS API), the
/// chart-workers and the llm-workers exactly as `candlewick run` does, sends the actionable signals
/// one by one, in symbol order, through order-router's risk gate (brackets to ib-paper), records the
/// day durably (`BacktestJournal`) and moves the clock on by `every` trading days, so ib-paper fills
/// the orders on the bars that follow. At the end it lets the last brackets play out for `holdDays`
/// and fetches the bars the outcomes are scored on (after the fact, never during a day's analysis).
///
/// Killed at any point and started again with the same arguments, it continues from the last
/// completed day: the run ids are derived from the settings, so order-router answers `duplicate` for
/// every intent it already holds and nothing is sent twice.
public final class BacktestRunner: Service {
    private let settings: BacktestSettings
    private let out: String
    private let run: RunSettings
    private let context: ProcessContext
    private let keepCharts: Bool
    private let onProgress: @Sendable (String) -> Void
    private let result = Mutex<BacktestData?>(nil)

    /// What the days came to, with the bars to score them on (nil until the run has finished).
    public var data: BacktestData? { result.withLock { $0 } }

    public init(settings: BacktestSettings, out: String, run: RunSettings, context: ProcessContext, keepCharts: Bool = false,
                onProgress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.out = out
        self.run = run
        self.context = context
        self.keepCharts = keepCharts
        self.onProgress = onProgress
    }

    public func run() async throws {
        guard let admin = run.paperAdmin else {
            throw BacktestError.badArgument("ib.paper_admin is not set: a backtest moves ib-paper's simulated clock over its admin port")
        }
        let journal = try BacktestJournal(directory: out, settings: settings)
        if let repaired = journal.repaired { context.logger.warning("backtest.progress_repaired", metadata: ["detail": "\(repaired)"]) }
        let clock = PaperAdminLine(address: admin, tokenFile: context.paperAdminTokenFile)
        let router = try client(run.endpoints.routerCommands)
        let gateway = try client(run.endpoints.gatewayCommands)
        defer { Task { await router.close(); await gateway.close() } }

        var steps: [BacktestStep] = journal.completed.values.sorted { $0.asOf < $1.asOf }
        var asOf = try await clock.asOf()
        if steps.isEmpty && asOf != settings.from {
            // A fresh backtest: a fresh account at the first day (ib-paper keeps order ids increasing).
            context.logger.notice("backtest.reset", metadata: ["from": "\(asOf)", "to": "\(settings.from)"])
            asOf = try await clock.send("reset \(settings.from.replacingOccurrences(of: "-", with: ""))")
        }
        while asOf <= settings.to, !Task.isShuttingDownGracefully {
            if journal.completed[asOf] == nil, !steps.contains(where: { $0.asOf == asOf }) {
                onProgress("as-of \(asOf): bars → charts → signals → orders")
                let step = try await day(asOf, router: router, gateway: gateway)
                try journal.append(step)
                steps.append(step)
            }
            // A day recorded but the clock not yet moved (a kill between the two) is moved on here.
            guard let next = try await clock.advance(settings.every) else { break }
            asOf = next
        }
        if Task.isShuttingDownGracefully { throw BacktestError.step("stopped by a shutdown signal at as-of \(asOf); run again to resume") }
        // Let the last brackets play out, then score every signal on the bars that followed it.
        _ = try await clock.advance(settings.assumptions.holdDays + settings.assumptions.entryValidBars + 1)
        let end = try await clock.asOf()
        onProgress("scoring \(steps.count) day(s) on the bars up to \(end)")
        let bars = try await scoringBars(gateway: gateway, through: end)
        result.withLock { $0 = BacktestData(settings: settings, steps: steps.sorted { $0.asOf < $1.asOf }, bars: bars, endDay: end) }
    }

    private func client(_ endpoint: String) throws -> RequestClient {
        try RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions, codec: context.codec, logger: context.logger)
    }

    /// One as-of day: a run of the universe (no orders from the pipeline), then the orders one by one.
    private func day(_ asOf: String, router: RequestClient, gateway: RequestClient) async throws -> BacktestStep {
        let runId = settings.runId(asOf: asOf)
        var plan = run.pipeline(runId: runId, universe: settings.universe, folder: out + "/days/" + asOf, fromGateway: true, trading: false,
                                advanceDays: 0, tokenFile: context.paperAdminTokenFile, params: ["backtest": settings.fingerprint, "as_of": asOf])
        plan.track = false
        plan.keepCharts = keepCharts
        let channels = try RunChannels.open(run.endpoints, context: context, analyse: true, trading: false, gateway: true, track: false, watch: true)
        let bars = CapturingBars(GatewayBars(client: channels.gateway!, history: settings.history, endDay: asOf))
        let service = RunService(settings: plan, channels: channels, bars: bars, source: context.instance, codec: context.codec, logger: context.logger)
        try await service.run()
        guard let outcome = service.outcome else { throw BacktestError.step("as-of \(asOf): the run was cut short") }
        if let stop = outcome.stop { throw BacktestError.step("as-of \(asOf): \(stop.message)") }
        let last = bars.lastBars
        if let (symbol, bar) = last.first(where: { $0.value.day > asOf }) {
            throw BacktestError.lookAhead("as-of \(asOf): gateway-bridge served \(symbol) a bar of \(bar.day), after the as-of day")
        }
        var signals: [BacktestSignal] = []
        for symbol in settings.universe.sorted() {
            guard let r = outcome.signals.first(where: { $0.signal.symbol == symbol }) else {
                let why = outcome.failures.first { $0.symbol == symbol }?.reason ?? "no signal"
                // A symbol IB has no bars for that day is a result; a stack that did not answer is not.
                try await confirmNoBars(symbol, asOf: asOf, runId: runId, why: why, gateway: gateway)
                signals.append(BacktestSignal(symbol: symbol, action: .hold, confidence: .low, confidenceScore: 0, entry: nil, stop: nil, target: nil,
                                              provider: nil, model: nil, lastClose: last[symbol]?.close, router: "failed", failure: why))
                continue
            }
            let s = r.signal
            var row = BacktestSignal(symbol: symbol, action: s.action, confidence: s.confidence, confidenceScore: s.confidenceScore,
                                     entry: s.entryPrice, stop: s.stopLoss, target: s.takeProfit, provider: s.provider, model: s.model,
                                     lastClose: last[symbol]?.close, router: "not_sent")
            if s.isActionable {
                let decision = try await submit(s, runId: runId, lastPrice: last[symbol]?.close, router: router)
                row.router = Self.describe(decision)
                if row.placed, let plan = decision.plan, !plan.isBracket { row.router = RouterOutcome.placedExit.text }
                row.quantity = decision.plan?.quantity
            }
            signals.append(row)
        }
        let netLiq = await netLiquidation(gateway: gateway)
        return BacktestStep(asOf: asOf, runId: runId, signals: signals, netLiquidation: netLiq)
    }

    /// Before a failed symbol is recorded as failed that day: gateway-bridge is asked once more, and
    /// only an answer from IB (no data, no such contract: `gateway.error`) lets the day be recorded.
    /// A request that gets no answer stops the backtest (resumable), so an outage never becomes a
    /// day of missing signals in the results.
    private func confirmNoBars(_ symbol: String, asOf: String, runId: String, why: String, gateway: RequestClient) async throws {
        let reply: BusMessage
        do {
            reply = try await gateway.request(try MarketDataRequest(symbol: symbol, durationDays: 30, endDay: asOf), runId: runId, timeout: .seconds(60))
        } catch {
            throw BacktestError.step("as-of \(asOf): \(symbol) failed (\(why)) and gateway-bridge does not answer: \(error)")
        }
        guard reply.payload(as: GatewayFailure.self) != nil else {
            throw BacktestError.step("as-of \(asOf): \(symbol) failed (\(why)) although gateway-bridge serves its bars; run again to retry the day")
        }
    }

    /// Asks order-router until its answer is final (pending and not-reconciled answers are asked again).
    private func submit(_ signal: TradingSignal, runId: String, lastPrice: Decimal?, router: RequestClient) async throws -> RouterDecision {
        let submission = try SignalSubmission(runId: runId, signal: signal, lastPrice: lastPrice, source: RunPipeline.submitterSource)
        let deadline = ContinuousClock.now + .seconds(120)
        var lastError = "no answer"
        while ContinuousClock.now < deadline {
            do {
                let reply = try await router.request(submission, runId: runId, timeout: .seconds(20))
                guard let d = reply.payload(as: RouterDecision.self) else { throw BusError("signal.submit", message: "order-router answered \(reply.header.type)") }
                if d.outcome != .pending && d.note?.code != .notReconciled { return d }
                lastError = d.note.map { "\($0)" } ?? "pending"
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw BacktestError.step("order-router gave no final answer for \(signal.symbol) in 120 s: \(lastError)")
    }

    /// The router column: `duplicate` (the intent was already at IB: a resumed day) reads as `placed`,
    /// so a resumed backtest writes the same results as one that was never stopped.
    static func describe(_ d: RouterDecision) -> String {
        switch d.outcome {
        case .denied: "denied:" + (d.note?.code.rawValue ?? "unknown")
        case .duplicate: RouterDecision.Outcome.placed.rawValue
        default: d.outcome.rawValue
        }
    }

    private func netLiquidation(gateway: RequestClient) async -> Decimal? {
        guard let reply = try? await gateway.request(SnapshotRequest(reason: "backtest day"), timeout: .seconds(30)),
              let s = reply.payload(as: BrokerSnapshot.self) else { return nil }
        return s.accountValues["NetLiquidation"].flatMap { DecimalText.parse($0) }
    }

    /// Every symbol's bars (and the benchmark's) from before the first day to `end`, over the TWS API.
    private func scoringBars(gateway: RequestClient, through end: String) async throws -> [String: [OHLCVBar]] {
        guard let first = CalendarDay.number(settings.from), let last = CalendarDay.number(end) else { return [:] }
        let days = min(10_000, last - first + 15)
        var out: [String: [OHLCVBar]] = [:]
        for symbol in Set(settings.universe + [settings.benchmark]).sorted() {
            let reply = try await gateway.request(try MarketDataRequest(symbol: symbol, durationDays: days, endDay: end), timeout: .seconds(120))
            if let md = reply.payload(as: MarketData.self) {
                out[symbol] = md.bars
            } else {
                context.logger.warning("backtest.scoring_bars_missing", metadata: ["symbol": "\(symbol)", "reply": "\(reply.header.type)"])
            }
        }
        return out
    }
}

/// What a backtest's days came to and the bars they are scored on.
public struct BacktestData: Sendable {
    public let settings: BacktestSettings
    public let steps: [BacktestStep]
    public let bars: [String: [OHLCVBar]]
    /// ib-paper's as-of day when the bars were fetched.
    public let endDay: String
}

/// ib-paper's admin line, as the backtest uses it: the as-of day, `advance`, `reset`.
struct PaperAdminLine: Sendable {
    let address: String
    let tokenFile: String

    /// Sends `line`; returns the as-of day (`YYYY-MM-DD`) of an `ok as_of=…` / `as_of=…` answer.
    func send(_ line: String) async throws -> String {
        let token = try TokenFile.load(tokenFile, create: false)
        let answer: String
        do { answer = try await PaperClock.command(address, line: line, token: token) } catch { throw BacktestError.paperClock("\(line): \(error)") }
        guard let r = answer.range(of: "as_of="), !answer.hasPrefix("error") else { throw BacktestError.paperClock("\(line): ib-paper answered \(answer)") }
        return CalendarDay.dashed(String(answer[r.upperBound...].prefix(8)))
    }

    func asOf() async throws -> String { try await send("asof") }

    /// Moves the clock `days` trading days on; nil at the end of the data (the clock stays at the last day).
    func advance(_ days: Int) async throws -> String? {
        do { return try await send("advance \(days)") } catch BacktestError.paperClock(let m) where m.contains("end of data") { return nil }
    }
}
