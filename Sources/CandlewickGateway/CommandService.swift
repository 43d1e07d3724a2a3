import CandlewickBus
import CandlewickCore
import CandlewickTWS
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Hands gateway events from the reader thread to the fetcher and the order desk, and tells them
/// when the connection drops (everything in flight fails with a clear error).
public final class EventRelay: Sendable {
    private let state = Mutex<(fetcher: MarketDataFetcher?, desk: OrderDesk?, logger: Logger?, resync: (@Sendable () async -> Void)?)>((nil, nil, nil, nil))

    /// With `logger`, IB's notices are logged from the start (the handshake's farm notices come before `attach`).
    public init(logger: Logger? = nil) {
        state.withLock { $0.logger = logger }
    }

    /// `resync` is the re-sync path a reconnect takes (`ReconnectService.resync`), run after IB's
    /// 1101 / 1102 / 10147 (see `IBErrorReaction`), once the fetcher and the desk saw the message.
    public func attach(_ fetcher: MarketDataFetcher, desk: OrderDesk, logger: Logger, resync: (@Sendable () async -> Void)? = nil) {
        state.withLock { $0 = (fetcher, desk, logger, resync) }
    }

    public func deliver(_ event: TWSEvent) {
        let (fetcher, desk, logger, resync) = state.withLock { ($0.fetcher, $0.desk, $0.logger, $0.resync) }
        let reaction: IBErrorReaction? = if case .error(let e) = event { IBErrorReaction.of(e) } else { nil }
        if case .error(let e) = event { GatewayMetrics.ibErrors.increment(String(e.code)) }
        let resyncNow = if case .resync = reaction { true } else { false }
        if case .error(let e) = event, let reaction {
            if e.id <= 0 {
                let level: Logger.Level = if case .notice(let l) = reaction { l } else { .warning }
                logger?.log(level: level, "gateway.notice", metadata: ["ib.code": "\(e.code)", "ib.message": "\(e.message)",
                                                                       "reaction": "\(reaction)"])
            }
        }
        // One task per event would reorder them: hand them over in order on one serial queue of tasks.
        order.withLock { chain in
            let previous = chain
            chain = Task {
                await previous?.value
                if let fetcher { await fetcher.handle(event) }
                if let desk { await desk.handle(event) }
                // Not awaited: the snapshot's own answers come through this chain.
                if resyncNow, let resync { Task { await resync() } }
            }
        }
    }

    private let order = Mutex<Task<Void, Never>?>(nil)

    /// Connection `epoch` dropped (handed over in order with the events that came before it).
    public func down(epoch: Int, _ reason: String) {
        let (fetcher, desk) = state.withLock { ($0.fetcher, $0.desk) }
        order.withLock { chain in
            let previous = chain
            chain = Task {
                await previous?.value
                await fetcher?.failAll(reason)
                await desk?.connectionLost(epoch: epoch, reason)
            }
        }
    }
}

/// Serves gateway-bridge's ROUTER socket until shutdown: `market_data.request` → `market_data`,
/// `order.place` → `order.ack` / `order.rejected`, `order.cancel`, `broker.sync` → `broker.snapshot`,
/// `broker.time` → `broker.time` with IB's time, `portfolio.request` → `portfolio`. Every request has a deadline; failures carry IB's code and text.
public struct CommandService: Service {
    let server: RequestServer
    let fetcher: MarketDataFetcher
    let desk: OrderDesk
    let logger: Logger

    public init(server: RequestServer, fetcher: MarketDataFetcher, desk: OrderDesk, logger: Logger) {
        self.server = server
        self.fetcher = fetcher
        self.desk = desk
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await server.serveConcurrently(serve) }
        await server.close()
    }

    func serve(_ request: IncomingRequest) async {
        let m = request.message
        do {
            if let ask = m.payload(as: MarketDataRequest.self) {
                await serveMarketData(ask, request)
            } else if let plan = m.payload(as: OrderPlan.self) {
                switch await desk.place(plan) {
                case .success(let ack): try server.reply(to: request, with: ack)
                case .failure(let no):
                    logger.warning("gateway.order_rejected", metadata: ["intent": "\(plan.intentId)", "error": "\(no)"])
                    try server.reply(to: request, with: no)
                }
            } else if let c = m.payload(as: CancelRequest.self) {
                do {
                    try await desk.cancel(c)
                    try server.reply(to: request, with: try await desk.snapshot())
                } catch {
                    try server.reply(to: request, with: OrderRejection(intentId: c.intentId, orderRef: c.orderRef, code: (error as? GatewayError)?.code,
                                                                     message: "\(error)", outcomeUnknown: false))
                }
            } else if m.payload(as: SnapshotRequest.self) != nil {
                try server.reply(to: request, with: try await desk.snapshot())
            } else if m.payload(as: BrokerTime.self) != nil {
                try server.reply(to: request, with: BrokerTime(ibTime: try await desk.time()))
            } else if m.payload(as: PortfolioRequest.self) != nil {
                try server.reply(to: request, with: try await desk.portfolio())
            } else {
                try server.reply(to: request, with: GatewayFailure(symbol: "-", code: nil, message: "gateway-bridge does not serve \(m.header.type)"))
            }
        } catch {
            logger.warning("gateway.request_failed", metadata: ["type": "\(m.header.type)", "error": "\(error)"])
            let e = error as? GatewayError
            try? server.reply(to: request, with: GatewayFailure(symbol: "-", code: e?.code, message: e?.message ?? "\(error)"))
        }
    }

    func serveMarketData(_ ask: MarketDataRequest, _ request: IncomingRequest) async {
        do {
            let md = try await fetcher.marketData(symbol: ask.symbol, days: ask.durationDays, endDay: ask.endDay)
            if let last = md.bars.last { await desk.notePrice(ask.symbol, last.close) }
            try server.reply(to: request, with: md)
            logger.info("gateway.market_data", metadata: ["symbol": "\(ask.symbol)", "bars": "\(md.bars.count)"])
        } catch {
            let e = error as? GatewayError
            logger.warning("gateway.request_failed", metadata: ["symbol": "\(ask.symbol)", "error": "\(error)"])
            try? server.reply(to: request, with: GatewayFailure(symbol: ask.symbol, code: e?.code, message: e?.message ?? "\(error)"))
        }
    }
}

/// Keeps the IB connection: after every reconnect takes a snapshot and publishes it (the router
/// reconciles on it).
public struct ReconnectService: Service {
    let link: GatewayLink
    let desk: OrderDesk
    let publish: @Sendable (any BusPayload) -> Void
    let logger: Logger

    public init(link: GatewayLink, desk: OrderDesk, logger: Logger, publish: @escaping @Sendable (any BusPayload) -> Void) {
        self.link = link
        self.desk = desk
        self.logger = logger
        self.publish = publish
    }

    public func run() async throws {
        await resync()
        await cancelWhenGracefulShutdown {
            await link.keepAlive(logger: logger) { _ in await resync() }
        }
    }

    /// The one re-sync path: a fresh snapshot of the current connection, published (after every
    /// reconnect, and after IB's 1101 / 1102 / 10147, see `IBErrorReaction`).
    public func resync() async {
        do {
            let s = try await desk.snapshot()
            publish(s)
            logger.info("gateway.resynced", metadata: ["epoch": "\(s.connectionEpoch)", "orders": "\(s.orders.count)",
                                                       "executions": "\(s.executions.count)", "positions": "\(s.portfolio.positions.count)"])
        } catch {
            logger.error("gateway.resync_failed", metadata: ["error": "\(error)"])
        }
    }
}
