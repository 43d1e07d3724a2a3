import CandlewickCore
@testable import CandlewickGateway
import CandlewickTWS
import Foundation
import Testing

/// `OrderDeskState` with a manual clock and a fake IB behind it: actions are done in memory, IB's
/// answers wait in a FIFO inbox (one connection's messages stay in order) until the test delivers them.
struct DeskHarness {
    var desk = OrderDeskState(timeout: 5, clientId: 7)
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    /// IB's side: the connection, its next order id, the orders it holds (by ref, across connections).
    var ibEpoch = 1
    var up = true
    var nextId = 1
    var held: [String: TWSOpenOrder] = [:]
    /// What IB does with the next writes: hold and report every leg, hold without reporting, refuse a leg, or hold only the first leg and drop.
    enum WriteMode { case report, silent, refuse, cutAfterFirst }
    var writeMode = WriteMode.report
    /// IB messages and I/O outcomes not yet delivered to the desk.
    var inbox: [DeskEvent] = []
    var completions: [DeskEvent] = []
    var replies: [DeskRequestId: DeskReply] = [:]
    var timers: Set<DeskTimer> = []
    var nextRequest = 0
    /// Every placeOrder written, by connection (ref, id); every (ref, id) IB reported, by connection.
    var writes: [Int: [(ref: String, id: Int)]] = [:]
    var reported: [Int: Set<String>] = [:]
    var sent: [TWSRequest] = []
    var published: [BrokerOrder] = []
    var logs: [String] = []
    /// Set when a write was cut after its first leg: the connection is to drop next.
    var dropRequested = false
    /// Whether IB answers reqCurrentTime (with `ibTime`, in epoch seconds).
    var answersTime = true
    static let ibTime: Int64 = 1_600_000_000

    init(connect: Bool = true) {
        if connect { send(.connectionUp(epoch: 1, accounts: ["DU1"])) }
    }

    mutating func send(_ event: DeskEvent) {
        if case .tws(let e) = event { noteReported(e) }
        perform(desk.apply(event, now: now))
    }

    mutating func request(_ make: (DeskRequestId) -> DeskEvent) -> DeskRequestId {
        nextRequest += 1
        send(make(nextRequest))
        return nextRequest
    }

    mutating func place(_ plan: OrderPlan) -> DeskRequestId { request { .placeRequested($0, plan) } }

    /// Places `plan` with IB in `mode` and delivers everything.
    mutating func placeAndDrain(_ plan: OrderPlan, _ mode: WriteMode) -> DeskRequestId {
        writeMode = mode
        let id = place(plan)
        drain()
        return id
    }

    /// Delivers everything waiting, in order, until nothing is left.
    mutating func drain() {
        while !inbox.isEmpty || !completions.isEmpty {
            if !completions.isEmpty { send(completions.removeFirst()) } else { send(inbox.removeFirst()) }
        }
    }

    /// Fires every running timer (the clock moves past its deadline).
    mutating func expireTimers() {
        while let t = timers.first {
            timers.remove(t)
            now += desk.timeout
            send(.timerFired(t))
        }
    }

    /// The connection drops (what IB had not delivered yet is lost with it) and the next one comes up.
    mutating func reconnect() {
        dropRequested = false
        inbox = []
        up = false
        send(.connectionLost(epoch: ibEpoch, reason: "test drop"))
        ibEpoch += 1
        up = true
        send(.connectionUp(epoch: ibEpoch, accounts: ["DU1"]))
    }

    func placed(_ id: DeskRequestId) -> Result<OrderAck, OrderRejection>? {
        if case .placed(let r) = replies[id] { r } else { nil }
    }

    func ack(_ id: DeskRequestId) -> OrderAck? { if case .success(let a) = placed(id) { a } else { nil } }
    func failure(_ id: DeskRequestId) -> GatewayError? { if case .failed(let e) = replies[id] { e } else { nil } }
    func rejection(_ id: DeskRequestId) -> OrderRejection? { if case .failure(let r) = placed(id) { r } else { nil } }

    private mutating func noteReported(_ e: TWSEvent) {
        switch e {
        case .openOrder(let o): reported[ibEpoch, default: []].insert("\(o.order.orderRef)#\(o.orderId)")
        case .orderStatus(let s):
            if let w = writes[ibEpoch]?.last(where: { $0.id == s.orderId }) { reported[ibEpoch, default: []].insert("\(w.ref)#\(s.orderId)") }
        default: break
        }
    }

    mutating func perform(_ actions: [DeskAction]) {
        for action in actions {
            switch action {
            case .send(let requests, let what):
                sent += requests
                if !up { completions.append(.sendFailed(what, error: "not connected")); continue }
                for r in requests { answer(r) }
            case .takeOrderIds(let id, let count):
                if up {
                    let ids = Array(nextId..<nextId + count)
                    nextId += count
                    send(.orderIdsTaken(id, .success(ids)))
                } else {
                    send(.orderIdsTaken(id, .failure(GatewayError("not connected"))))
                }
            case .write(let id, let orders, let epoch):
                guard up, epoch == ibEpoch else {
                    completions.append(.legsWritten(id, error: "connection \(epoch) is gone", at: now))
                    continue
                }
                writes[epoch, default: []] += orders.map { ($0.order.orderRef, $0.orderId) }
                ibReceives(orders)
                if writeMode != .cutAfterFirst { completions.append(.legsWritten(id, error: nil, at: now)) } else { dropRequested = true }
            case .startTimer(let t, _): timers.insert(t)
            case .cancelTimer(let t): timers.remove(t)
            case .reply(let id, let reply):
                #expect(replies[id] == nil, "request \(id) answered twice")
                replies[id] = reply
            case .publishOrder(let o): published.append(o)
            case .publishExecution: break
            case .log(_, let name, _): logs.append(name)
            }
        }
    }

    private mutating func ibReceives(_ orders: [TWSPlaceOrder]) {
        switch writeMode {
        case .report, .silent:
            for o in orders {
                let open = TWSOpenOrder(orderId: o.orderId, contract: o.contract, order: o.order, state: TWSOrderState(status: "PreSubmitted"))
                held[o.order.orderRef] = open
                if writeMode == .report {
                    inbox.append(.tws(.openOrder(open)))
                    inbox.append(.tws(.orderStatus(Self.status(o.orderId, "PreSubmitted", clientId: 7))))
                }
            }
        case .refuse:
            inbox.append(.tws(.error(TWSError(id: orders[0].orderId, code: 201, message: "Order rejected - reason: test"))))
        case .cutAfterFirst:
            let o = orders[0]
            held[o.order.orderRef] = TWSOpenOrder(orderId: o.orderId, contract: o.contract, order: o.order, state: TWSOrderState(status: "PreSubmitted"))
        }
    }

    static func status(_ id: Int, _ status: String, clientId: Int, filled: Decimal = 0) -> TWSOrderStatus {
        TWSOrderStatus(orderId: id, status: status, filled: filled, remaining: 10 - filled, avgFillPrice: filled > 0 ? 100 : 0, permId: 1000 + id,
                       parentId: 0, lastFillPrice: 0, clientId: clientId)
    }

    private mutating func answer(_ r: TWSRequest) {
        switch r {
        case .reqContractDetails(let reqId, let c):
            if c.symbol != "NOPE" {
                var q = c
                q.conId = 1000 + c.symbol.count
                inbox.append(.tws(.contractDetails(reqId: reqId, TWSContractDetails(contract: q))))
            }
            inbox.append(.tws(.contractDetailsEnd(reqId: reqId)))
        case .reqAllOpenOrders:
            inbox += held.values.sorted { $0.orderId < $1.orderId }.map { .tws(.openOrder($0)) } + [.tws(.openOrderEnd)]
        case .reqCompletedOrders: inbox.append(.tws(.completedOrdersEnd))
        case .reqExecutions(let reqId, _): inbox.append(.tws(.execDetailsEnd(reqId: reqId)))
        case .reqPositions: inbox.append(.tws(.positionEnd))
        case .reqAccountSummary(let reqId, _, _): inbox.append(.tws(.accountSummaryEnd(reqId: reqId)))
        case .reqCurrentTime: if answersTime { inbox.append(.tws(.currentTime(Self.ibTime))) }
        default: break
        }
    }

    static func bracket(_ signal: String, symbol: String = "AAPL") -> OrderPlan {
        let intent = IntentId.make(runId: "r1", symbol: symbol, signalId: signal)
        func leg(_ role: LegRole, _ side: OrderSide, _ type: OrderType, limit: Decimal? = nil, stop: Decimal? = nil) -> PlannedLeg {
            PlannedLeg(role: role, orderRef: IntentId.ref(intent, role), side: side, orderType: type, quantity: 10, limitPrice: limit,
                       stopPrice: stop, tif: .gtc, outsideRth: false)
        }
        // swiftlint:disable:next force_try
        return try! OrderPlan(intentId: intent, runId: "r1", symbol: symbol, signalId: signal,
                              legs: [leg(.entry, .buy, .limit, limit: 100), leg(.takeProfit, .sell, .limit, limit: 110), leg(.stopLoss, .sell, .stop, stop: 95)],
                              ocaGroup: intent, account: "DU1", notional: 1000, opening: true, receivedAt: Date(timeIntervalSince1970: 1_800_000_000))
    }
}
