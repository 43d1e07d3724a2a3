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
            pacing rules. It also places and cancels orders (order.place, order.cancel), answers broker.sync with a snapshot \
            (open and completed orders, executions, positions, account) and portfolio.request, and publishes order status, \
            executions and a snapshot after every (re)connect. If the connection drops it reconnects with backoff \
            (ib.reconnect_max_s); a first connection that fails exits 2.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let context = try ProcessContext(process: "gateway-bridge", options: common)
        let settings = try GatewaySettings(config: context.config)
        let events = EventRelay(logger: context.logger)
        let link = GatewayLink(host: settings.host, port: settings.port, clientId: settings.clientId, timeout: settings.connectTimeout,
                               maxBackoff: settings.reconnectMax, maxMessagesPerSecond: settings.maxMessagesPerSecond, onEvent: { e in events.deliver(e) },
                               onDown: { epoch, why in events.down(epoch: epoch, why) })
        do {
            try link.connect()
        } catch {
            context.logger.critical("gateway.connect_failed", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        context.logger.info("gateway.connected", metadata: ["ib": "\(settings.host):\(settings.port)", "accounts": "\(link.accounts.joined(separator: ","))"])
        // broker.* events go to the bus for observers and, point to point, to order-router, whose risk
        // state must be built only from what this process's key sent.
        let busLoop = try SocketLoop(.pub, connect: [context.endpoints.publish], options: context.socketOptions, name: "pub")
        let brokerLoop = try SocketLoop(.pub, bind: [settings.events], options: context.socketOptions, name: "broker-events")
        let publisher = BusPublisher(source: context.instance, sink: TeeSink(busLoop, also: brokerLoop, topics: ["broker."]))
        let logger = context.logger
        let publish: @Sendable (any BusPayload) -> Void = { payload in
            do { _ = try publisher.publish(any: payload) } catch { logger.warning("gateway.publish_failed", metadata: ["error": "\(error)"]) }
        }
        let desk = OrderDesk(link: link, publish: publish, logger: context.logger)
        let fetcher = MarketDataFetcher(connection: link, qualify: { symbol in try await desk.contract(for: symbol) })
        let reconnects = ReconnectService(link: link, desk: desk, logger: context.logger, publish: publish)
        events.attach(fetcher, desk: desk, logger: context.logger, resync: { await reconnects.resync() })
        let server = try RequestServer(bind: settings.commands, source: context.instance, options: context.socketOptions,
                                       codec: context.codec, logger: context.logger)
        try await ProcessRunner.run(
            [SocketCloser(busLoop, brokerLoop),
             HeartbeatService(context: context, publisher: publisher, counters: {
                 GatewayMetrics.sample(link)
                 return ["ib.messages_written": Double(link.messagesWritten),
                  "ib.max_messages_in_any_second": Double(link.maxMessagesInAnySecond), "ib.connection_epoch": Double(link.epoch)]
             }),
             reconnects,
             CommandService(server: server, fetcher: fetcher, desk: desk, logger: context.logger)],
            context: context)
        await desk.shutdown()
        link.close()
    }
}
