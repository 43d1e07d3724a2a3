import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// The run owner's configuration (`run.*`, `ib.paper_admin`, the work and command endpoints), read
/// once at start-up; a bad value stops the run before any socket opens, naming the key.
public struct RunSettings: Sendable {
    public var endpoints: WorkEndpoints
    /// `run.universe`: the symbols of a run when none are given.
    public var universe: [String]
    /// `run.paper_advance_days`: demo mode, days to advance ib-paper's clock after the orders.
    public var paperAdvanceDays: Int
    /// `ib.paper_admin`: where ib-paper's admin line protocol listens (host:port).
    public var paperAdmin: String?
    /// `run.stage_dead_s`: seconds a stage the run needs may have no live worker (by heartbeats)
    /// before the run stops, naming the stage.
    public var stageDeadAfter: Double

    public init(config: ConfigFile) throws {
        endpoints = try WorkEndpoints(config: config)
        universe = config[\.runUniverse].map { $0.uppercased() }
        paperAdvanceDays = config[\.runPaperAdvanceDays]
        paperAdmin = config[\.ibPaperAdmin]
        stageDeadAfter = config[\.runStageDeadS]
    }

    /// The pipeline's settings for one run, from these and the command's choices: the stages the run
    /// cannot do without (watched by their heartbeats), the paper clock, the tracking parameters.
    public func pipeline(runId: String, universe: [String], folder: String, fromGateway: Bool, trading: Bool, advanceDays: Int?,
                         tokenFile: String, params: [String: String]) -> RunPipeline.Settings {
        var plan = RunPipeline.Settings(runId: runId, universe: universe, chartsDirectory: folder + "/charts")
        plan.runFolder = folder
        plan.trading = trading
        (plan.paperAdvanceDays, plan.paperAdmin, plan.paperAdminTokenFile) = (advanceDays ?? paperAdvanceDays, paperAdmin, tokenFile)
        plan.trackingParams = params
        plan.needs = Set([.charts, .analysis] + (fromGateway ? [.broker] : []) + (trading ? [.orders] : []))
        plan.stageDeadAfter = stageDeadAfter
        return plan
    }

    /// A new run id: `<prefix>-<UTC time>` without the characters file systems and MLflow dislike.
    public static func newRunId(prefix: String, at date: Date = Date()) -> String {
        "\(prefix)-" + UTCTimestamp.format(date).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "")
    }
}

extension RunChannels {
    /// The run owner's sockets over ZeroMQ: work queues bound at `endpoints`, order-router and
    /// gateway-bridge connected when `trading` / `gateway`, the tracker's publisher when `track`.
    /// The tracking publisher opens first, so the tracker's subscription is on its way while the rest starts;
    /// with `watch`, a subscriber to the bus's heartbeats follows (the liveness of the stages).
    public static func open(_ endpoints: WorkEndpoints, context: ProcessContext, analyse: Bool, trading: Bool, gateway: Bool,
                            track: Bool, watch: Bool = false) throws -> RunChannels {
        let options = context.socketOptions
        let tracking = track ? try SocketLoop(.xpub, connect: [context.endpoints.publish], options: options, name: "run-tracking") : nil
        let heartbeats = watch ? try context.endpoints.makeSubscriberSocket(prefixes: [Heartbeat.messageType], options: options) : nil
        func bind(_ kind: SocketKind, _ endpoint: String, _ name: String) throws -> SocketLoop {
            try SocketLoop(kind, bind: [endpoint], options: options, name: name)
        }
        func client(_ endpoint: String) throws -> RequestClient {
            try RequestClient(connect: endpoint, source: context.instance, options: options, codec: context.codec, logger: context.logger)
        }
        return RunChannels(
            chartJobs: try bind(.push, endpoints.chartJobs, "charts-jobs"), chartResults: try bind(.pull, endpoints.chartResults, "charts-results"),
            analysisJobs: analyse ? try bind(.push, endpoints.analysisJobs, "analysis-jobs") : nil,
            analysisResults: analyse ? try bind(.pull, endpoints.analysisResults, "analysis-results") : nil,
            router: trading ? try client(endpoints.routerCommands) : nil, gateway: gateway ? try client(endpoints.gatewayCommands) : nil,
            tracking: tracking, heartbeats: heartbeats)
    }
}
