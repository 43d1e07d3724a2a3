import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import ServiceLifecycle

/// Feeds the hub from the bus (a read-only SUB socket, the observer's key) and sends the pages the
/// processes' heartbeat ages once a second. On shutdown it ends every page's event stream first, so
/// the HTTP server can stop without waiting for them.
public struct ConsoleBusService: Service {
    /// The topics the console shows. Not `run.symbol`: its records carry both chart PNGs, which the console reads from
    /// the run folder instead; `live.symbol` has the rest.
    public static let topics = [
        Heartbeat.messageType, RunStarted.messageType, RunFinished.messageType, LiveSymbolRecord.messageType, RouterDecision.messageType, TradingStateReport.messageType, Order.messageType,
        Trade.messageType, Portfolio.messageType, BrokerOrder.messageType, TradeExecution.messageType,
    ]

    private let hub: ConsoleHub
    private let socket: SocketLoop
    private let subscriber: BusSubscriber
    private let sender: (any TradingCommandSender)?
    private let logger: Logger

    /// - Parameters:
    ///   - socket: the SUB socket (subscribed to `topics`) that `subscriber` reads.
    ///   - sender: asks order-router for its trading state once at start; nil without an operator identity.
    public init(hub: ConsoleHub, socket: SocketLoop, subscriber: BusSubscriber, sender: (any TradingCommandSender)?, logger: Logger) {
        self.hub = hub
        self.socket = socket
        self.subscriber = subscriber
        self.sender = sender
        self.logger = logger
    }

    /// Runs until graceful shutdown, then ends the pages' streams and closes the socket.
    public func run() async throws {
        let messages = subscriber.messages()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in messages { await hub.ingest(message) }
                }
                group.addTask {
                    while !Task.isCancelled {
                        await hub.tick()
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
                if let sender {
                    // The trading state before any change is published: ask once.
                    group.addTask {
                        do { await hub.tradingState(try await sender.send(.status, reason: "console start")) } catch {
                            logger.warning("console.trading_status_unavailable", metadata: ["error": "\(error)"])
                        }
                    }
                }
                await group.waitForAll()
            }
        }
        await hub.closeAll()
        await socket.close()
    }
}
