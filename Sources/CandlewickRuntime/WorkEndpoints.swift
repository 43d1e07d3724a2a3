/// Where work queues live: the run owner binds these (PUSH for jobs, PULL for results); workers connect.
public struct WorkEndpoints: Sendable {
    public let chartJobs: String
    public let chartResults: String
    public let analysisJobs: String
    public let analysisResults: String
    public let gatewayCommands: String

    public init(config: ConfigFile) throws {
        let directory = config.string("bus.directory", default: "/tmp/candlewick")
        chartJobs = config.string("chart.jobs", default: "ipc://\(directory)/chart-jobs.sock")
        chartResults = config.string("chart.results", default: "ipc://\(directory)/chart-results.sock")
        analysisJobs = config.string("llm.jobs", default: "ipc://\(directory)/analysis-jobs.sock")
        analysisResults = config.string("llm.results", default: "ipc://\(directory)/analysis-results.sock")
        gatewayCommands = config.string("gateway.commands", default: "ipc://\(directory)/gateway.sock")
    }
}
