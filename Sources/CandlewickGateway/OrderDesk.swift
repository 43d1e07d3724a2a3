import CandlewickCore
import CandlewickTWS
import Foundation
import Logging

/// gateway-bridge's order side, a thin driver of `OrderDeskState`: every request, gateway event and
/// connection change becomes an event of the state machine, and the actions it returns are done here
/// (writes to IB, timers, replies, bus publications, logs). Every task the desk starts is owned: a
/// timer is cancelled when its request ends, a send task removes itself when done, and `shutdown()`
/// cancels whatever is left.
public actor OrderDesk {
    public typealias Publish = @Sendable (any BusPayload) -> Void
    let link: GatewayLink
    let publish: Publish
    let logger: Logger
    let now: @Sendable () -> Date
    private var state: OrderDeskState
    private var waiting: [DeskRequestId: CheckedContinuation<DeskReply, Never>] = [:]
    private var timers: [DeskTimer: Task<Void, Never>] = [:]
    private var sends: [Int: Task<Void, Never>] = [:]
    private var nextRequest = 0

    public init(link: GatewayLink, publish: @escaping Publish, logger: Logger, requestTimeout: Double = 30,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.link = link
        self.publish = publish
        self.logger = logger
        self.now = now
        state = OrderDeskState(timeout: requestTimeout, clientId: link.clientId)
    }

    /// Contract-details requests sent (cache misses).
    public var contractRequests: Int { state.contractRequests }
    /// How many contracts are cached.
    public var cachedContracts: Int { state.cachedContracts }

    /// Remembers the latest close served for a symbol (portfolio valuation).
    public func notePrice(_ symbol: String, _ close: Decimal) { apply(.priceNoted(symbol: symbol, close: close)) }

    /// The qualified contract (conId, primary exchange) for a stock symbol, cached. IB's error (200 for an unknown symbol) is thrown.
    public func contract(for symbol: String) async throws -> TWSContract {
        switch await ask({ .contractRequested($0, symbol: symbol) }) {
        case .contract(let c): return c
        case .failed(let e): throw e
        default: throw GatewayError("order desk: no contract answer for \(symbol)")
        }
    }

    /// Places an intent's legs (`BracketMapping`: parent and take-profit untransmitted, the stop-loss
    /// transmits all). Answers with the IB order ids once IB acknowledged every leg on the current
    /// connection, IB's error, or why the outcome is unknown.
    public func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        switch await ask({ .placeRequested($0, plan) }) {
        case .placed(let r): return r
        default:
            return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "order desk: no placement answer",
                                           outcomeUnknown: true, unknownReason: .connectionLost))
        }
    }

    /// Open and completed orders (every client), executions with commissions, positions and account values,
    /// all from the current connection; afterwards the desk's picture of IB's orders is this one's.
    public func snapshot() async throws -> BrokerSnapshot {
        switch await ask({ .snapshotRequested($0) }) {
        case .snapshot(let s): return s
        case .failed(let e): throw e
        default: throw GatewayError("order desk: no snapshot answer")
        }
    }

    /// The broker's time (reqCurrentTime on the current connection): IB's clock, or ib-paper's simulated time.
    public func time() async throws -> Date {
        switch await ask({ .timeRequested($0) }) {
        case .time(let t): return t
        case .failed(let e): throw e
        default: throw GatewayError("order desk: no time answer")
        }
    }

    /// The portfolio from a fresh snapshot (market price: the last close served, else the average cost).
    public func portfolio() async throws -> Portfolio { try await snapshot().portfolio }

    /// Cancels the working legs of an intent (or one ref), as IB reports them on the current connection. Throws when none is known.
    public func cancel(_ request: CancelRequest) async throws {
        observeConnection()
        if !state.isSynced { _ = try await snapshot() }
        let working = state.working(intentId: request.intentId, orderRef: request.orderRef)
        guard !working.isEmpty else { throw GatewayError("no working order for \(request.orderRef ?? request.intentId)") }
        for o in working { try await link.send(.cancelOrder(orderId: o.brokerOrderId, manualOrderCancelTime: "")) }
        logger.info("gateway.cancel_sent", metadata: ["intent": "\(request.intentId)", "orders": "\(working.count)", "reason": "\(request.reason)"])
    }

    /// Routes a gateway event (delivered in order by `EventRelay`).
    public func handle(_ event: TWSEvent) { apply(.tws(event)) }

    /// The connection `epoch` dropped: everything in flight on it fails (placements become "outcome
    /// unknown"), and everything believed about IB's orders on it is forgotten.
    public func connectionLost(epoch: Int, _ why: String) { apply(.connectionLost(epoch: epoch, reason: why)) }

    /// Cancels every timer and send still running (at shutdown).
    public func shutdown() {
        for t in timers.values { t.cancel() }
        for t in sends.values { t.cancel() }
        timers = [:]
        sends = [:]
    }

    /// Requests and timers still open (0 when idle).
    public var openWork: (requests: Int, timers: Int, sends: Int) { (state.openRequests, timers.count, sends.count) }

    // MARK: driving

    private func ask(_ event: (DeskRequestId) -> DeskEvent) async -> DeskReply {
        nextRequest += 1
        let id = nextRequest
        return await withCheckedContinuation { c in
            waiting[id] = c
            apply(event(id))
        }
    }

    /// A new connection is reported to the state before anything else happens on it.
    private func observeConnection() {
        let epoch = link.epoch
        if epoch > state.epoch, link.isConnected { perform(state.apply(.connectionUp(epoch: epoch, accounts: link.accounts), now: now())) }
    }

    private func apply(_ event: DeskEvent) {
        observeConnection()
        perform(state.apply(event, now: now()))
    }

    private func perform(_ actions: [DeskAction]) {
        for action in actions {
            switch action {
            case .send(let requests, let what):
                startSend(requests, epoch: nil) { error, _ in error.map { .sendFailed(what, error: "\($0)") } }
            case .takeOrderIds(let id, let count):
                // Synchronous, inside the actor: the ids reach IB in increasing order.
                let ids = Result { try (0..<count).map { _ in try link.takeOrderId() } }.mapError { ($0 as? GatewayError) ?? GatewayError("\($0)") }
                perform(state.apply(.orderIdsTaken(id, ids), now: now()))
            case .write(let id, let orders, let epoch):
                // Bound to this connection: if it drops, nothing of this placement is written to the next one.
                startSend(orders.map { .placeOrder($0) }, epoch: epoch) { error, at in .legsWritten(id, error: error.map { "\($0)" }, at: at) }
            case .startTimer(let timer, let seconds):
                timers[timer]?.cancel()
                timers[timer] = Task { [weak self] in
                    do { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) } catch { return }
                    await self?.fire(timer)
                }
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .reply(let id, let reply):
                waiting.removeValue(forKey: id)?.resume(returning: reply)
            case .publishOrder(let o): publish(o)
            case .publishExecution(let x): publish(x)
            case .log(let level, let name, let metadata):
                logger.log(level: level, "\(name)", metadata: metadata.mapValues { .string($0) })
            }
        }
    }

    private func fire(_ timer: DeskTimer) {
        guard timers.removeValue(forKey: timer) != nil else { return }
        apply(.timerFired(timer))
    }

    /// Queues `requests` now (so they keep their order against every later write) and owns the task that
    /// waits for the writer; `outcome` turns its result (and when the last request was written) into the event to feed back, if any.
    private func startSend(_ requests: [TWSRequest], epoch: Int?, outcome: @escaping @Sendable ((any Error)?, Date) -> DeskEvent?) {
        nextRequest += 1
        let key = nextRequest
        let (stream, continuation) = AsyncStream<((any Error)?, Date)>.makeStream()
        let now = self.now
        link.enqueue(requests, epoch: epoch) { error in
            continuation.yield((error, now()))
            continuation.finish()
        }
        sends[key] = Task { [weak self] in
            var result: ((any Error)?, Date)?
            for await r in stream { result = r }
            guard let (error, at) = result else { return }
            await self?.sent(key, outcome(error, at))
        }
    }

    private func sent(_ key: Int, _ event: DeskEvent?) {
        sends[key] = nil
        if let event { apply(event) }
    }
}
