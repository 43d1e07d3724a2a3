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

    /// Loads and validates the config (every key, by `ConfigKeys`), bootstraps logging and metrics
    /// (`ProcessMetrics`, once per process), resolves the bus
    /// endpoints and prepares the bus directory (0700, refused when not private) if this process uses it.
    public init(process: String, options: CommonOptions) throws {
        let config = try ConfigFile.load(path: options.config)
        let format = options.logFormat.flatMap(LineLogHandler.Format.init(rawValue:)) ?? config[\.runtimeLogFormat]
        LogSetup.bootstrap(level: Logger.Level(rawValue: options.logLevel) ?? .info, format: format)
        self.process = process
        self.instance = options.instance ?? "\(process).\(ProcessInfo.processInfo.processIdentifier)"
        ProcessMetrics.bootstrap(process: process, instance: instance)
        self.config = config
        var logger = Logger(label: process)
        logger[metadataKey: "instance"] = "\(instance)"
        self.logger = logger
        endpoints = BusEndpoints(publish: options.busPublish ?? config[\.busPublish], subscribe: options.busSubscribe ?? config[\.busSubscribe])
        try Self.prepareBusDirectory(config: config, process: ConfigProcess(rawValue: process), endpoints: endpoints)
        var socketOptions = SocketOptions()
        socketOptions.sendHighWaterMark = Int32(clamping: config[\.busHighWaterMark])
        socketOptions.receiveHighWaterMark = Int32(clamping: config[\.busHighWaterMark])
        socketOptions.maxMessageSize = Int64(config[\.busMaxMessageBytes])
        socketOptions.lingerMs = Int32(clamping: config[\.busLingerMs])
        keyStore = KeyStore(directory: config[\.securityKeys], allowList: config[\.securityAllowList])
        security = try Self.security(process: process, config: config, endpoints: endpoints, store: keyStore,
                                     auditDirectory: config[\.securityAuditDirectory], logger: logger)
        socketOptions.security = security
        self.socketOptions = socketOptions
        heartbeatInterval = .milliseconds(Int(config[\.runtimeHeartbeatIntervalS] * 1000))
        shutdownBudget = .milliseconds(Int(config[\.runtimeShutdownBudgetS] * 1000))
        startedAt = Date()
    }

    /// Creates and checks `bus.directory` when an endpoint `process` reads (every endpoint for a process
    /// the table does not know) is an `ipc://` path inside it.
    static func prepareBusDirectory(config: ConfigFile, process: ConfigProcess?, endpoints: BusEndpoints) throws {
        let directory = config[\.busDirectory]
        var used = [endpoints.publish, endpoints.subscribe].filter { _ in process.map(ConfigProcess.busUsers.contains) ?? true }
        for spec in ConfigKeys.all where spec.kind == .endpoint && !["bus.publish", "bus.subscribe"].contains(spec.name) {
            if process.map(spec.processes.contains) ?? true, let e = config.text(of: spec.name) { used.append(e) }
        }
        let inside = used.contains { e in
            e.hasPrefix("ipc://") && ((String(e.dropFirst(6)) as NSString).deletingLastPathComponent as NSString).standardizingPath == (directory as NSString).standardizingPath
        }
        guard inside else { return }
        do { try BusDirectory.prepare(directory) } catch {
            throw ConfigError(config.origin(of: "bus.directory") ?? "bus.directory (default \(BusDirectory.defaultPath))", "\(error)")
        }
    }

    /// Sets up the bus identity of a process with a bus role: every `ipc://` directory private (0700,
    /// ours), the role's key pair loaded — or generated on first start when `security.generate_keys`
    /// (default true, the one-host stack) — and the endpoint names both ends of a link agree on.
    private static func security(process: String, config: ConfigFile, endpoints: BusEndpoints, store: KeyStore,
                                 auditDirectory: String, logger: Logger) throws -> BusSecurity? {
        guard let role = BusRole.forProcess(process) else { return nil }
        let named = try WorkEndpoints(config: config).named(bus: endpoints)
        for dir in Set(named.values.filter { $0.hasPrefix("ipc://") }.map { (String($0.dropFirst(6)) as NSString).deletingLastPathComponent }) {
            if try PrivateDirectory.ensure(dir, what: "bus directory", whenOpen: .tighten) {
                logger.warning("bus.directory_tightened", metadata: ["directory": "\(dir)", "mode": "0700"])
            }
        }
        let generate = config[\.securityGenerateKeys]
        let pair = try store.loadOrGenerate(role: role, name: config[\.securityKeyName] ?? role.rawValue, generate: generate)
        logger.debug("auth.identity", metadata: ["role": "\(role.rawValue)", "key_id": "\(pair.keyId)", "keys": "\(store.directory)"])
        return try BusSecurity(role: role, keyPair: pair, store: store, endpoints: named, generateMissing: generate,
                               auditPath: "\(auditDirectory)/\(process).jsonl", logger: logger)
    }

    /// A frame codec honouring `bus.max_message_bytes`.
    public var codec: FrameCodec { FrameCodec(maxMessageBytes: Int(socketOptions.maxMessageSize)) }
}
