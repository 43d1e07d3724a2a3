import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import CandlewickTWS
import Foundation
import Synchronization
@testable import CandlewickGateway
@testable import CandlewickPaper

/// A `BrokerGateway` over ib-paper's matching engine (`CandlewickPaper.PaperBroker`) in-process: gateway-bridge's
/// order desk reduced to what the router sees. `place` maps the plan through `BracketMapping` (the mapping
/// gateway-bridge uses) and hands each TWS order to the engine's own order handling — validation and its IB error
/// codes, held bracket legs released by the last, OCA children. `snapshot` reads the engine's orders (open and
/// completed), executions with their commission reports and positions, under a connection epoch that `reconnect`
/// bumps. The engine's reports are queued as it emits them and reach the router through `deliver(to:)` — the same
/// `handle(order:)` / `handle(execution:)` calls gateway-bridge's events end in. `nextDay` is the paper clock.
///
/// Like `FakeBroker` it can lose an acknowledgement (the orders are at the engine, the answer is not) or be down.
final class PaperEngineBroker: BrokerGateway {
    /// The engine and what the connection around it knows.
    struct Engine: Sendable {
        var broker: PaperBroker
        var mode: FakeBroker.Mode = .ack
        /// The acknowledgement's epoch when a test overrides it (nil: the current connection's).
        var ackEpoch: Int?
        var epoch = 1
        var nextOrderId = 1
        var places = 0
        var refs: [String] = []
        /// The engine's reports not yet delivered to the router, in the order it emitted them.
        var events: [TWSEvent] = []
        /// Executions waiting for their commission report (IB sends the two separately).
        var executions: [String: TWSExecution] = [:]
    }

    /// What the engine reported, as the router receives it.
    enum Report: Sendable {
        case order(BrokerOrder)
        case execution(TradeExecution)
    }

    /// The snapshot's error while the broker is down.
    struct Down: Error {}
    static let clientId = 1
    static let account = "DU0000001"
    let engine: Mutex<Engine>

    /// An engine serving `symbols` with `bars`, as of the first bar's day; `participation` caps each order's fill
    /// on a bar to that fraction of its volume (ib-paper's partial fills), nil = fill in full.
    convenience init(symbols: [String] = ["AAA", "BBB", "CCC"], bars: [PaperBar] = PaperEngineBroker.bars, participation: Decimal? = nil) {
        let instruments = symbols.map { s in
            let (conId, exchange, name) = PaperMarket.listing(s)
            return PaperInstrument(symbol: s, conId: conId, primaryExchange: exchange, longName: name, bars: bars, synthetic: true)
        }
        self.init(instruments: instruments, asOf: bars[0].day, participation: participation)
    }

    /// An engine serving `instruments` (e.g. `PaperMarket.load` of deploy/data/daily), its clock at `asOf`.
    init(instruments: [PaperInstrument], asOf: PaperDay, participation: Decimal? = nil) {
        let state = PaperState(asOf: asOf, account: Self.account, cash: 100_000)
        engine = Mutex(Engine(broker: PaperBroker(market: PaperMarket(instruments: instruments), state: state,
                                                  maxVolumeParticipation: participation)))
    }

    /// Four daily bars of 1,000 shares. Day 1 trades through 100 (a BUY LMT 100 fills at its limit); day 2 opens at 96
    /// and trades down to 94 (a SELL STP 95 fills at 95; a take-profit at 110 is never reached).
    static let bars: [PaperBar] = [
        PaperBar(day: 20200102, open: 100, high: 101, low: 99, close: 100, volume: 1_000),
        PaperBar(day: 20200103, open: Decimal(string: "100.5")!, high: 101, low: Decimal(string: "99.5")!, close: 100, volume: 1_000),
        PaperBar(day: 20200106, open: 96, high: Decimal(string: "96.5")!, low: 94, close: 95, volume: 1_000),
        PaperBar(day: 20200107, open: 95, high: 96, low: 94, close: 95, volume: 1_000),
    ]

    // MARK: BrokerGateway

    func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        engine.withLock { e in
            if e.mode == .down {
                return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "not connected", outcomeUnknown: true))
            }
            e.places += 1
            // gateway-bridge sends the qualified contract; a symbol the engine does not serve goes as asked and is refused there (200).
            let contract = e.broker.market.instruments[plan.symbol]?.contract ?? TWSContract(symbol: plan.symbol, exchange: "SMART", currency: "USD")
            let ids = plan.legs.indices.map { e.nextOrderId + $0 }
            e.nextOrderId += plan.legs.count
            for request in BracketMapping.requests(for: plan, contract: contract, orderIds: ids) {
                let out = e.broker.place(request, clientId: Self.clientId).map(\.event)
                if let error = out.lazy.compactMap({ if case .error(let x) = $0, x.id == request.orderId { x } else { nil } }).first {
                    // The legs held so far are withdrawn (they were never transmitted); IB's code and text go back.
                    for id in ids where id < request.orderId { _ = e.broker.cancel(orderId: id, clientId: Self.clientId) }
                    return .failure(OrderRejection(intentId: plan.intentId, orderRef: request.order.orderRef, code: error.code,
                                                   message: error.message, outcomeUnknown: false))
                }
                e.events += out
            }
            e.refs += plan.legs.map(\.orderRef)
            if e.mode == .loseAck {
                return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "no ack in time", outcomeUnknown: true))
            }
            return .success(OrderAck(intentId: plan.intentId, brokerIds: Dictionary(uniqueKeysWithValues: zip(plan.legs.map(\.orderRef), ids)),
                                     duplicate: false, signalToSocketMicros: 100, connectionEpoch: e.ackEpoch ?? e.epoch))
        }
    }

    func snapshot(reason: String) async throws -> BrokerSnapshot {
        try engine.withLock { e in
            if e.mode == .down { throw Down() }
            return try Self.snapshot(of: e)
        }
    }

    func portfolio() async throws -> Portfolio { try engine.withLock { try Self.portfolio(of: $0.broker) } }

    /// Cancels the intent's live legs at the engine (a parent takes its children with it).
    func cancel(_ request: CancelRequest) async throws {
        engine.withLock { e in
            for o in e.broker.state.orders where IntentId.intent(ofRef: o.order.orderRef) == request.intentId
                && (request.orderRef == nil || request.orderRef == o.order.orderRef) {
                guard let live = e.broker.state.orders.first(where: { $0.orderId == o.orderId }), !live.status.isDone else { continue }
                e.events += e.broker.cancel(orderId: o.orderId, clientId: Self.clientId).map(\.event)
            }
        }
    }

    /// ib-paper's simulated time: the as-of day's close (no wall time passes in-process); unreachable while down.
    func time() async throws -> Date {
        try engine.withLock { e in
            if e.mode == .down { throw Down() }
            guard let t = PaperServer.simulatedTime(asOf: e.broker.state.asOf, elapsed: 0) else { throw Down() }
            return t
        }
    }

    // MARK: the simulation

    /// Moves the paper clock to the next trading day: the engine matches every working order against that day's bar.
    /// False at the end of the data.
    func advanceDay() -> Bool {
        engine.withLock { e in
            guard let out = e.broker.advanceDay() else { return false }
            e.events += out.map(\.event)
            return true
        }
    }

    /// Hands the engine's queued reports to the router, in order, as gateway-bridge's order and execution events.
    func deliver(to router: OrderRouter) async {
        for report in drain() {
            switch report {
            case .order(let o): await router.handle(order: o)
            case .execution(let x): await router.handle(execution: x)
            }
        }
    }

    /// The next trading day, its reports delivered to the router.
    func nextDay(_ router: OrderRouter) async -> Bool {
        guard advanceDay() else { return false }
        await deliver(to: router)
        return true
    }

    /// A simulated reconnect: the reports not yet delivered are lost with the old connection, the epoch grows, and the
    /// snapshot the bridge publishes on the new connection is returned (for `OrderRouter.handle(snapshot:)`).
    func reconnect() throws -> BrokerSnapshot {
        try engine.withLock { e in
            e.events = []
            e.executions = [:]
            e.epoch += 1
            return try Self.snapshot(of: e)
        }
    }

    /// The engine's reports since the last call, as the router receives them.
    func drain() -> [Report] {
        engine.withLock { e in
            defer { e.events = [] }
            var out: [Report] = []
            for event in e.events {
                switch event {
                case .orderStatus(let s):
                    guard let o = e.broker.state.orders.first(where: { $0.orderId == s.orderId }), let b = Self.brokerOrder(o) else { continue }
                    out.append(.order(BrokerOrder(orderRef: b.orderRef, brokerOrderId: b.brokerOrderId, permId: b.permId, symbol: b.symbol,
                                                  side: b.side, orderType: b.orderType, quantity: b.quantity, filled: s.filled,
                                                  avgFillPrice: s.avgFillPrice > 0 ? DecimalText.decimal(shortest: s.avgFillPrice) : nil,
                                                  status: s.status, parentId: s.parentId, ocaGroup: b.ocaGroup)))
                case .execDetails(_, let x):
                    e.executions[x.execId] = x
                case .commissionReport(let c):
                    if let x = e.executions.removeValue(forKey: c.execId), let t = OrderDeskState.tradeExecution(x, c, now: Date()) {
                        out.append(.execution(t))
                    }
                default:
                    break
                }
            }
            return out
        }
    }

    /// Every order the engine has seen (held ones included), for assertions.
    var orders: [PaperOrder] { engine.withLock { $0.broker.state.orders } }
    /// The engine's open positions (symbol → shares; a closed position is left out).
    var positions: [String: Decimal] {
        engine.withLock { $0.broker.state.positions.compactMapValues { $0.quantity == 0 ? nil : $0.quantity } }
    }
    /// The engine's realised P&L so far (net of commissions).
    var realizedPnL: Decimal { engine.withLock { $0.broker.state.realizedPnL } }

    // MARK: reading the engine

    static func snapshot(of e: Engine) throws -> BrokerSnapshot {
        let state = e.broker.state
        let executions = state.fills.compactMap { OrderDeskState.tradeExecution($0.execution, $0.commission, now: Date()) }
        return BrokerSnapshot(accounts: [state.account], orders: state.orders.compactMap(brokerOrder), executions: executions,
                              portfolio: try portfolio(of: e.broker), accountValues: ["TotalCashValue": "\(state.cash)"],
                              connectionEpoch: e.epoch, takenAt: Date(), ibTime: PaperServer.simulatedTime(asOf: state.asOf, elapsed: 0))
    }

    /// An order as reqAllOpenOrders / reqCompletedOrders report it; nil while held (IB shows no untransmitted order).
    static func brokerOrder(_ o: PaperOrder) -> BrokerOrder? {
        guard o.status != .held, !o.order.orderRef.isEmpty, let side = OrderSide(rawValue: o.order.action) else { return nil }
        return BrokerOrder(orderRef: o.order.orderRef, brokerOrderId: o.orderId, permId: o.permId, symbol: o.contract.symbol, side: side,
                           orderType: o.order.orderType, quantity: o.order.totalQuantity, filled: o.filled,
                           avgFillPrice: o.filled > 0 ? o.avgFillPrice : nil, status: o.status.rawValue, parentId: o.order.parentId,
                           ocaGroup: o.order.ocaGroup)
    }

    static func portfolio(of b: PaperBroker) throws -> Portfolio {
        let positions = try b.state.positions.values.filter { !$0.quantity.isZero }.sorted { $0.contract.symbol < $1.contract.symbol }.map { p in
            try Position(symbol: p.contract.symbol, quantity: p.quantity, averageCost: p.avgCost,
                         marketPrice: b.market.instruments[p.contract.symbol]?.lastClose(onOrBefore: b.state.asOf) ?? p.avgCost)
        }
        return try Portfolio(account: b.state.account, cash: b.state.cash, positions: positions, timestamp: Date())
    }
}
