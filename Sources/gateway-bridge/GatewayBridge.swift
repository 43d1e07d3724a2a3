import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickGateway
import CandlewickRuntime
import Foundation
import ServiceLifecycle

/// `gateway-bridge`: the only process that talks to IB.
@main
struct GatewayBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-bridge",
        abstract: "The only process that talks to IB: one TWS API connection, serving market data on the bus.",
        discussion: """
            Connects to IB Gateway, TWS or ib-paper (ib.host, ib.port, ib.client_id; paper port 4002 by default), \
            completes the handshake within ib.connect_timeout_s, and answers `market_data.request` commands on its \
            ROUTER socket (gateway.commands) with `market_data` or `gateway.error` (IB's code and text), keeping IB's \
            pacing rules. If the connection drops it exits non-zero so the supervisor restarts it. Orders, executions \
            and portfolio commands come with the order-router (issue 6).
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "gateway-bridge", options: common)
        var catalog = MessageCatalog.standard
        catalog.register(MarketDataRequest.self)
        let codec = FrameCodec(catalog: catalog, maxMessageBytes: Int(context.socketOptions.maxMessageSize))
        let host = context.config.string("ib.host", default: "127.0.0.1")
        let port = try context.config.int("ib.port", default: 4002)
        let clientId = try context.config.int("ib.client_id", default: 1)
        let timeout = try context.config.double("ib.connect_timeout_s", default: 10)
        let events = EventRelay()
        let connection: TWSConnection
        do {
            connection = try TWSConnection(host: host, port: port, clientId: clientId, timeout: timeout,
                                           onEvent: { e in events.deliver(e) }, onClose: { why in events.close(why) })
        } catch {
            context.logger.critical("gateway.connect_failed", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        context.logger.info("gateway.connected", metadata: ["ib": "\(host):\(port)", "accounts": "\(connection.accounts.joined(separator: ","))"])
        let fetcher = MarketDataFetcher(connection: connection)
        events.attach(fetcher, logger: context.logger)
        let endpoints = try WorkEndpoints(config: context.config)
        let server = try RequestServer(bind: endpoints.gatewayCommands, source: context.instance, options: context.socketOptions,
                                       codec: codec, logger: context.logger)
        let (publisher, eventsLoop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        try await ProcessRunner.run(
            [SocketCloser(eventsLoop), HeartbeatService(context: context, publisher: publisher),
             CommandService(server: server, fetcher: fetcher, closed: events, logger: context.logger)],
            context: context)
        events.beginShutdown()
        connection.close()
        if let why = events.closedReason { context.logger.error("gateway.connection_lost", metadata: ["reason": "\(why)"]); throw ExitCode(3) }
    }
}
