import CandlewickCore
import CandlewickTWS
import Foundation
import Logging

/// gateway-bridge's order side: places and cancels orders, qualifies and caches contracts, follows
/// order status, executions (joined with their commission reports), positions and account values,
/// and takes complete snapshots.
///
/// Believes the broker, not memory: what it knows of IB's orders comes from IB on the current
/// connection only (a complete snapshot taken after each connect, and IB's own order reports since).
/// When a connection drops, everything it believed about that connection is dropped with it; no
/// order is placed on a new connection before a fresh snapshot says whether IB already holds it. An
/// intent is acknowledged only when IB reported every leg on the current connection; when it cannot
/// tell (legs written and never reported, or only some legs at IB) it says so, never "already at IB".
public actor OrderDesk {
    public typealias Publish = @Sendable (any BusPayload) -> Void
    let link: GatewayLink
    let publish: Publish
    let logger: Logger
    let requestTimeout: Double
    private var nextReqId = 500_000
    /// Orders IB reported on the current connection, by ref; refs by IB order id (ids can roll back after
    /// a gateway restart, so both are dropped with the connection).
    private var orders: [String: BrokerOrder] = [:]
    private var refById: [Int: String] = [:]
    /// Intents whose legs were written on the current connection and not (yet) reported by IB: ids by ref.
    private var written: [String: [String: Int]] = [:]
    /// The connection epoch of the last complete snapshot (nil after a drop, until the next one).
    private var syncedEpoch: Int?
    private var snapshotEpoch = 0
    private var contracts: [String: TWSContract] = [:]
    /// Contract-details requests sent (cache misses).
    public private(set) var contractRequests = 0
    private var contractWaits: [Int: (symbol: String, found: TWSContract?, c: CheckedContinuation<TWSContract, any Error>)] = [:]
    private var placeWaits: [String: (ids: Set<Int>, seen: Set<Int>, epoch: Int, c: CheckedContinuation<Void, any Error>)] = [:]
    private var executions: [String: TWSExecution] = [:]
    private var commissions: [String: TWSCommissionReport] = [:]
    private var published: Set<String> = []
    private var positions: [String: (account: String, quantity: Decimal, avgCost: Double)] = [:]
    private var accountValues: [String: String] = [:]
    private var lastPrices: [String: Decimal] = [:]
    /// Snapshot in progress: the end markers still awaited.
    private var pendingEnds: Set<String> = []
    private var snapshotWait: CheckedContinuation<Void, any Error>?
    private var snapshotOrders: [String: BrokerOrder] = [:]
    /// When the last leg of an intent was written to the socket.
    private var writtenAt: [String: Date] = [:]

    public init(link: GatewayLink, publish: @escaping Publish, logger: Logger, requestTimeout: Double = 30) {
        self.link = link
        self.publish = publish
        self.logger = logger
        self.requestTimeout = requestTimeout
    }

    private func reqId() -> Int { nextReqId += 1; return nextReqId }

    /// Remembers the latest close served for a symbol (portfolio valuation).
    public func notePrice(_ symbol: String, _ close: Decimal) { lastPrices[symbol] = close }

    // MARK: contracts

    /// The qualified contract (conId, primary exchange) for a stock symbol, cached. IB's error (200 for an unknown symbol) is thrown.
    public func contract(for symbol: String) async throws -> TWSContract {
        if let c = contracts[symbol] { return c }
        let id = reqId()
        contractRequests += 1
        let timeout = requestTimeout
        let timer = Task {
            try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
            self.failContract(id, GatewayError("no contract details for \(symbol) within \(timeout) s"))
        }
        defer { timer.cancel() }
        let c = try await withCheckedThrowingContinuation { (c: CheckedContinuation<TWSContract, any Error>) in
            contractWaits[id] = (symbol, nil, c)
            Task { do { try await link.send(.reqContractDetails(reqId: id, contract: TWSContract(symbol: symbol))) } catch { failContract(id, error) } }
        }
        contracts[symbol] = c
        return c
    }

    private func failContract(_ id: Int, _ e: any Error) { contractWaits.removeValue(forKey: id)?.c.resume(throwing: e) }

    /// How many contracts are cached.
    public var cachedContracts: Int { contracts.count }

    // MARK: orders

    /// Places an intent's legs (bracket: parent and take-profit untransmitted, stop-loss transmits all).
    /// Answers with the IB order ids once IB acknowledged every leg, or IB's error.
    public func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        func reject(_ code: Int?, _ message: String, unknown: Bool, ref: String? = nil) -> Result<OrderAck, OrderRejection> {
            // Without an IB code (not connected, timeout) nothing says IB refused it: the outcome stays open.
            .failure(OrderRejection(intentId: plan.intentId, orderRef: ref, code: code, message: message, outcomeUnknown: unknown || code == nil,
                                    unknownReason: code == nil || unknown ? .connectionLost : nil))
        }
        func unknown(_ why: OrderRejection.UnknownReason, _ message: String) -> Result<OrderAck, OrderRejection> {
            .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: message, outcomeUnknown: true, unknownReason: why))
        }
        if let answer = await brokerAnswer(plan) {
            switch answer {
            case .success(let ack): return .success(ack)
            case .failure(let a): return unknown(a.reason, a.message)
            }
        }
        let contract: TWSContract
        do { contract = try await self.contract(for: plan.symbol) } catch {
            let e = error as? GatewayError
            return reject(e?.code, e?.message ?? "\(error)", unknown: false)
        }
        // Re-check after the await: the connection or a concurrent placement of the same intent may have changed things.
        if let answer = await brokerAnswer(plan) {
            switch answer {
            case .success(let ack): return .success(ack)
            case .failure(let a): return unknown(a.reason, a.message)
            }
        }
        let epoch = link.epoch
        var ids: [String: Int] = [:]
        var requests: [TWSPlaceOrder] = []
        do {
            var parent = 0
            for (i, leg) in plan.legs.enumerated() {
                let id = try link.takeOrderId()
                ids[leg.orderRef] = id
                if leg.role == .entry { parent = id }
                let order = TWSOrder(action: leg.side.rawValue, totalQuantity: leg.quantity, orderType: Self.ibType(leg.orderType),
                                     lmtPrice: leg.limitPrice.flatMap { Double("\($0)") }, auxPrice: leg.stopPrice.flatMap { Double("\($0)") }, tif: leg.tif.rawValue,
                                     ocaGroup: leg.role == .entry || leg.role == .exit ? "" : (plan.ocaGroup ?? ""),
                                     ocaType: leg.role == .takeProfit || leg.role == .stopLoss ? 1 : 0, account: plan.account,
                                     orderRef: leg.orderRef, transmit: i == plan.legs.count - 1,
                                     parentId: leg.role == .entry || leg.role == .exit ? 0 : parent, outsideRth: leg.outsideRth)
                requests.append(TWSPlaceOrder(orderId: id, contract: contract, order: order))
            }
        } catch {
            return reject(nil, "\(error)", unknown: false)
        }
        // Remember what is written on this connection: until IB reports it, a second request for the intent cannot be answered from memory.
        written[plan.intentId] = ids
        for (leg, r) in zip(plan.legs, requests) { refById[r.orderId] = leg.orderRef }
        let timeout = requestTimeout
        let toSend = requests
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                placeWaits[plan.intentId] = (Set(ids.values), [], epoch, c)
                // Queued now, inside the actor, right after the ids were taken: ids reach IB in increasing order.
                // Parent and take-profit untransmitted, the stop-loss transmits the bracket. Bound to this
                // connection: if it drops, nothing of this placement is written to the next one.
                let intent = plan.intentId
                link.enqueue(toSend.map { .placeOrder($0) }, epoch: epoch) { error in
                    let at = Date()
                    Task { await self.written(intent, error, at: at) }
                }
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                    self.failPlace(intent, GatewayError("IB did not acknowledge the orders within \(timeout) s", timeout: true))
                }
            }
        } catch let e as GatewayError where e.code != nil {
            writtenAt[plan.intentId] = nil
            written[plan.intentId] = nil
            // IB refused a leg: nothing transmitted; cancel the legs it may hold untransmitted.
            for (leg, r) in zip(plan.legs, requests) {
                orders[leg.orderRef] = nil
                refById[r.orderId] = nil
                let id = r.orderId
                Task { try? await link.send(.cancelOrder(orderId: id, manualOrderCancelTime: "")) }
            }
            return reject(e.code, e.message, unknown: false, ref: nil)
        } catch let e as GatewayError where e.timeout {
            // Written but not acknowledged in time: IB may hold it. Reconcile, then ask again.
            return unknown(.timeout, e.message)
        } catch {
            // The connection dropped before IB acknowledged every leg: reconcile on the next one, then ask again.
            return unknown(.connectionLost, "\(error)")
        }
        written[plan.intentId] = nil
        let micros = (writtenAt.removeValue(forKey: plan.intentId)).map { Int($0.timeIntervalSince(plan.receivedAt) * 1_000_000) }
        logger.info("gateway.order_placed", metadata: ["intent": "\(plan.intentId)", "symbol": "\(plan.symbol)", "ids": "\(ids.values.sorted())",
                                                       "epoch": "\(epoch)"])
        return .success(OrderAck(intentId: plan.intentId, brokerIds: ids, duplicate: false, signalToSocketMicros: micros, connectionEpoch: epoch))
    }

    /// What IB already says about an intent on the current connection, taking a fresh snapshot first
    /// when this connection has none yet: an ack when every leg is at IB, a reason when it cannot tell,
    /// nil when IB holds none of it and nothing of it is being written (so it may be placed).
    private func brokerAnswer(_ plan: OrderPlan) async -> Result<OrderAck, UnknownAnswer>? {
        if syncedEpoch != link.epoch {
            do { _ = try await snapshot() } catch {
                return .failure(UnknownAnswer(.notSynced, "no complete snapshot from IB on the current connection: \(error)"))
            }
        }
        if placeWaits[plan.intentId] != nil {
            return .failure(UnknownAnswer(.inProgress, "intent \(plan.intentId) is being placed right now"))
        }
        if written[plan.intentId] != nil, !plan.legs.allSatisfy({ orders[$0.orderRef] != nil }) {
            // Written on this connection and not reported: look again before saying so.
            do { _ = try await snapshot() } catch {
                return .failure(UnknownAnswer(.notSynced, "no complete snapshot from IB on the current connection: \(error)"))
            }
        }
        let atIB = plan.legs.filter { orders[$0.orderRef] != nil }
        if atIB.count == plan.legs.count {
            written[plan.intentId] = nil
            let ids = Dictionary(atIB.map { ($0.orderRef, orders[$0.orderRef]!.brokerOrderId) }) { a, _ in a }
            logger.notice("gateway.duplicate_intent", metadata: ["intent": "\(plan.intentId)", "legs_at_ib": "\(atIB.count)", "epoch": "\(link.epoch)"])
            return .success(OrderAck(intentId: plan.intentId, brokerIds: ids, duplicate: true, connectionEpoch: link.epoch))
        }
        if !atIB.isEmpty {
            let message = "IB holds only \(atIB.map(\.orderRef).joined(separator: ",")) of intent \(plan.intentId) (\(plan.legs.count) legs)"
            logger.critical("gateway.partial_intent_at_ib", metadata: ["intent": "\(plan.intentId)", "detail": "\(message)"])
            return .failure(UnknownAnswer(.partialAtIB, message))
        }
        if written[plan.intentId] != nil {
            let message = "intent \(plan.intentId) was written to IB on this connection and IB does not report it"
            logger.critical("gateway.unconfirmed_intent", metadata: ["intent": "\(plan.intentId)", "epoch": "\(link.epoch)"])
            return .failure(UnknownAnswer(.unconfirmed, message))
        }
        return nil
    }

    /// Why the desk cannot say whether IB holds an intent, and the sentence that says so.
    struct UnknownAnswer: Error {
        let reason: OrderRejection.UnknownReason
        let message: String
        init(_ reason: OrderRejection.UnknownReason, _ message: String) {
            self.reason = reason
            self.message = message
        }
    }

    private func written(_ intent: String, _ error: (any Error)?, at: Date) {
        if let error { failPlace(intent, GatewayError("write failed: \(error)")) } else if placeWaits[intent] != nil { writtenAt[intent] = at }
    }

    private func failPlace(_ intent: String, _ e: any Error) { placeWaits.removeValue(forKey: intent)?.c.resume(throwing: e) }

    static func ibType(_ t: OrderType) -> String {
        switch t {
        case .market: "MKT"
        case .limit: "LMT"
        case .stop: "STP"
        case .stopLimit: "STP LMT"
        }
    }

    /// Cancels the working legs of an intent (or one ref), as IB reports them on the current connection. Throws when none is known.
    public func cancel(_ request: CancelRequest) async throws {
        if syncedEpoch != link.epoch { _ = try await snapshot() }
        let refs = orders.keys.filter { ref in request.orderRef.map { ref == $0 } ?? ref.hasPrefix(request.intentId + "-") }
        let working = refs.compactMap { orders[$0] }.filter { !["Filled", "Cancelled", "ApiCancelled", "Inactive"].contains($0.status) }
        guard !working.isEmpty else { throw GatewayError("no working order for \(request.orderRef ?? request.intentId)") }
        for o in working { try await link.send(.cancelOrder(orderId: o.brokerOrderId, manualOrderCancelTime: "")) }
        logger.info("gateway.cancel_sent", metadata: ["intent": "\(request.intentId)", "orders": "\(working.count)", "reason": "\(request.reason)"])
    }

    // MARK: events

    /// Routes a gateway event. Returns true when the desk consumed it.
    public func handle(_ event: TWSEvent) {
        switch event {
        case .contractDetails(let reqId, let d):
            contractWaits[reqId]?.found = d.contract
        case .contractDetailsEnd(let reqId):
            guard let w = contractWaits.removeValue(forKey: reqId) else { return }
            if let c = w.found { w.c.resume(returning: c) } else { w.c.resume(throwing: GatewayError("no contract for \(w.symbol)", code: 200)) }
        case .openOrder(let o), .completedOrder(let o):
            guard !o.order.orderRef.isEmpty, let side = OrderSide(rawValue: o.order.action) else { return }
            let previous = orders[o.order.orderRef]
            if let id = IntentId.intent(ofRef: o.order.orderRef), written[id] != nil, o.orderId > 0 { refById[o.orderId] = o.order.orderRef }
            let status = Self.isCompleted(event) ? (o.state.completedStatus.isEmpty ? o.state.status : o.state.completedStatus) : o.state.status
            let b = BrokerOrder(orderRef: o.order.orderRef, brokerOrderId: o.orderId > 0 ? o.orderId : previous?.brokerOrderId ?? o.orderId,
                                permId: o.order.permId, symbol: o.contract.symbol, side: side, orderType: o.order.orderType,
                                quantity: o.order.totalQuantity, filled: previous?.filled ?? (status == "Filled" ? o.order.totalQuantity : 0),
                                avgFillPrice: previous?.avgFillPrice, status: status, parentId: o.order.parentId, ocaGroup: o.order.ocaGroup)
            orders[b.orderRef] = b
            if b.brokerOrderId > 0 { refById[b.brokerOrderId] = b.orderRef }
            if !pendingEnds.isEmpty { snapshotOrders[b.orderRef] = b }
            acknowledge(o.orderId, ref: o.order.orderRef)
        case .orderStatus(let s):
            if s.clientId == link.clientId { acknowledge(s.orderId, ref: nil) }
            guard let ref = refById[s.orderId], let o = orders[ref] else { return }
            let b = BrokerOrder(orderRef: ref, brokerOrderId: s.orderId, permId: s.permId, symbol: o.symbol, side: o.side, orderType: o.orderType,
                                quantity: o.quantity, filled: s.filled, avgFillPrice: s.avgFillPrice > 0 ? DecimalText.decimal(shortest: s.avgFillPrice) : nil,
                                status: s.status, parentId: s.parentId, ocaGroup: o.ocaGroup)
            let changed = b != o
            orders[ref] = b
            if !pendingEnds.isEmpty { snapshotOrders[ref] = b }
            if changed { publish(b) }
        case .error(let e) where e.id > 0:
            if contractWaits[e.id] != nil { failContract(e.id, GatewayError(e.message, code: e.code)); return }
            if let (intent, _) = placeWaits.first(where: { $0.value.ids.contains(e.id) }) {
                failPlace(intent, GatewayError(e.message, code: e.code))
            } else if let ref = refById[e.id], !e.isInformational {
                logger.warning("gateway.order_error", metadata: ["ref": "\(ref)", "ib.code": "\(e.code)", "ib.message": "\(e.message)"])
            }
        case .execDetails(_, let x):
            executions[x.execId] = x
            publishExecution(x.execId)
        case .commissionReport(let c):
            commissions[c.execId] = c
            publishExecution(c.execId)
        case .position(let p):
            positions[p.contract.symbol] = (p.account, p.position, p.avgCost)
        case .accountSummary(_, _, let tag, let value, _):
            accountValues[tag] = value
        case .openOrderEnd: end("openOrders")
        case .completedOrdersEnd: end("completedOrders")
        case .execDetailsEnd: end("executions")
        case .positionEnd: end("positions")
        case .accountSummaryEnd(let reqId):
            end("account")
            Task { try? await link.send(.cancelAccountSummary(reqId: reqId)) }
        default:
            break
        }
    }

    private static func isCompleted(_ e: TWSEvent) -> Bool { if case .completedOrder = e { true } else { false } }

    /// IB reported order `orderId` (with its `ref` when the report carries one): one more leg of a placement confirmed.
    private func acknowledge(_ orderId: Int, ref: String?) {
        guard let (intent, w) = placeWaits.first(where: { $0.value.ids.contains(orderId) }) else { return }
        if let ref, written[intent]?[ref] != orderId { return }
        var seen = w.seen
        seen.insert(orderId)
        if seen == w.ids {
            placeWaits.removeValue(forKey: intent)?.c.resume()
        } else {
            placeWaits[intent]?.seen = seen
        }
    }

    /// An execution joined with its commission report, as `broker.execution` (once per execution id).
    private func publishExecution(_ execId: String) {
        guard !published.contains(execId), let e = executions[execId], let c = commissions[execId], let t = tradeExecution(e, c) else { return }
        published.insert(execId)
        publish(t)
    }

    private func tradeExecution(_ x: TWSExecution, _ c: TWSCommissionReport?) -> TradeExecution? {
        guard let price = DecimalText.decimal(shortest: x.price) else { return nil }
        let ts = Self.executionTime(x.time) ?? Date()
        return try? TradeExecution(executionId: x.execId, symbol: x.contract.symbol, side: x.side == "BOT" ? .buy : .sell, quantity: x.shares,
                                   price: price, commission: c.flatMap { DecimalText.decimal(shortest: $0.commission) } ?? 0,
                                   orderRef: x.orderRef.isEmpty ? nil : x.orderRef, brokerOrderId: x.orderId, exchange: x.exchange,
                                   timestamp: ts, realizedPnl: c?.realizedPNL.flatMap { DecimalText.decimal(shortest: $0) })
    }

    /// `yyyyMMdd HH:mm:ss [tz]` or `yyyyMMdd-HH:mm:ss` (UTC) → Date.
    static func executionTime(_ s: String) -> Date? {
        let digits = s.filter(\.isNumber)
        guard digits.count >= 14 else { return nil }
        let d = Array(digits)
        let iso = "\(String(d[0..<4]))-\(String(d[4..<6]))-\(String(d[6..<8]))T\(String(d[8..<10])):\(String(d[10..<12])):\(String(d[12..<14]))Z"
        return UTCTimestamp.parse(iso)
    }

    // MARK: snapshots

    private func end(_ marker: String) {
        pendingEnds.remove(marker)
        if pendingEnds.isEmpty, let w = snapshotWait {
            snapshotWait = nil
            w.resume()
        }
    }

    /// Open and completed orders (every client), executions with commissions, positions and account values,
    /// all from the current connection; afterwards the desk's picture of IB's orders is this one's.
    public func snapshot() async throws -> BrokerSnapshot {
        while snapshotWait != nil { try await Task.sleep(for: .milliseconds(20)) }
        let epoch = link.epoch
        snapshotEpoch = epoch
        positions = [:]
        snapshotOrders = [:]
        pendingEnds = ["openOrders", "completedOrders", "executions", "positions", "account"]
        let timeout = requestTimeout
        let timer = Task {
            try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
            self.failSnapshot(GatewayError("the snapshot did not complete within \(timeout) s"))
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            snapshotWait = c
            let (execId, summaryId) = (reqId(), reqId())
            Task {
                do {
                    try await link.send(.reqAllOpenOrders)
                    try await link.send(.reqCompletedOrders(apiOnly: false))
                    try await link.send(.reqExecutions(reqId: execId, filter: TWSExecutionFilter()))
                    try await link.send(.reqPositions)
                    try await link.send(.reqAccountSummary(reqId: summaryId, group: "All", tags: "NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds"))
                } catch {
                    failSnapshot(error)
                }
            }
        }
        guard link.epoch == epoch else { throw GatewayError("the IB connection changed while the snapshot was taken") }
        for (ref, o) in snapshotOrders { orders[ref] = o; if o.brokerOrderId > 0 { refById[o.brokerOrderId] = ref } }
        syncedEpoch = epoch
        let execs = executions.values.compactMap { x in tradeExecution(x, commissions[x.execId]) }.sorted { $0.timestamp < $1.timestamp }
        return BrokerSnapshot(accounts: link.accounts, orders: snapshotOrders.values.sorted { $0.brokerOrderId < $1.brokerOrderId },
                              executions: execs, portfolio: try currentPortfolio(), accountValues: accountValues,
                              connectionEpoch: epoch, takenAt: Date())
    }

    private func failSnapshot(_ e: any Error) {
        pendingEnds = []
        snapshotWait?.resume(throwing: e)
        snapshotWait = nil
    }

    /// The portfolio from the latest positions and account values (market price: the last close served, else the average cost).
    public func portfolio() async throws -> Portfolio {
        _ = try await snapshot()
        return try currentPortfolio()
    }

    private func currentPortfolio() throws -> Portfolio {
        let ps = try positions.filter { !$0.value.quantity.isZero }.sorted { $0.key < $1.key }.map { symbol, p -> Position in
            let avg = Decimal(string: String(format: "%.6f", p.avgCost)) ?? 0
            return try Position(symbol: symbol, quantity: p.quantity, averageCost: avg > 0 ? avg : 0.01, marketPrice: lastPrices[symbol] ?? (avg > 0 ? avg : 0.01))
        }
        let cash = accountValues["TotalCashValue"].flatMap { Decimal(string: $0) } ?? 0
        return try Portfolio(account: link.accounts.first, cash: cash, positions: ps, timestamp: Date())
    }

    /// The connection `epoch` dropped: everything in flight on it fails (placements become "outcome
    /// unknown"), and everything believed about IB's orders on it is forgotten: the next connection's
    /// snapshot is the only source of truth again (order ids may even roll back after a gateway restart).
    public func connectionLost(epoch: Int, _ why: String) {
        for id in contractWaits.keys { failContract(id, GatewayError("connection to IB lost: \(why)")) }
        for (intent, w) in placeWaits where w.epoch <= epoch {
            failPlace(intent, GatewayError("connection to IB lost before acknowledgement: \(why)"))
        }
        if snapshotEpoch <= epoch { failSnapshot(GatewayError("connection to IB lost: \(why)")) }
        if (syncedEpoch ?? 0) <= epoch {
            let forgotten = orders.count + written.count
            orders = [:]
            refById = [:]
            written = [:]
            syncedEpoch = nil
            logger.notice("gateway.belief_dropped", metadata: ["epoch": "\(epoch)", "orders_forgotten": "\(forgotten)",
                                                              "effect": "orders are answered from a fresh snapshot of the next connection"])
        }
    }
}
