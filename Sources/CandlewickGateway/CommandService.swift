import CandlewickBus
import CandlewickCore
import CandlewickTWS
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Hands gateway events from the reader thread to the fetcher, and remembers why the connection closed.
public final class EventRelay: Sendable {
    private let state = Mutex<(fetcher: MarketDataFetcher?, logger: Logger?, closed: String?, stopping: Bool)>((nil, nil, nil, false))
    private let closedLatch = AsyncStream<Void>.makeStream()

    public init() {}

    public func attach(_ fetcher: MarketDataFetcher, logger: Logger) { state.withLock { $0.fetcher = fetcher; $0.logger = logger } }

    public func deliver(_ event: TWSEvent) {
        let (fetcher, logger) = state.withLock { ($0.fetcher, $0.logger) }
        if case .error(let e) = event, e.id <= 0 {
            // Farm notices (2104, 2106, 2158) are informational; connectivity codes are logged loudly.
            let level: Logger.Level = [1100, 1101, 1102, 502, 504].contains(e.code) ? .warning : .info
            logger?.log(level: level, "gateway.notice", metadata: ["ib.code": "\(e.code)", "ib.message": "\(e.message)"])
        }
        guard let fetcher else { return }
        Task { await fetcher.handle(event) }
    }

    /// We are closing the connection ourselves: a close from now on is not a loss.
    public func beginShutdown() { state.withLock { $0.stopping = true } }

    public func close(_ reason: String) {
        let fetcher = state.withLock { s -> MarketDataFetcher? in
            if !s.stopping { s.closed = s.closed ?? reason }
            return s.fetcher
        }
        closedLatch.continuation.yield()
        if let fetcher { Task { await fetcher.failAll(reason) } }
    }

    public var closedReason: String? { state.withLock { $0.closed } }

    /// Returns when the connection closes.
    public func waitClosed() async {
        if closedReason != nil { return }
        for await _ in closedLatch.stream { return }
    }
}

/// Serves `market_data.request` commands on the ROUTER socket until shutdown or until the gateway
/// connection closes (then the process exits for its supervisor to restart it).
public struct CommandService: Service {
    let server: RequestServer
    let fetcher: MarketDataFetcher
    let closed: EventRelay
    let logger: Logger

    public init(server: RequestServer, fetcher: MarketDataFetcher, closed: EventRelay, logger: Logger) {
        self.server = server
        self.fetcher = fetcher
        self.closed = closed
        self.logger = logger
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await closed.waitClosed() }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await withDiscardingTaskGroup { requests in
                        for await request in server.requests() {
                            requests.addTask { await serve(request) }
                        }
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
        await server.close()
    }

    func serve(_ request: IncomingRequest) async {
        guard let ask = request.message.payload(as: MarketDataRequest.self) else { return }
        do {
            let md = try await fetcher.marketData(symbol: ask.symbol, days: ask.durationDays)
            try server.reply(to: request, with: md)
            logger.info("gateway.market_data", metadata: ["symbol": "\(ask.symbol)", "bars": "\(md.bars.count)"])
        } catch {
            let e = error as? GatewayError
            logger.warning("gateway.request_failed", metadata: ["symbol": "\(ask.symbol)", "error": "\(error)"])
            try? server.reply(to: request, with: GatewayFailure(symbol: ask.symbol, code: e?.code, message: e?.message ?? "\(error)"))
        }
    }
}
