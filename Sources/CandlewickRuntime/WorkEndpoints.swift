/// Where work queues live: the run owner binds these (PUSH for jobs, PULL for results); workers connect.
public struct WorkEndpoints: Sendable {
    public let chartJobs: String
    public let chartResults: String

    public init(config: ConfigFile) throws {
        let directory = config.string("bus.directory", default: "/tmp/candlewick")
        chartJobs = config.string("chart.jobs", default: "ipc://\(directory)/chart-jobs.sock")
        chartResults = config.string("chart.results", default: "ipc://\(directory)/chart-results.sock")
    }
}
