import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import ServiceLifecycle

/// Serves order-router's command socket (`signal.submit` → `router.decision`, `trading.command` →
/// `trading.state`), follows the bridge's events on the bus (order status, executions, snapshots
/// after reconnects) and keeps retrying reconciliation while it is incomplete.
public struct RouterService: Service {
    let router: OrderRouter
    let server: RequestServer
    let events: BusSubscriber
    let logger: Logger

    public init(router: OrderRouter, server: RequestServer, events: BusSubscriber, logger: Logger) {
        self.router = router
        self.server = server
        self.events = events
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Reconcile at start-up, then whenever it is incomplete (gateway down, unknown outcome).
                    var first = true
                    while !Task.isCancelled {
                        if await !router.reconciled {
                            await router.reconcile(reason: first ? "start-up" : "retry")
                            first = false
                            // Live arming refused (or a paper/live mismatch): stop; the exit code says why.
                            if await router.refusal != nil { return }
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
                group.addTask {
                    for await m in events.messages() {
                        if let o = m.payload(as: BrokerOrder.self) { await router.handle(order: o) }
                        else if let e = m.payload(as: TradeExecution.self) { await router.handle(execution: e) }
                        else if let s = m.payload(as: BrokerSnapshot.self) { await router.handle(snapshot: s) }
                    }
                }
                group.addTask { await server.serveConcurrently(serve) }
                // Any task ending (a refusal, or a socket closing) ends the service.
                await group.next()
                group.cancelAll()
            }
        }
        await server.close()
    }

    func serve(_ request: IncomingRequest) async {
        do {
            if let s = request.message.payload(as: SignalSubmission.self) {
                try server.reply(to: request, with: await router.submit(s))
            } else if let c = request.message.payload(as: TradingCommand.self) {
                try server.reply(to: request, with: await router.command(c))
            } else if let c = request.message.payload(as: CancelRequest.self) {
                do {
                    try await router.cancel(intentId: c.intentId, reason: c.reason)
                    try server.reply(to: request, with: await router.stateReport)
                } catch {
                    try server.reply(to: request, with: OrderRejection(intentId: c.intentId, orderRef: c.orderRef, code: nil,
                                                                     message: "\(error)", outcomeUnknown: false))
                }
            } else {
                logger.warning("router.unexpected_request", metadata: ["type": "\(request.message.header.type)"])
                try server.reply(to: request, with: OrderRejection(intentId: "-", orderRef: nil, code: nil,
                                                                 message: "order-router does not serve \(request.message.header.type)",
                                                                 outcomeUnknown: false))
            }
        } catch {
            logger.error("router.reply_failed", metadata: ["error": "\(error)"])
        }
    }
}
