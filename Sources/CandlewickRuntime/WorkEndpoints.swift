import CandlewickBus
import CandlewickCore

/// Where work queues and command sockets live: the run owner binds the work queues (PUSH for jobs,
/// PULL for results) and workers connect; gateway-bridge binds its command and broker-event
/// sockets, order-router its command socket.
public struct WorkEndpoints: Sendable {
    public let chartJobs: String
    public let chartResults: String
    public let analysisJobs: String
    public let analysisResults: String
    public let gatewayCommands: String
    /// gateway-bridge's PUB socket for `broker.*` events, read by order-router point to point (so the
    /// risk state is built only from what gateway-bridge's key sent).
    public let gatewayEvents: String
    public let routerCommands: String

    public init(config: ConfigFile) throws {
        let directory = config.string("bus.directory", default: "/tmp/candlewick")
        chartJobs = config.string("chart.jobs", default: "ipc://\(directory)/chart-jobs.sock")
        chartResults = config.string("chart.results", default: "ipc://\(directory)/chart-results.sock")
        analysisJobs = config.string("llm.jobs", default: "ipc://\(directory)/analysis-jobs.sock")
        analysisResults = config.string("llm.results", default: "ipc://\(directory)/analysis-results.sock")
        gatewayCommands = config.string("gateway.commands", default: "ipc://\(directory)/gateway.sock")
        gatewayEvents = config.string("gateway.events", default: "ipc://\(directory)/gateway-events.sock")
        routerCommands = config.string("router.commands", default: "ipc://\(directory)/router.sock")
    }

    /// Every endpoint by name, with the bus's two.
    public func named(bus: BusEndpoints) -> [BusEndpointName: String] {
        [.busPublish: bus.publish, .busSubscribe: bus.subscribe, .chartJobs: chartJobs, .chartResults: chartResults,
         .analysisJobs: analysisJobs, .analysisResults: analysisResults, .gatewayCommands: gatewayCommands,
         .gatewayEvents: gatewayEvents, .routerCommands: routerCommands]
    }
}
