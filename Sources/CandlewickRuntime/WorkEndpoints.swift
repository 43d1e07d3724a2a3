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
        chartJobs = config[\.chartJobs]
        chartResults = config[\.chartResults]
        analysisJobs = config[\.llmJobs]
        analysisResults = config[\.llmResults]
        gatewayCommands = config[\.gatewayCommands]
        gatewayEvents = config[\.gatewayEvents]
        routerCommands = config[\.routerCommands]
    }

    /// Every endpoint by name, with the bus's two.
    public func named(bus: BusEndpoints) -> [BusEndpointName: String] {
        [.busPublish: bus.publish, .busSubscribe: bus.subscribe, .chartJobs: chartJobs, .chartResults: chartResults,
         .analysisJobs: analysisJobs, .analysisResults: analysisResults, .gatewayCommands: gatewayCommands,
         .gatewayEvents: gatewayEvents, .routerCommands: routerCommands]
    }
}
