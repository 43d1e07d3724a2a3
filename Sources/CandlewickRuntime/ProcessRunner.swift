import CandlewickBus
import Logging
import ServiceLifecycle

/// Runs a process's services in one `ServiceGroup`: SIGTERM and SIGINT start a graceful shutdown
/// (services stop in reverse order); a process that has not finished within its budget is
/// cancelled. Any service ending (normally or with an error) shuts the whole group down.
/// A `HeartbeatService` is stopped first, whatever its place: its last heartbeat (`stopping`) goes out
/// as the shutdown begins, so a run owner learns at once that this process no longer serves its
/// stage instead of while the process drains (or, if the budget runs out, never).
public enum ProcessRunner {
    public static func run(_ services: [any Service], context: ProcessContext) async throws {
        // Services stop in reverse order: the heartbeat goes last in the list so it stops first.
        let ordered = services.filter { !($0 is HeartbeatService) } + services.filter { $0 is HeartbeatService }
        var config = ServiceGroupConfiguration(
            services: ordered.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: context.logger)
        config.maximumGracefulShutdownDuration = context.shutdownBudget
        let group = ServiceGroup(configuration: config)
        context.logger.info("process.start", metadata: [
            "bus.publish": "\(context.endpoints.publish)", "bus.subscribe": "\(context.endpoints.subscribe)",
        ])
        try await group.run()
        context.logger.info("process.stop")
    }
}

/// Closes a socket loop when the group shuts down (its queued messages get the linger time to leave).
public struct SocketCloser: Service {
    private let loops: [SocketLoop]

    public init(_ loops: SocketLoop...) { self.loops = loops }

    public func run() async throws {
        try? await gracefulShutdown()
        for loop in loops { await loop.close() }
    }
}
