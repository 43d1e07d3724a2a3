import CandlewickBus
import CandlewickCore
import Foundation

/// The run owner's rules as a value type: bars in → chart jobs → analysis jobs → signals → order
/// submissions → (demo) the paper clock and a broker snapshot → the outcome. Events go in with the
/// time they happened; actions come out for `RunService` (or a test) to carry out. Nothing here
/// reads a clock or touches a socket, so a test drives it with a manual clock, a replay gives the
/// same actions, and a backtest can run it on simulated time.
///
/// Time is seconds on the caller's clock (`now`), the same clock for every event of a run.
public struct RunPipeline: Sendable {
    /// The rules of one run.
    public struct Settings: Sendable {
        public var runId: String
        /// The symbols, in the order given.
        public var universe: [String]
        /// Charts are written under `<chartsDirectory>/<SYMBOL>/`.
        public var chartsDirectory: String
        /// The run folder (`chartsDirectory` is inside it): live records name their chart files relative to it
        /// (nil: they name none).
        public var runFolder: String?
        /// Whether chart-workers write the PNGs there (false: they only travel with the analysis job,
        /// as in a backtest, where thousands of as-of days would fill the disk).
        public var keepCharts = true
        /// Seconds a chart-worker may take before its job is issued again (analysis jobs get 4x).
        public var lease: Double = 30
        /// Attempts per job before it is given up.
        public var attempts: Int = 3
        /// Chart jobs out at the workers at once (analysis jobs: 4x, an llm-worker runs many calls at once).
        public var inFlight: Int = 32
        /// Seconds after the start when the stages stop waiting (what is still out is reported).
        public var timeout: Double = 300
        /// Hold every chart job until all bars are in.
        public var staged = false
        /// Send each chart on to analysis (false: a chart-only run, `candlewick charts`).
        public var analyse = true
        /// Send actionable signals to order-router.
        public var trading = false
        /// Seconds order-router has to give a final answer for a signal.
        public var orderDeadline: Double = 60
        /// Seconds order-router has to answer one submission (the request's deadline; a submission
        /// still unanswered a second after it counts as unanswered even if the reply was lost).
        public var submitTimeout: Double = 20
        /// Demo mode: days to advance ib-paper's clock after the orders (0: none), and where its admin line is.
        public var paperAdvanceDays = 0
        public var paperAdmin: String?
        /// The file holding the token ib-paper's admin port requires (`ib.paper_admin_token_file`).
        public var paperAdminTokenFile: String?
        /// Publish tracking records (`run.*`), with these run parameters.
        public var track = true
        public var trackingParams: [String: String] = [:]
        /// Seconds tracking records wait for the tracker's subscription to reach the run's publisher
        /// before they go out anyway (a PUB socket drops what it sends before subscriptions arrive).
        public var trackingWait: Double = 2
        /// The stages this run cannot do without, watched by their workers' heartbeats (empty: none).
        public var needs: Set<Stage> = []
        /// `run.stage_dead_s`: seconds a needed stage may have no live worker before the run stops.
        public var stageDeadAfter: Double = 3

        public init(runId: String, universe: [String], chartsDirectory: String) {
            self.runId = runId
            self.universe = universe
            self.chartsDirectory = chartsDirectory
        }
    }

    /// The source order-router knows the run owner's submissions by (`router.allowed_sources`).
    public static let submitterSource = "candlewick-run"

    /// The stages of a run, each served by one kind of process: `charts` and `analysis` take jobs,
    /// `broker` (bars, the account) and `orders` answer requests.
    public enum Stage: String, Sendable, CaseIterable {
        case charts, analysis, broker, orders

        /// The process that serves the stage (the `process` of its heartbeats).
        public var process: String {
            switch self {
            case .charts: "chart-worker"
            case .analysis: "llm-worker"
            case .broker: "gateway-bridge"
            case .orders: "order-router"
            }
        }

        /// The stage `process` serves, if any.
        public init?(process: String) {
            guard let stage = Self.allCases.first(where: { $0.process == process }) else { return nil }
            self = stage
        }
    }

    /// Something that happened.
    public enum Event: Sendable {
        /// The run begins (publishes `run.started`).
        case start
        /// A symbol's daily bars arrived; `json`, when known, is the JSON they were decoded from,
        /// forwarded into the chart job as is (nil: the job encodes them).
        case bars(symbol: String, MarketData, json: Data? = nil)
        /// A symbol's bars cannot be had (IB's code and text, or why the file is unreadable).
        case barsFailed(symbol: String, reason: String)
        /// No more bars will come.
        case barsComplete
        /// A chart-worker's result with the PNG frames and the sha256 its envelope declares for them.
        case chartResult(ChartJobResult, charts: [Data], declaredSHA256: [String])
        /// An llm-worker's result.
        case analysisResult(AnalysisResult)
        /// order-router's answer to a submission.
        case routerDecision(symbol: String, RouterDecision)
        /// order-router did not answer a submission (no reply in time, socket error).
        case routerUnreachable(symbol: String, reason: String)
        /// ib-paper's simulation clock answered (its line, e.g. `ok as_of=20240105`).
        case paperClockAdvanced(String)
        /// ib-paper's simulation clock could not be reached.
        case paperClockFailed(String)
        /// gateway-bridge's account snapshot after the orders.
        case brokerSnapshot(BrokerSnapshot)
        /// The snapshot could not be had.
        case brokerSnapshotFailed(String)
        /// The tracker's subscription reached the run's publisher: tracking records may go out.
        case trackerListening
        /// A worker of `stage` was heard from (its heartbeat): it counts as live for `liveFor` seconds
        /// (three heartbeat intervals). A needed stage with no live worker for `stageDeadAfter` stops the run.
        case workerSeen(stage: Stage, instance: String, liveFor: Double = 6)
        /// A worker of `stage` said it is stopping (its last heartbeat): no longer live from now.
        case workerStopping(stage: Stage, instance: String)
        /// Stop now (SIGTERM/SIGINT): what is done is kept, the rest is reported cut short.
        case stop(reason: String)
        /// Time passed: leases expire, submissions are retried, deadlines fall due.
        case tick
    }

    /// Something to do.
    public enum Action: Sendable {
        /// Push a chart job (attempt > 1: its lease expired and it is sent again).
        case sendChartJob(ChartJob, attempt: Int)
        /// Push an analysis job with both charts as attachments.
        case sendAnalysisJob(AnalysisJob, charts: [Attachment], attempt: Int)
        /// Ask order-router for a decision on an actionable signal (safe to repeat: intents are idempotent).
        case submitSignal(SignalSubmission)
        /// Publish a tracking record for the tracker.
        case track(RunRecord)
        /// Publish a symbol's live record for observers (`live.symbol`, after its `run.symbol`; not audited).
        case show(LiveSymbolRecord)
        /// Demo mode: move ib-paper's simulated day so the orders meet new bars.
        case advancePaperClock(address: String, days: Int)
        /// Ask gateway-bridge for the account (fills, portfolio) after the orders.
        case requestBrokerSnapshot
        /// How far the run is.
        case progress(done: Int, total: Int, note: String)
        /// Something worth a warning in the log (event name and fields).
        case warn(String, [String: String])
        /// The run is over.
        case finish(RunOutcome)
    }

    /// A record for the tracker (`run.started`, `run.symbol` with both charts, `run.finished`); the
    /// service stamps the wall-clock times.
    public enum RunRecord: Sendable {
        case started(symbols: [String], params: [String: String])
        case symbol(SymbolRecord, charts: [Attachment])
        case finished(status: RunEndStatus, totals: [String: Double])
    }

    enum Phase: Sendable, Equatable {
        /// Bars, charts and analyses.
        case running
        /// Waiting for order-router's final answers.
        case ordering
        /// Demo mode: the paper clock and the snapshot.
        case settling
        /// Done; holding the end until the tracking records may go out.
        case closing
        case finished
    }

    /// What the run keeps of a chart job once it is made: its symbol and the chart window (the low
    /// and high the analysis job carries), not its ~1,000 bars, which travel only in the job sent.
    struct KeptChart: Sendable {
        let symbol: String
        let window: ChartWindow?
    }

    /// An analysis job with the chart PNGs it carries.
    public struct AnalysisWork: Sendable {
        public let job: AnalysisJob
        public let charts: [Attachment]
    }

    public let settings: Settings
    var phase = Phase.running
    var charts: StageQueue<ChartJob>
    var analyses: StageQueue<AnalysisWork>
    /// What is kept of each chart job made, by job id (the bars travel only in the job sent).
    var chartJobs: [String: KeptChart] = [:]
    var staged: [ChartJob] = []
    var dataDone = false
    var rendered: [String: ChartJobResult] = [:]
    var signals: [String: AnalysisResult] = [:]
    var failures: [RunFailure] = []
    var stageSeconds: [String: Double] = [:]
    var submissions: [String: Submission] = [:]
    var orders = RunOrders()
    /// Charts kept for the symbol's tracking record until its signal arrives, with where they are on disk
    /// (timeframe → path relative to the run folder).
    var chartsForTracking: [String: (pngs: [Attachment], files: [String: String], lastClose: Decimal, at: Double)] = [:]
    /// Tracking records (`.track`) and the live records after them (`.show`), held in order until the tracker
    /// listens (or `trackingWait` has passed).
    var heldRecords: [Action] = []
    var trackingOpen = false
    var outcome: RunOutcome?
    /// When each worker was last heard from, per stage.
    public private(set) var lastHeard: [Stage: [String: Double]] = [:]
    /// Until when each worker counts as live, per stage.
    var liveUntil: [Stage: [String: Double]] = [:]
    /// Jobs given up so far (their symbols' failures are recorded as they are given up).
    var abandonedSeen: Set<String> = []
    /// Why the run stopped before it finished, if it did.
    var stopped: RunStop?

    /// The retry delays for order submissions: an answer that is not final yet, and no answer.
    static let pendingRetry = 0.3
    static let unreachableRetry = 0.5

    public init(settings: Settings) {
        self.settings = settings
        charts = StageQueue(leaseSeconds: settings.lease, maxAttempts: settings.attempts, window: settings.inFlight)
        analyses = StageQueue(leaseSeconds: settings.lease * 4, maxAttempts: settings.attempts, window: settings.inFlight * 4)
        trackingOpen = !settings.track
    }

    /// True once `.finish` has been emitted.
    public var isFinished: Bool { phase == .finished }

    /// Applies one event that happened at `now` and returns what to do, in order.
    public mutating func handle(_ event: Event, now: Double) -> [Action] {
        guard phase != .finished else { return [] }
        var actions: [Action] = []
        if !trackingOpen, now >= settings.trackingWait { actions += openTracking() }
        switch event {
        case .start:
            actions += record(.started(symbols: settings.universe, params: settings.trackingParams))
        case .bars(let symbol, let data, let json):
            actions += bars(symbol: symbol, data: data, json: json, now: now)
        case .barsFailed(let symbol, let reason):
            if phase == .running { failures.append(RunFailure(symbol, reason)) }
        case .barsComplete:
            guard phase == .running, !dataDone else { break }
            dataDone = true
            stageSeconds["data"] = now
            for job in staged { actions += charts.submit(id: job.jobId, job: job, now: now).map(Self.chartSend) }
            staged.removeAll()
        case .chartResult(let result, let pngs, let declared):
            guard phase == .running else { break }
            actions += chartResult(result, pngs: pngs, declared: declared, now: now)
        case .analysisResult(let result):
            guard phase == .running else { break }
            actions += analysisResult(result, now: now)
        case .routerDecision(let symbol, let decision):
            decided(symbol: symbol, decision: decision, now: now)
        case .routerUnreachable(let symbol, _):
            guard var s = submissions[symbol], s.inFlight else { break }
            s.inFlight = false
            s.retryAt = now + Self.unreachableRetry
            submissions[symbol] = s
        case .paperClockAdvanced(let answer):
            guard phase == .settling else { break }
            orders.paperDay = answer
            actions.append(.requestBrokerSnapshot)
        case .paperClockFailed(let reason), .brokerSnapshotFailed(let reason):
            guard phase == .settling else { break }
            failures.append(RunFailure("(orders)", "after the orders: \(reason)"))
            actions += close(now: now)
        case .brokerSnapshot(let snapshot):
            guard phase == .settling else { break }
            orders.absorb(snapshot)
            actions += close(now: now)
        case .trackerListening:
            actions += openTracking()
        case .workerSeen(let stage, let instance, let liveFor):
            lastHeard[stage, default: [:]][instance] = now
            liveUntil[stage, default: [:]][instance] = now + liveFor
        case .workerStopping(let stage, let instance):
            lastHeard[stage, default: [:]][instance] = now
            liveUntil[stage, default: [:]][instance] = now
        case .stop(let reason):
            actions += stop(RunStop(code: .signal, stages: [], message: "stopped by \(reason) at \(Self.seconds(now)) s"), now: now)
            actions += openTracking()  // a stopped run does not wait for the tracker
        case .tick:
            actions += tick(now: now)
        }
        actions += advance(now: now)
        return actions
    }

    // MARK: - Time and phases

    mutating func tick(now: Double) -> [Action] {
        var actions: [Action] = []
        if phase == .running {
            actions += charts.expire(now: now).map(Self.chartSend)
            actions += analyses.expire(now: now).map(Self.analysisSend)
            actions += giveUp()
            if now >= settings.timeout {
                let waiting = charts.outstanding + analyses.outstanding
                if waiting > 0 { failures.append(RunFailure("(run)", "\(waiting) job(s) still outstanding after \(Int(settings.timeout)) s")) }
                phase = .ordering
            }
        }
        if let stop = deadStages(now: now) { return actions + self.stop(stop, now: now) }
        actions += retrySubmissions(now: now)
        return actions
    }

    /// Moves to the next phase when the current one is done.
    mutating func advance(now: Double) -> [Action] {
        var actions: [Action] = []
        if phase == .running, dataDone, charts.outstanding == 0, stageSeconds["charts"] == nil { stageSeconds["charts"] = now }
        if phase == .running, dataDone, charts.outstanding == 0, analyses.outstanding == 0 { phase = .ordering }
        if phase == .ordering, !submissions.values.contains(where: { !$0.final }) {
            guard settings.trading else { return close(now: now) }
            stageSeconds["orders"] = now
            // Every run that decided orders ends with the broker's own account of them (a snapshot);
            // in demo mode ib-paper's clock moves first so the orders meet new bars.
            guard !orders.decisions.isEmpty else { return close(now: now) }
            phase = .settling
            if settings.paperAdvanceDays > 0, !orders.sent.isEmpty {
                guard let admin = settings.paperAdmin else {
                    failures.append(RunFailure("(orders)", "run.paper_advance_days is set but ib.paper_admin is not"))
                    actions.append(.requestBrokerSnapshot)
                    return actions
                }
                actions.append(.advancePaperClock(address: admin, days: settings.paperAdvanceDays))
            } else {
                actions.append(.requestBrokerSnapshot)
            }
        }
        if phase == .closing, trackingOpen, let outcome {
            phase = .finished
            actions.append(.finish(outcome))
        }
        return actions
    }

    /// Ends the run: the outcome, and `run.finished` for the tracker.
    mutating func close(now: Double) -> [Action] {
        guard phase != .closing && phase != .finished else { return [] }
        _ = giveUp()
        failures += orders.problems
        stageSeconds["total"] = now
        let sortedSignals = signals.values.sorted { $0.signal.symbol < $1.signal.symbol }
        let result = RunOutcome(runId: settings.runId, signals: sortedSignals, charts: rendered.values.sorted { $0.symbol < $1.symbol },
                                failures: failures, reissued: charts.reissued + analyses.reissued,
                                duplicates: charts.duplicates + analyses.duplicates, stageSeconds: stageSeconds,
                                orders: settings.trading ? orders : nil, stop: stopped)
        outcome = result
        phase = .closing
        var actions: [Action] = []
        let totals = ["symbols": Double(sortedSignals.count), "actionable": Double(sortedSignals.filter(\.signal.isActionable).count),
                      "failed": Double(failures.count)].merging(AnalysisTotals(sortedSignals).tracked) { $1 }
        if stopped != nil { actions += openTracking() }  // a stopped run does not wait for the tracker
        return actions + record(.finished(status: failures.isEmpty ? .finished : .failed, totals: totals)) + advance(now: now)
    }

    // MARK: - Tracking

    /// A record goes out now, or waits (in order) until the tracker listens; a symbol's record is followed by its
    /// live record, so an observer that sees the run start sees its symbols after it.
    mutating func record(_ r: RunRecord, live: LiveSymbolRecord? = nil) -> [Action] {
        guard settings.track else { return [] }
        let actions: [Action] = [.track(r)] + (live.map { [.show($0)] } ?? [])
        guard trackingOpen else {
            heldRecords += actions
            return []
        }
        return actions
    }

    mutating func openTracking() -> [Action] {
        guard !trackingOpen else { return [] }
        trackingOpen = true
        defer { heldRecords.removeAll() }
        return heldRecords
    }
}
