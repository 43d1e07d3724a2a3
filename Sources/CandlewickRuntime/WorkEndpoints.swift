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
        chartJobs = config[\.chartJobs]
        chartResults = config[\.chartResults]
        analysisJobs = config[\.llmJobs]
        analysisResults = config[\.llmResults]
        gatewayCommands = config[\.gatewayCommands]
        routerCommands = config[\.routerCommands]
    }
}
