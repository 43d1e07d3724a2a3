import CandlewickBus
import CandlewickCore
@testable import CandlewickRun
import CandlewickTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("Run service: heartbeats as liveness events, and a graceful shutdown that still gives an outcome (in memory)")
struct RunServiceStopTests {
    static let quiet: Logger = {
        var l = Logger(label: "run-stop-test")
        l.logLevel = .critical
        return l
    }()

    static func heartbeat(_ process: String, _ instance: String, state: String = "running") throws -> Heartbeat {
        try Heartbeat(process: process, instance: instance, pid: 42, host: "h", startedAt: ManualClock.epoch, state: state, intervalS: 2)
    }

    @Test("a worker's heartbeat is live for three intervals, `stopping` ends it; processes that serve no stage are ignored")
    func heartbeatEvents() async throws {
        try await TestBus.with(.inMemory) { bus in
            let channel = try bus.bind(.pull, "heartbeats")
            let beats = BusPublisher(source: "t", sink: try bus.connect(.push, "heartbeats"))
            try beats.publish(try Self.heartbeat("tracker", "tracker.1"))
            try beats.publish(try Probe(n: 1, body: "not a heartbeat"))
            try beats.publish(try Self.heartbeat("chart-worker", "chart-worker.1"))
            try beats.publish(try Self.heartbeat("llm-worker", "llm-worker.1", state: "stopping"))
            try beats.publish(try Self.heartbeat("order-router", "order-router.1"))
            let (events, feed) = AsyncStream<RunPipeline.Event>.makeStream()
            let watcher = Task { await RunService.watchHeartbeats(channel, codec: FrameCodec(), logger: Self.quiet, feed: feed) }
            var seen: [String] = []
            for await event in events {
                switch event {
                case .workerSeen(let stage, let instance, let liveFor): seen.append("seen \(stage.rawValue) \(instance) \(liveFor)")
                case .workerStopping(let stage, let instance): seen.append("stopping \(stage.rawValue) \(instance)")
                default: seen.append("other")
                }
                if seen.count == 3 { break }
            }
            watcher.cancel()
            await watcher.value
            #expect(seen == ["seen charts chart-worker.1 6.0", "stopping analysis llm-worker.1", "seen orders order-router.1 6.0"])
        }
    }

    @Test("graceful shutdown (what SIGTERM starts) mid-run: the service returns with an outcome that names what was cut short")
    func gracefulShutdown() async throws {
        try await TestBus.with(.inMemory) { bus in
            let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/data/daily").path
            let universe = try CSVBars.symbols(in: data)
            let channels = RunChannels(chartJobs: try bus.bind(.push, "chart.jobs"), chartResults: try bus.bind(.pull, "chart.results"),
                                       analysisJobs: try bus.bind(.push, "llm.jobs"), analysisResults: try bus.bind(.pull, "llm.results"))
            let worker = Inbox(try bus.connect(.pull, "chart.jobs").incoming)  // takes jobs, never answers
            var settings = RunPipeline.Settings(runId: "run-t", universe: universe, chartsDirectory: "/tmp/run-t-charts")
            settings.track = false
            let run = RunService(settings: settings, channels: channels, bars: CSVBars(directory: data, history: 300), source: "run.t",
                                 logger: Self.quiet)
            var config = ServiceGroupConfiguration(
                services: [.init(service: run, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)],
                logger: Self.quiet)
            config.maximumGracefulShutdownDuration = .seconds(30)
            let group = ServiceGroup(configuration: config)
            let running = Task { try await group.run() }
            _ = try await worker.first(1)  // the run is under way: a chart job is out
            await group.triggerGracefulShutdown()
            try await running.value
            let outcome = try #require(run.outcome, "an outcome despite the shutdown")
            let stop = try #require(outcome.stop)
            #expect(stop.code == .signal)
            #expect(stop.cutShort.map(\.symbol) == universe, "nothing was answered, so every symbol was cut short")
            #expect(stop.cutShort.contains { $0.stage == "charts" })
            #expect(outcome.failures.count == universe.count && outcome.signals.isEmpty)
        }
    }
}
