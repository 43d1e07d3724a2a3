import CandlewickBus
import CandlewickCore
import CandlewickPaper
import CandlewickRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The sockets a run owner works through. Each is a `FrameChannel`: a `SocketLoop` in production,
/// an in-memory twin in tests (CandlewickTesting), so the same service runs over both.
public struct RunChannels: Sendable {
    /// Chart jobs out (PUSH, bound here) and results back (PULL, bound here).
    public var chartJobs: any FrameChannel
    public var chartResults: any FrameChannel
    /// Analysis jobs and results (nil for a chart-only run).
    public var analysisJobs: (any FrameChannel)?
    public var analysisResults: (any FrameChannel)?
    /// order-router's command socket (nil when the run sends no orders).
    public var router: RequestClient?
    /// gateway-bridge's command socket, for the account snapshot after the orders.
    public var gateway: RequestClient?
    /// The bus, for the tracker: a publisher whose `incoming` announces subscriptions (XPUB).
    public var tracking: (any FrameChannel)?
    /// The bus's heartbeats (a subscriber to `heartbeat`), for the liveness of the stages the run needs.
    public var heartbeats: (any FrameChannel)?

    public init(chartJobs: any FrameChannel, chartResults: any FrameChannel, analysisJobs: (any FrameChannel)? = nil,
                analysisResults: (any FrameChannel)? = nil, router: RequestClient? = nil, gateway: RequestClient? = nil,
                tracking: (any FrameChannel)? = nil, heartbeats: (any FrameChannel)? = nil) {
        self.heartbeats = heartbeats
        self.chartJobs = chartJobs
        self.chartResults = chartResults
        self.analysisJobs = analysisJobs
        self.analysisResults = analysisResults
        self.router = router
        self.gateway = gateway
        self.tracking = tracking
    }
}

/// Drives a `RunPipeline`: feeds it what arrives (bars, results, router answers, subscriptions, the
/// passing of time) and carries out its actions on the channels. Every task is a child of `run()`,
/// so the run ends with nothing left behind; the channels are closed when it returns. On graceful
/// shutdown (SIGTERM/SIGINT) the pipeline is told to stop: the outcome is then what completed, with
/// the rest cut short (nil only if the shutdown budget ran out first).
public final class RunService: Service {
    private let settings: RunPipeline.Settings
    private let channels: RunChannels
    private let bars: any BarsSource
    private let source: String
    private let codec: FrameCodec
    private let logger: Logger
    private let clock: @Sendable () -> Double
    private let tick: Duration
    private let onProgress: @Sendable (Int, Int, String) -> Void
    private let outbox: RunOutbox
    private let result = Mutex<RunOutcome?>(nil)
    private let metrics = RunMetrics()

    /// - Parameters:
    ///   - source: the instance name written into every message.
    ///   - clock: seconds on the run's clock (default: since the service was made).
    ///   - tick: how often time is told to the pipeline (lease expiry, retries).
    ///   - onProgress: called with (done, total, symbol) as results arrive.
    ///   - outbox: where the run keeps its tracking records until the tracker has them (the run
    ///     folder's `outbox/`); nil: records are numbered but kept nowhere.
    public init(settings: RunPipeline.Settings, channels: RunChannels, bars: any BarsSource, source: String, codec: FrameCodec = FrameCodec(),
                logger: Logger, clock: (@Sendable () -> Double)? = nil, tick: Duration = .milliseconds(20),
                onProgress: @escaping @Sendable (Int, Int, String) -> Void = { _, _, _ in }, outbox: String? = nil) {
        self.settings = settings
        self.channels = channels
        self.bars = bars
        self.source = source
        self.codec = codec
        self.logger = logger
        let start = ContinuousClock.now
        self.clock = clock ?? { (ContinuousClock.now - start).seconds }
        self.tick = tick
        self.onProgress = onProgress
        self.outbox = RunOutbox(directory: outbox)
    }

    /// What the run came to, once it has finished.
    public var outcome: RunOutcome? { result.withLock { $0 } }

    public func run() async throws {
        let (events, feed) = AsyncStream<RunPipeline.Event>.makeStream()
        var pipeline = RunPipeline(settings: settings)
        let jobs = BusPublisher(source: source, sink: channels.chartJobs, codec: codec)
        let analysisJobs = channels.analysisJobs.map { BusPublisher(source: source, sink: $0, codec: codec) }
        let tracking = channels.tracking.map { BusPublisher(source: source, sink: $0, codec: codec) }
        // Live records under a source of their own: the tracking records keep a sequence without holes for the tracker.
        let live = channels.tracking.map { BusPublisher(source: source + ".live", sink: $0, codec: codec) }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.results(self.channels.chartResults, feed: feed) }
            if let results = channels.analysisResults { group.addTask { await self.results(results, feed: feed) } }
            if let channel = channels.tracking { group.addTask { await Self.watchSubscriptions(channel, feed: feed) } }
            if let channel = channels.heartbeats { group.addTask { await Self.watchHeartbeats(channel, codec: self.codec, logger: self.logger, feed: feed) } }
            group.addTask {
                // Graceful shutdown stops the pipeline, which finishes at once with what it has.
                guard (try? await gracefulShutdown()) != nil else { return }
                feed.yield(.stop(reason: "a shutdown signal (SIGTERM/SIGINT)"))
            }
            group.addTask {
                await self.bars.deliver(self.settings.universe, runId: self.settings.runId) { feed.yield($0) }
                feed.yield(.barsComplete)
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.tick)
                    feed.yield(.tick)
                }
            }
            feed.yield(.start)
            for await event in events {
                if case .tick = event { metrics.sample(pipeline) }
                for action in pipeline.handle(event, now: clock()) {
                    perform(action, jobs: jobs, analysisJobs: analysisJobs, tracking: tracking, live: live, group: &group, feed: feed)
                }
                if pipeline.isFinished { break }
            }
            group.cancelAll()
        }
        await close()
    }

    private func perform(_ action: RunPipeline.Action, jobs: BusPublisher, analysisJobs: BusPublisher?, tracking: BusPublisher?,
                         live: BusPublisher?, group: inout DiscardingTaskGroup, feed: AsyncStream<RunPipeline.Event>.Continuation) {
        let runId = settings.runId
        switch action {
        case .sendChartJob(let job, let attempt):
            send(stage: .charts, id: job.jobId, attempt: attempt) { try jobs.publish(job, runId: runId) }
        case .sendAnalysisJob(let job, let charts, let attempt):
            send(stage: .analysis, id: job.jobId, attempt: attempt) {
                guard let analysisJobs else { throw RunError.missingChannel("analysis jobs") }
                try analysisJobs.publish(job, runId: runId, attachments: charts)
            }
        case .submitSignal(let submission):
            metrics.submitted.increment()
            let (router, timeout) = (channels.router, Duration.milliseconds(Int(settings.submitTimeout * 1000)))
            group.addTask { feed.yield(await Self.submit(submission, to: router, timeout: timeout)) }
        case .track(let record):
            guard let tracking, let sink = channels.tracking else { return }
            publish(record, on: tracking, sink: sink)
        case .show(let record):
            // For observers only: dropped by the publisher when nobody subscribes to `live.`; a failure is logged, never kept.
            guard let live else { return }
            do { try live.publish(record, runId: runId) } catch {
                logger.warning("run.live_not_sent", metadata: ["run.id": "\(runId)", "symbol": "\(record.symbol)", "error": "\(error)"])
            }
        case .advancePaperClock(let address, let days):
            let tokenFile = settings.paperAdminTokenFile
            group.addTask {
                do {
                    let token = try tokenFile.map { try TokenFile.load($0, create: false) }
                    feed.yield(.paperClockAdvanced(try await PaperClock.advance(address, days: days, token: token)))
                } catch {
                    feed.yield(.paperClockFailed("\(error)"))
                }
            }
        case .requestBrokerSnapshot:
            let gateway = channels.gateway
            group.addTask { feed.yield(await Self.snapshot(from: gateway)) }
        case .progress(let done, let total, let note):
            onProgress(done, total, note)
        case .warn(let name, let fields):
            logger.warning("\(name)", metadata: fields.mapValues { .string($0) }.merging(["run.id": "\(runId)"]) { a, _ in a })
        case .finish(let outcome):
            result.withLock { $0 = outcome }
        }
    }

    /// Sends a job; a job that cannot be queued is logged and left to its lease (it is sent again when it expires).
    private func send(stage: RunPipeline.Stage, id: String, attempt: Int, _ body: () throws -> Void) {
        metrics.sent.increment(stage.rawValue)
        if attempt > 1 {
            metrics.reissued.increment(stage.rawValue)
            logger.warning("run.lease_expired", metadata: ["stage": "\(stage.rawValue)", "job.id": "\(id)", "attempt": "\(attempt - 1)"])
        }
        do { try body() } catch {
            let code = (error as? any CodedError)?.code ?? "unknown"
            logger.error("run.job_not_sent", metadata: ["stage": "\(stage.rawValue)", "job.id": "\(id)", "error.code": "\(code)", "error": "\(error)"])
        }
    }

    /// Results from one stage's channel, as pipeline events (other message types are ignored).
    private func results(_ channel: any FrameChannel, feed: AsyncStream<RunPipeline.Event>.Continuation) async {
        for await m in BusSubscriber(source: channel.incoming, codec: codec, logger: logger).messages() {
            if let r = m.payload(as: ChartJobResult.self) {
                feed.yield(.chartResult(r, charts: m.attachments, declaredSHA256: m.header.attachments.map(\.sha256)))
            } else if let a = m.payload(as: AnalysisResult.self) {
                feed.yield(.analysisResult(a))
            }
        }
    }

    /// Heartbeats of the processes that serve a stage, as pipeline events: live for three intervals,
    /// or stopping (state `stopping`, a process's last heartbeat).
    static func watchHeartbeats(_ channel: any FrameChannel, codec: FrameCodec, logger: Logger,
                                feed: AsyncStream<RunPipeline.Event>.Continuation) async {
        for await m in BusSubscriber(source: channel.incoming, codec: codec, logger: logger, detectGaps: false).messages() {
            guard let hb = m.payload(as: Heartbeat.self), let stage = RunPipeline.Stage(process: hb.process) else { continue }
            feed.yield(hb.state == "stopping" ? .workerStopping(stage: stage, instance: hb.instance)
                                              : .workerSeen(stage: stage, instance: hb.instance, liveFor: hb.intervalS * 3))
        }
    }

    /// Tells the pipeline when a subscription that covers `run.*` reaches the run's publisher (an
    /// XPUB socket receives each subscription as a frame: 0x01 and the prefix).
    static func watchSubscriptions(_ channel: any FrameChannel, feed: AsyncStream<RunPipeline.Event>.Continuation) async {
        let topic = Data(RunStarted.messageType.utf8)
        for await frames in channel.incoming {
            guard let frame = frames.first, frame.first == 1, topic.starts(with: frame.dropFirst()) else { continue }
            feed.yield(.trackerListening)
            return
        }
    }

    static func submit(_ submission: SignalSubmission, to router: RequestClient?, timeout: Duration) async -> RunPipeline.Event {
        let symbol = submission.signal.symbol
        guard let router else { return .routerUnreachable(symbol: symbol, reason: "no order-router connection") }
        do {
            let reply = try await router.request(submission, runId: submission.runId, timeout: timeout)
            guard let d = reply.payload(as: RouterDecision.self) else {
                return .routerUnreachable(symbol: symbol, reason: "order-router answered \(reply.header.type)")
            }
            return .routerDecision(symbol: symbol, d)
        } catch {
            return .routerUnreachable(symbol: symbol, reason: "\(error)")
        }
    }

    static func snapshot(from gateway: RequestClient?) async -> RunPipeline.Event {
        guard let gateway else { return .brokerSnapshotFailed("no gateway-bridge connection") }
        do {
            let reply = try await gateway.request(SnapshotRequest(reason: "run summary"), timeout: .seconds(30))
            guard let snapshot = reply.payload(as: BrokerSnapshot.self) else {
                return .brokerSnapshotFailed("gateway-bridge answered \(reply.header.type)")
            }
            return .brokerSnapshot(snapshot)
        } catch {
            return .brokerSnapshotFailed("\(error)")
        }
    }

    /// Publishing never fails the run: each record is kept in the run folder's outbox first, so one
    /// that cannot be sent (or that the tracker misses) is read back from there by the tracker.
    private func publish(_ record: RunPipeline.RunRecord, on publisher: BusPublisher, sink: any FrameSink) {
        let runId = settings.runId
        do {
            if let failure = try outbox.publish(record, runId: runId, now: Date(), publisher: publisher, sink: sink) {
                logger.error("run.outbox_failed", metadata: ["run.id": "\(runId)", "error": "\(failure)"])
            }
        } catch {
            logger.warning("run.tracking_not_sent", metadata: ["run.id": "\(runId)", "error": "\(error)"])
        }
    }

    private func close() async {
        await channels.chartJobs.close()
        await channels.chartResults.close()
        await channels.analysisJobs?.close()
        await channels.analysisResults?.close()
        await channels.router?.close()
        await channels.gateway?.close()
        await channels.tracking?.close()
        await channels.heartbeats?.close()
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
