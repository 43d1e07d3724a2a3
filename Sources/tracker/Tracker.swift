import ArgumentParser
import CandlewickBus
import CandlewickRuntime
import CandlewickTracker
import Foundation

/// `tracker`: logs every run to MLflow (or a local run folder and HTML report) through a durable spool.
@main
struct Tracker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Logs every run to MLflow (or a local run folder and HTML report) through a durable spool.",
        discussion: """
            Subscribes to the bus (run.*, order.update, trade, portfolio), journals every record to a local \
            spool (fsync) before uploading, and delivers parameters, metrics, tags and artifacts (charts, signal, \
            raw model answer, orders, fills, portfolio) in order, exactly once, resuming after restarts. Run records \
            it missed (a hole in their numbers, or while it was down) are read back from the run folder's outbox; a \
            parent run is FINISHED only when every record is held, else FAILED with candlewick.audit=incomplete. With \
            tracker.mlflow_uri (or MLFLOW_TRACKING_URI) set the records go to that MLflow server; otherwise to \
            <tracker.directory>/<run id>/tracking/ with a static report.html. See docs/tracking.md.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "tracker", options: common)
        let settings: TrackerSettings
        do { settings = try TrackerSettings(config: context.config) } catch let e as ConfigError { throw ValidationError(e.message) }
        let sink: any TrackingSink
        if settings.mlflowURI.isEmpty {
            sink = LocalSink(directory: settings.directory, logger: context.logger)
        } else {
            let auth = MLflowAuth(environment: ProcessInfo.processInfo.environment)
            let client = MLflowClient(baseURL: settings.mlflowURI, auth: auth, timeout: settings.requestTimeout)
            sink = MLflowSink(client: client, experiment: settings.experiment, logger: context.logger)
            context.logger.info("tracker.mlflow", metadata: ["mlflow.uri": "\(settings.mlflowURI)", "auth": "\(auth)"])
        }
        let spool = try Spool(directory: settings.spoolDirectory, sink: sink.name)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: TrackerService.topics, options: context.socketOptions)
        let (events, eventsLoop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        let budget = context.shutdownBudget
        let service = TrackerService(
            frames: socket.incoming, spool: spool, sink: sink, logger: context.logger, codec: context.codec,
            drainBudget: budget > .seconds(2) ? budget - .seconds(1) : budget / 2,
            maxBackoff: .milliseconds(Int(settings.retryMax * 1000)), runsDirectory: settings.directory)
        let counters = service.counters
        try await ProcessRunner.run(
            [SocketCloser(socket, eventsLoop), HeartbeatService(context: context, publisher: events, state: { counters.state }, counters: { counters.snapshot },
                                                                   alerts: { counters.alerts }), service],
            context: context)
    }
}
