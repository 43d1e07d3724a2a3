/// Where work queues live: the run owner binds these (PUSH for jobs, PULL for results); workers connect.
public struct WorkEndpoints: Sendable {
    public let chartJobs: String
    public let chartResults: String
    public let analysisJobs: String
    public let analysisResults: String
    public let gatewayCommands: String

    public init(config: ConfigFile) throws {
        chartJobs = config[\.chartJobs]
        chartResults = config[\.chartResults]
        analysisJobs = config[\.llmJobs]
        analysisResults = config[\.llmResults]
        gatewayCommands = config[\.gatewayCommands]
    }
}
