import CandlewickCore
import CandlewickTWS
import Foundation

/// IB's reports (orders, executions, positions, account values) and complete snapshots.
extension OrderDeskState {
    mutating func receive(_ event: TWSEvent, now: Date, _ out: inout [DeskAction]) {
        switch event {
        case .contractDetails(let reqId, let d):
            contractLookups[reqId]?.found = d.contract
        case .contractDetailsEnd(let reqId):
            guard let lookup = contractLookups[reqId] else { return }
            let result: Result<TWSContract, GatewayError> = lookup.found.map { .success($0) } ?? .failure(GatewayError("no contract for \(lookup.symbol)", code: 200))
            resolveContract(reqId, result, now: now, &out)
        case .openOrder(let o), .completedOrder(let o):
            guard !o.order.orderRef.isEmpty, let side = OrderSide(rawValue: o.order.action) else { return }
            let previous = orders[o.order.orderRef]
            let completed = if case .completedOrder = event { true } else { false }
            let status = completed ? (o.state.completedStatus.isEmpty ? o.state.status : o.state.completedStatus) : o.state.status
            let b = BrokerOrder(orderRef: o.order.orderRef, brokerOrderId: o.orderId > 0 ? o.orderId : previous?.brokerOrderId ?? o.orderId,
                                permId: o.order.permId, symbol: o.contract.symbol, side: side, orderType: o.order.orderType,
                                quantity: o.order.totalQuantity, filled: previous?.filled ?? (status == "Filled" ? o.order.totalQuantity : 0),
                                avgFillPrice: previous?.avgFillPrice, status: status, parentId: o.order.parentId, ocaGroup: o.order.ocaGroup)
            orders[b.orderRef] = b
            if b.brokerOrderId > 0 { refById[b.brokerOrderId] = b.orderRef }
            round?.orders[b.orderRef] = b
            acknowledge(o.orderId, ref: o.order.orderRef, &out)
        case .orderStatus(let s):
            if s.clientId == clientId { acknowledge(s.orderId, ref: nil, &out) }
            guard let ref = refById[s.orderId], let o = orders[ref] else { return }
            let b = BrokerOrder(orderRef: ref, brokerOrderId: s.orderId, permId: s.permId, symbol: o.symbol, side: o.side, orderType: o.orderType,
                                quantity: o.quantity, filled: s.filled, avgFillPrice: s.avgFillPrice > 0 ? DecimalText.decimal(shortest: s.avgFillPrice) : nil,
                                status: s.status, parentId: s.parentId, ocaGroup: o.ocaGroup)
            orders[ref] = b
            round?.orders[ref] = b
            if b != o { out.append(.publishOrder(b)) }
        case .error(let e) where e.id > 0:
            // `IBErrorReaction`: a notice (2109 "attribute ignored", 202, …) never fails the request it names.
            if case .notice = IBErrorReaction.of(e) { return }
            if contractLookups[e.id] != nil {
                failContract(e.id, GatewayError(e.message, code: e.code), now: now, &out)
            } else if let (id, _) = placements.first(where: { $0.value.placingIds?.values.contains(e.id) == true }) {
                refused(id, code: e.code, e.message, &out)
            } else if let ref = refById[e.id] {
                out.append(.log(.warning, "gateway.order_error", ["ref": ref, "ib.code": "\(e.code)", "ib.message": e.message,
                                                                   "reaction": "\(IBErrorReaction.of(e))"]))
            }
        case .error(let e) where IBErrorReaction.of(e) == .resync(dropBeliefs: true):
            // 1101: TWS lost IB and its data meanwhile; what was believed of IB's orders is dropped as on a
            // reconnect (the driver then takes the fresh snapshot through the re-sync path).
            if connected { dropBeliefs(epoch: epoch, cause: "IB \(e.code): \(e.message)", &out) }
        case .execDetails(_, let x):
            executions[x.execId] = x
            publishExecution(x.execId, now: now, &out)
        case .commissionReport(let c):
            commissions[c.execId] = c
            publishExecution(c.execId, now: now, &out)
        case .position(let p):
            positions[p.contract.symbol] = (p.account, p.position, p.avgCost)
        case .accountSummary(_, _, let tag, let value, _):
            accountValues[tag] = value
        case .openOrderEnd: end("openOrders", now: now, &out)
        case .completedOrdersEnd: end("completedOrders", now: now, &out)
        case .execDetailsEnd: end("executions", now: now, &out)
        case .positionEnd: end("positions", now: now, &out)
        case .currentTime(let t):
            let ibTime = Date(timeIntervalSince1970: Double(t))
            if round?.pendingEnds.contains("currentTime") == true {
                round?.ibTime = ibTime
                end("currentTime", now: now, &out)
            }
            answerTime(ibTime, &out)
        case .accountSummaryEnd(let reqId):
            end("account", now: now, &out)
            out.append(.send([.cancelAccountSummary(reqId: reqId)], .cleanup))
        default:
            break
        }
    }

    /// An execution joined with its commission report, as `broker.execution` (once per execution id).
    mutating func publishExecution(_ execId: String, now: Date, _ out: inout [DeskAction]) {
        guard !published.contains(execId), let e = executions[execId], let c = commissions[execId], let t = Self.tradeExecution(e, c, now: now) else { return }
        published.insert(execId)
        out.append(.publishExecution(t))
    }

    static func tradeExecution(_ x: TWSExecution, _ c: TWSCommissionReport?, now: Date) -> TradeExecution? {
        guard let price = DecimalText.decimal(shortest: x.price) else { return nil }
        let ts = executionTime(x.time) ?? now
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

    /// Open and completed orders (every client), executions with commissions, positions and account values, all
    /// from the current connection. A request made while a round runs waits for the next round (it must see
    /// everything IB reported up to the request).
    mutating func requestSnapshot(_ waiter: SnapshotWaiter, _ out: inout [DeskAction]) {
        if round != nil { nextRound.append(waiter) } else { startRound([waiter], &out) }
    }

    mutating func startRound(_ waiters: [SnapshotWaiter], _ out: inout [DeskAction]) {
        roundCount += 1
        positions = [:]
        round = SnapshotRound(id: roundCount, epoch: epoch, pendingEnds: ["openOrders", "completedOrders", "executions", "positions", "account", "currentTime"],
                              waiters: waiters)
        let (execId, summaryId) = (reqId(), reqId())
        out.append(.startTimer(.snapshot(round: roundCount), seconds: timeout))
        out.append(.send([.reqAllOpenOrders, .reqCompletedOrders(apiOnly: false), .reqExecutions(reqId: execId, filter: TWSExecutionFilter()),
                          .reqPositions, .reqAccountSummary(reqId: summaryId, group: "All", tags: "NetLiquidation,TotalCashValue,BuyingPower,AvailableFunds"),
                          .reqCurrentTime],
                         .snapshot(round: roundCount)))
    }

    mutating func end(_ marker: String, now: Date, _ out: inout [DeskAction]) {
        guard var r = round else { return }
        r.pendingEnds.remove(marker)
        round = r
        guard r.pendingEnds.isEmpty else { return }
        guard r.epoch == epoch else {
            failRound(GatewayError("the IB connection changed while the snapshot was taken"), now: now, &out)
            return
        }
        round = nil
        out.append(.cancelTimer(.snapshot(round: r.id)))
        for (ref, o) in r.orders {
            orders[ref] = o
            if o.brokerOrderId > 0 { refById[o.brokerOrderId] = ref }
        }
        syncedEpoch = epoch
        let execs = executions.values.compactMap { x in Self.tradeExecution(x, commissions[x.execId], now: now) }.sorted { $0.timestamp < $1.timestamp }
        let snapshot = Result { () throws -> BrokerSnapshot in
            BrokerSnapshot(accounts: accounts, orders: r.orders.values.sorted { $0.brokerOrderId < $1.brokerOrderId }, executions: execs,
                           portfolio: try portfolio(now: now), accountValues: accountValues, connectionEpoch: r.epoch, takenAt: now, ibTime: r.ibTime)
        }
        for w in r.waiters {
            switch w {
            case .caller(let id):
                switch snapshot {
                case .success(let s): out.append(.reply(id, .snapshot(s)))
                case .failure(let e): out.append(.reply(id, .failed(GatewayError("the snapshot's portfolio is invalid: \(e)"))))
                }
            case .placement(let id, let lookAgain):
                advance(id, lookAgainDone: lookAgain, afterContract: placements[id]?.contract != nil, now: now, &out)
            }
        }
        startNextRound(&out)
    }

    mutating func failRound(_ e: GatewayError, now: Date?, _ out: inout [DeskAction]) {
        guard let r = round else { return }
        round = nil
        out.append(.cancelTimer(.snapshot(round: r.id)))
        for w in r.waiters {
            switch w {
            case .caller(let id): out.append(.reply(id, .failed(e)))
            case .placement(let id, _):
                finishPlacement(id, .failure(unknown(id, .notSynced, "no complete snapshot from IB on the current connection: \(e)")), &out)
            }
        }
        startNextRound(&out)
    }

    mutating func startNextRound(_ out: inout [DeskAction]) {
        guard round == nil, !nextRound.isEmpty else { return }
        let waiters = nextRound
        nextRound = []
        startRound(waiters, &out)
    }

    // MARK: the broker's time

    /// One reqCurrentTime for every caller waiting (a request already on its way answers a new caller too).
    mutating func requestTime(_ id: DeskRequestId, _ out: inout [DeskAction]) {
        timeWaiters.append(id)
        guard timeWaiters.count == 1 else { return }
        out.append(.startTimer(.time, seconds: timeout))
        out.append(.send([.reqCurrentTime], .time))
    }

    mutating func answerTime(_ ibTime: Date, _ out: inout [DeskAction]) {
        guard !timeWaiters.isEmpty else { return }
        out.append(.cancelTimer(.time))
        for id in timeWaiters { out.append(.reply(id, .time(ibTime))) }
        timeWaiters = []
    }

    mutating func failTime(_ e: GatewayError, _ out: inout [DeskAction]) {
        guard !timeWaiters.isEmpty else { return }
        out.append(.cancelTimer(.time))
        for id in timeWaiters { out.append(.reply(id, .failed(e))) }
        timeWaiters = []
    }

    /// The portfolio from the latest positions and account values (market price: the last close served, else the average cost).
    func portfolio(now: Date) throws -> Portfolio {
        let ps = try positions.filter { !$0.value.quantity.isZero }.sorted { $0.key < $1.key }.map { symbol, p -> Position in
            let avg = Decimal(string: String(format: "%.6f", p.avgCost)) ?? 0
            return try Position(symbol: symbol, quantity: p.quantity, averageCost: avg > 0 ? avg : 0.01, marketPrice: lastPrices[symbol] ?? (avg > 0 ? avg : 0.01))
        }
        let cash = accountValues["TotalCashValue"].flatMap { Decimal(string: $0) } ?? 0
        return try Portfolio(account: accounts.first, cash: cash, positions: ps, timestamp: now)
    }
}
