import CandlewickBus
import CandlewickCore
import Foundation
import Logging

/// What a running process knows about itself: its name, configuration, logger and bus endpoints.
/// Built once in `run()` from `CommonOptions`, before any socket opens.
public struct ProcessContext: Sendable {
    /// The executable's name, e.g. `chart-worker`.
    public let process: String
    /// The instance name, e.g. `chart-worker.2`.
    public let instance: String
    public let config: ConfigFile
    public let logger: Logger
    public let endpoints: BusEndpoints
    public let socketOptions: SocketOptions
    public let heartbeatInterval: Duration
    public let shutdownBudget: Duration
    public let startedAt: Date

    /// Loads the config, bootstraps logging and resolves the bus endpoints.
    public init(process: String, options: CommonOptions) throws {
        let config = try ConfigFile.load(path: options.config)
        let format = LineLogHandler.Format(rawValue: options.logFormat ?? config.string("runtime.log_format", default: "text")) ?? .text
        LogSetup.bootstrap(level: Logger.Level(rawValue: options.logLevel) ?? .info, format: format)
        self.process = process
        self.instance = options.instance ?? "\(process).\(ProcessInfo.processInfo.processIdentifier)"
        self.config = config
        var logger = Logger(label: process)
        logger[metadataKey: "instance"] = "\(instance)"
        self.logger = logger
        let defaults = BusEndpoints.ipc(in: EndpointDefaults.directory(in: config))
        endpoints = BusEndpoints(
            publish: options.busPublish ?? config.string("bus.publish", default: defaults.publish),
            subscribe: options.busSubscribe ?? config.string("bus.subscribe", default: defaults.subscribe))
        var socketOptions = SocketOptions()
        let hwm = try config.int("bus.high_water_mark", default: 10_000)
        socketOptions.sendHighWaterMark = Int32(clamping: hwm)
        socketOptions.receiveHighWaterMark = Int32(clamping: hwm)
        socketOptions.maxMessageSize = Int64(try config.int("bus.max_message_bytes", default: 64 << 20))
        socketOptions.lingerMs = Int32(clamping: try config.int("bus.linger_ms", default: 500))
        self.socketOptions = socketOptions
        heartbeatInterval = .milliseconds(Int(try config.double("runtime.heartbeat_interval_s", default: 2) * 1000))
        shutdownBudget = .milliseconds(Int(try config.double("runtime.shutdown_budget_s", default: 5) * 1000))
        startedAt = Date()
    }

    /// A frame codec honouring `bus.max_message_bytes`.
    public var codec: FrameCodec { FrameCodec(maxMessageBytes: Int(socketOptions.maxMessageSize)) }
}
