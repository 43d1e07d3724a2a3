/// Every endpoint default, declared once: unless configured, each socket is an `ipc://` file under
/// `bus.directory` (default `/tmp/candlewick`).
public enum EndpointDefaults {
    /// The default `bus.directory`.
    public static let directory = "/tmp/candlewick"

    /// `bus.directory` as configured, else the default.
    public static func directory(in config: ConfigFile) -> String { config.string("bus.directory", default: directory) }

    /// `key` as configured, else `ipc://<bus.directory>/<file>`.
    public static func endpoint(_ key: String, file: String, in config: ConfigFile) -> String {
        config.string(key, default: "ipc://\(directory(in: config))/\(file)")
    }
}

/// Where work queues and command sockets live. The run owner binds the work queues (PUSH for jobs,
/// PULL for results) and workers connect; gateway-bridge and order-router bind their command sockets.
public struct WorkEndpoints: Sendable {
    public let chartJobs: String
    public let chartResults: String
    public let analysisJobs: String
    public let analysisResults: String
    public let gatewayCommands: String
    public let routerCommands: String

    public init(config: ConfigFile) throws {
        chartJobs = EndpointDefaults.endpoint("chart.jobs", file: "chart-jobs.sock", in: config)
        chartResults = EndpointDefaults.endpoint("chart.results", file: "chart-results.sock", in: config)
        analysisJobs = EndpointDefaults.endpoint("llm.jobs", file: "analysis-jobs.sock", in: config)
        analysisResults = EndpointDefaults.endpoint("llm.results", file: "analysis-results.sock", in: config)
        gatewayCommands = EndpointDefaults.endpoint("gateway.commands", file: "gateway.sock", in: config)
        routerCommands = EndpointDefaults.endpoint("router.commands", file: "router.sock", in: config)
    }
}
