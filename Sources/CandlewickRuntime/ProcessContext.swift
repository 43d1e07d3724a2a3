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
    /// The process's bus identity (also in `socketOptions.security`); nil for processes without a
    /// bus role (ib-paper, `candlewick keys`).
    public let security: BusSecurity?
    /// Where this host's keys and allow-list live (`security.keys`, default `<bus.directory>/keys`).
    public let keyStore: KeyStore

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
        let directory = config.string("bus.directory", default: "/tmp/candlewick")
        let defaults = BusEndpoints.ipc(in: directory)
        endpoints = BusEndpoints(
            publish: options.busPublish ?? config.string("bus.publish", default: defaults.publish),
            subscribe: options.busSubscribe ?? config.string("bus.subscribe", default: defaults.subscribe))
        var socketOptions = SocketOptions()
        let hwm = try config.int("bus.high_water_mark", default: 10_000)
        socketOptions.sendHighWaterMark = Int32(clamping: hwm)
        socketOptions.receiveHighWaterMark = Int32(clamping: hwm)
        socketOptions.maxMessageSize = Int64(try config.int("bus.max_message_bytes", default: 64 << 20))
        socketOptions.lingerMs = Int32(clamping: try config.int("bus.linger_ms", default: 500))
        keyStore = KeyStore(directory: config.string("security.keys", default: "\(directory)/keys"), allowList: config.string("security.allow_list"))
        security = try Self.security(process: process, config: config, endpoints: endpoints, store: keyStore,
                                     auditDirectory: config.string("security.audit_directory", default: "\(directory)/audit"), logger: logger)
        socketOptions.security = security
        self.socketOptions = socketOptions
        heartbeatInterval = .milliseconds(Int(try config.double("runtime.heartbeat_interval_s", default: 2) * 1000))
        shutdownBudget = .milliseconds(Int(try config.double("runtime.shutdown_budget_s", default: 5) * 1000))
        startedAt = Date()
    }

    /// Sets up the bus identity of a process with a bus role: every `ipc://` directory private (0700,
    /// ours), the role's key pair loaded — or generated on first start when `security.generate_keys`
    /// (default true, the one-host stack) — and the endpoint names both ends of a link agree on.
    private static func security(process: String, config: ConfigFile, endpoints: BusEndpoints, store: KeyStore,
                                 auditDirectory: String, logger: Logger) throws -> BusSecurity? {
        guard let role = BusRole.forProcess(process) else { return nil }
        let named = try WorkEndpoints(config: config).named(bus: endpoints)
        for dir in Set(named.values.filter { $0.hasPrefix("ipc://") }.map { (String($0.dropFirst(6)) as NSString).deletingLastPathComponent }) {
            if try PrivateDirectory.ensure(dir, what: "bus directory") {
                logger.warning("bus.directory_tightened", metadata: ["directory": "\(dir)", "mode": "0700"])
            }
        }
        let generate = try config.bool("security.generate_keys", default: true)
        let pair = try store.loadOrGenerate(role: role, name: config.string("security.key_name", default: role.rawValue), generate: generate)
        logger.debug("auth.identity", metadata: ["role": "\(role.rawValue)", "key_id": "\(pair.keyId)", "keys": "\(store.directory)"])
        return try BusSecurity(role: role, keyPair: pair, store: store, endpoints: named, generateMissing: generate,
                               auditPath: "\(auditDirectory)/\(process).jsonl", logger: logger)
    }

    /// A frame codec honouring `bus.max_message_bytes`.
    public var codec: FrameCodec { FrameCodec(maxMessageBytes: Int(socketOptions.maxMessageSize)) }
}
