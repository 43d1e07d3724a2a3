import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRouter
import CandlewickRuntime
import Foundation

/// `order-router`: risk gate, sizing and exactly-once bracket orders at IB.
@main
struct OrderRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order-router",
        abstract: "Risk gate, sizing and exactly-once bracket orders at IB.",
        discussion: """
            Receives signals (signal.submit on router.commands), applies the risk policy (risk.*: sizing, limits, trading \
            state and kill switch), journals each order intent durably (router.journal, fsync) before sending it to \
            gateway-bridge with a deterministic orderRef, and reconciles the journal with what IB reports after every start \
            and gateway reconnect; until then no new order is sent. Paper by default; live trading needs router.mode = live, \
            router.account set to the gateway's live account, and --arm-live.
            """)

    @OptionGroup var common: CommonOptions
    @Flag(help: "Arm live trading (with router.mode = live and a matching router.account).") var armLive = false

    func run() async throws {
        let context = try ProcessContext(process: "order-router", options: common)
        let settings: RouterSettings
        let journal: IntentJournal
        do {
            settings = try RouterSettings(config: context.config)
            journal = try IntentJournal(path: settings.journalPath)
        } catch {
            context.logger.critical("router.start_refused", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        if let repaired = journal.repaired { context.logger.warning("router.journal_repaired", metadata: ["detail": "\(repaired)"]) }
        if settings.mode == .live && !armLive {
            context.logger.critical("router.start_refused", metadata: ["error": "router.mode is live but --arm-live was not given"])
            throw ExitCode(4)
        }
        let endpoints = try WorkEndpoints(config: context.config)
        let gatewayClient = try RequestClient(connect: endpoints.gatewayCommands, source: context.instance, options: context.socketOptions,
                                              codec: context.codec, logger: context.logger)
        let (publisher, publishLoop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        let crash = CrashPoints()
        if let armed = crash.armed {
            context.logger.warning("router.test_crash_point_armed", metadata: ["at": "\(armed)"])
        } else if !CrashPoints.compiledIn, let spec = ProcessInfo.processInfo.environment[CrashPoints.variable] {
            context.logger.warning("router.test_hook_ignored", metadata: ["variable": "\(CrashPoints.variable)", "value": "\(spec)",
                                                                          "why": "test hooks are compiled into debug builds only"])
        }
        let logger = context.logger
        let router = OrderRouter(
            journal: journal, gateway: BridgeGateway(client: gatewayClient, placeTimeout: .milliseconds(Int(settings.placeTimeout * 1000))),
            policy: settings.policy, account: settings.account, mode: settings.mode, armed: armLive, allowedSources: settings.allowedSources,
            crash: crash, brokerClock: settings.clock == .broker ? BrokerClock() : nil, logger: context.logger,
            publish: { payload, runId in
                do { _ = try publisher.publish(any: payload, runId: runId) } catch {
                    logger.warning("router.publish_failed", metadata: ["error": "\(error)"])
                }
            })
        let server = try RequestServer(bind: settings.commands, source: context.instance, options: context.socketOptions,
                                       codec: context.codec, logger: context.logger)
        // Broker events only from gateway-bridge's own socket (its key is the CURVE server key), never from the shared bus.
        let eventsLoop = try SocketLoop(.sub, connect: [endpoints.gatewayEvents],
                                        subscriptions: [BrokerOrder.messageType, TradeExecution.messageType, BrokerSnapshot.messageType],
                                        options: context.socketOptions, name: "broker-events")
        // Three of gateway-bridge's event types only: the numbers of the others would look like gaps (the
        // snapshot after every reconnect is what makes the router whole).
        let events = BusSubscriber(source: eventsLoop.incoming, codec: context.codec, logger: context.logger, detectGaps: false)
        context.logger.info("router.started", metadata: ["journal": "\(settings.journalPath)", "replayed": "\(journal.replayed.count)",
                                                         "mode": "\(settings.mode.rawValue)", "clock": "\(settings.clock.rawValue)", "commands": "\(settings.commands)"])
        try await ProcessRunner.run(
            [SocketCloser(publishLoop), SocketCloser(eventsLoop), HeartbeatService(context: context, publisher: publisher,
                                                                                            counters: {
                router.metrics.sample(alerts: router.alerts.alerts)
                return router.alerts.counters
            }, alerts: { router.alerts.alerts }),
             RouterService(router: router, server: server, events: events, logger: context.logger)],
            context: context)
        await gatewayClient.close()
        if let refusal = await router.refusal {
            context.logger.critical("router.trading_refused", metadata: ["reason": "\(refusal)"])
            throw ExitCode(4)
        }
    }
}
