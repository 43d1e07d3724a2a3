import CandlewickCore
import CandlewickTWS
import Foundation

/// Who a server message is for.
public enum PaperTarget: Sendable, Hashable {
    case client(Int)
    /// Every connection subscribed with reqPositions.
    case positionSubscribers
}

/// A message the broker wants delivered.
public struct PaperOutbound: Sendable {
    public let target: PaperTarget
    public let event: TWSEvent
}

/// IB error texts used by the paper gateway.
enum PaperErrors {
    static func noSecurity(_ id: Int) -> TWSEvent { err(id, 200, "No security definition has been found for the request") }
    static func rejected(_ id: Int, _ reason: String) -> TWSEvent { err(id, 201, "Order rejected - reason:\(reason)") }
    static func canceled(_ id: Int, _ reason: String = "") -> TWSEvent { err(id, 202, "Order Canceled - reason:\(reason)") }
    static func duplicate(_ id: Int) -> TWSEvent { err(id, 103, "Duplicate order id") }
    static func tick(_ id: Int) -> TWSEvent { err(id, 110, "The price does not conform to the minimum price variation for this contract.") }
    static func err(_ id: Int, _ code: Int, _ text: String) -> TWSEvent { .error(TWSError(id: id, code: code, message: text)) }
}

/// The order book, the account and the simulated day: pure state transitions that return the
/// messages to send. The server serialises every call (one lock), so this type needs no locking.
public struct PaperBroker: Sendable {
    public let market: PaperMarket
    public internal(set) var state: PaperState
    /// Minimum price increment for every instrument.
    public static let minTick: Decimal = Decimal(string: "0.01")!
    /// The fraction of a bar's volume one order may take on that bar (partial fills); nil = fill in full.
    public let maxVolumeParticipation: Decimal?

    public init(market: PaperMarket, state: PaperState, maxVolumeParticipation: Decimal? = nil) {
        self.market = market
        self.state = state
        self.maxVolumeParticipation = maxVolumeParticipation
    }

    func index(clientId: Int, orderId: Int) -> Int? {
        state.orders.firstIndex { $0.clientId == clientId && $0.orderId == orderId }
    }

    /// OPEN_ORDER + ORDER_STATUS for one order (nothing while it is held untransmitted).
    func statusEvents(_ o: PaperOrder) -> [TWSEvent] {
        guard o.status != .held else { return [] }
        var order = o.order
        order.clientId = o.clientId
        order.permId = o.permId
        let state = TWSOrderState(status: o.status.rawValue, commission: o.status == .filled ? o.commission.exactDouble : nil,
                                  commissionCurrency: o.status == .filled ? "USD" : "")
        return [
            .openOrder(TWSOpenOrder(orderId: o.orderId, contract: o.contract, order: order, state: state)),
            .orderStatus(TWSOrderStatus(orderId: o.orderId, status: o.status.rawValue, filled: o.filled, remaining: o.remaining,
                                        avgFillPrice: o.avgFillPrice.exactDouble, permId: o.permId, parentId: o.order.parentId,
                                        lastFillPrice: o.lastFillPrice.exactDouble, clientId: o.clientId)),
        ]
    }

    func toClient(_ id: Int, _ events: [TWSEvent]) -> [PaperOutbound] { events.map { PaperOutbound(target: .client(id), event: $0) } }

    /// Why an order cannot be accepted, as the IB error to send; nil when it is valid.
    func validate(_ p: TWSPlaceOrder) -> TWSEvent? {
        let id = p.orderId, o = p.order
        guard market.instrument(for: p.contract) != nil else { return PaperErrors.noSecurity(id) }
        if !p.unsupported.isEmpty { return PaperErrors.rejected(id, "unsupported order attributes: \(p.unsupported.joined(separator: ", "))") }
        if o.whatIf { return PaperErrors.rejected(id, "what-if orders are not supported by ib-paper") }
        guard o.action == "BUY" || o.action == "SELL" else { return PaperErrors.rejected(id, "invalid action \(o.action)") }
        if o.totalQuantity.isZero { return PaperErrors.err(id, 434, "The order size cannot be zero") }
        guard o.totalQuantity > 0 else { return PaperErrors.rejected(id, "order quantity must be positive, got \(o.totalQuantity)") }
        var q = o.totalQuantity, whole = Decimal()
        NSDecimalRound(&whole, &q, 0, .down)
        guard (whole - o.totalQuantity).isZero else { return PaperErrors.rejected(id, "fractional quantity \(o.totalQuantity) is not supported") }
        guard ["MKT", "LMT", "STP", "STP LMT"].contains(o.orderType) else {
            return PaperErrors.rejected(id, "unsupported order type \(o.orderType) (MKT, LMT, STP, STP LMT)")
        }
        guard ["DAY", "GTC", ""].contains(o.tif) else { return PaperErrors.rejected(id, "unsupported time in force \(o.tif) (DAY, GTC)") }
        let needsLimit = o.orderType == "LMT" || o.orderType == "STP LMT", needsStop = o.orderType.hasPrefix("STP")
        if needsLimit && o.lmtPrice == nil { return PaperErrors.rejected(id, "\(o.orderType) order needs a limit price") }
        if needsStop && o.auxPrice == nil { return PaperErrors.rejected(id, "\(o.orderType) order needs a stop price (auxPrice)") }
        for (used, price) in [(needsLimit, o.lmtPrice), (needsStop, o.auxPrice)] where used {
            guard let price, let d = DecimalText.decimal(shortest: price), d > 0 else { return PaperErrors.rejected(id, "price must be positive") }
            var scaled = d / Self.minTick, rounded = Decimal()
            NSDecimalRound(&rounded, &scaled, 0, .plain)
            if !(rounded - scaled).isZero { return PaperErrors.tick(id) }
        }
        if !o.account.isEmpty && o.account != state.account { return PaperErrors.rejected(id, "unknown account \(o.account)") }
        return nil
    }

    /// Handles placeOrder: new order, modification of a live one, or rejection.
    public mutating func place(_ p: TWSPlaceOrder, clientId: Int) -> [PaperOutbound] {
        let key = String(clientId)
        if let i = index(clientId: clientId, orderId: p.orderId) {
            return modify(at: i, with: p)
        }
        if p.orderId <= (state.maxOrderId[key] ?? 0) || p.orderId <= 0 { return toClient(clientId, [PaperErrors.duplicate(p.orderId)]) }
        state.maxOrderId[key] = p.orderId
        if let e = validate(p) { return toClient(clientId, [e]) }
        var parentIndex: Int?
        if p.order.parentId != 0 {
            guard let pi = index(clientId: clientId, orderId: p.order.parentId), !state.orders[pi].status.isDone else {
                return toClient(clientId, [PaperErrors.rejected(p.orderId, "parent order \(p.order.parentId) not found or already done")])
            }
            parentIndex = pi
        }
        let instrument = market.instrument(for: p.contract)!
        var order = p.order
        if order.tif.isEmpty { order.tif = "DAY" }
        let new = PaperOrder(clientId: clientId, orderId: p.orderId, permId: state.nextPermId, contract: instrument.contract, order: order,
                             status: .held)
        state.nextPermId += 1
        state.orders.append(new)
        guard p.order.transmit else { return [] }
        var out: [PaperOutbound] = []
        if let pi = parentIndex {
            out += release(at: pi)
        }
        out += release(at: state.orders.count - 1)
        return out
    }

    /// Makes a held order (and, for a parent, its held children) live.
    mutating func release(at i: Int) -> [PaperOutbound] {
        guard state.orders[i].status == .held else { return [] }
        let o = state.orders[i]
        var out: [PaperOutbound] = []
        if o.order.parentId != 0, let pi = index(clientId: o.clientId, orderId: o.order.parentId), state.orders[pi].status != .filled {
            state.orders[i].status = .preSubmitted
        } else {
            state.orders[i].status = .submitted
            state.orders[i].activeSince = state.asOf
        }
        out += toClient(o.clientId, statusEvents(state.orders[i]))
        if o.order.parentId == 0 {
            for c in state.orders.indices where state.orders[c].clientId == o.clientId && state.orders[c].order.parentId == o.orderId {
                out += release(at: c)
            }
        }
        return out
    }

    mutating func modify(at i: Int, with p: TWSPlaceOrder) -> [PaperOutbound] {
        let current = state.orders[i], cid = current.clientId
        if current.status == .filled { return toClient(cid, [PaperErrors.err(p.orderId, 104, "Can't modify a filled order")]) }
        if current.status == .cancelled { return toClient(cid, [PaperErrors.duplicate(p.orderId)]) }
        if let e = validate(p) { return toClient(cid, [e]) }
        guard p.order.action == current.order.action, p.order.orderType == current.order.orderType,
              market.instrument(for: p.contract)?.symbol == current.contract.symbol else {
            return toClient(cid, [PaperErrors.rejected(p.orderId, "a modification cannot change symbol, side or order type; cancel and place a new order")])
        }
        state.orders[i].order.totalQuantity = p.order.totalQuantity
        state.orders[i].requestedQuantity = nil
        state.orders[i].order.lmtPrice = p.order.lmtPrice
        state.orders[i].order.auxPrice = p.order.auxPrice
        state.orders[i].order.tif = p.order.tif.isEmpty ? "DAY" : p.order.tif
        state.orders[i].order.orderRef = p.order.orderRef
        state.orders[i].order.outsideRth = p.order.outsideRth
        if current.status == .held {
            guard p.order.transmit else { return [] }
            return release(at: i)
        }
        return toClient(cid, statusEvents(state.orders[i]))
    }

    /// Handles cancelOrder: 10147 unknown, 10148 done, else Cancelled + 202 (children too).
    public mutating func cancel(orderId: Int, clientId: Int) -> [PaperOutbound] {
        guard let i = index(clientId: clientId, orderId: orderId) else {
            return toClient(clientId, [PaperErrors.err(orderId, 10147, "OrderId \(orderId) that needs to be cancelled is not found.")])
        }
        let o = state.orders[i]
        if o.status.isDone {
            return toClient(clientId, [PaperErrors.err(orderId, 10148,
                                                       "OrderId \(orderId) that needs to be cancelled cannot be cancelled, state: \(o.status.rawValue).")])
        }
        return cancelTree(at: i, reason: "")
    }

    /// Cancels an order and its live children.
    mutating func cancelTree(at i: Int, reason: String) -> [PaperOutbound] {
        var out = markCancelled(at: i, reason: reason)
        let o = state.orders[i]
        for c in state.orders.indices where state.orders[c].clientId == o.clientId && state.orders[c].order.parentId == o.orderId
            && !state.orders[c].status.isDone {
            out += markCancelled(at: c, reason: reason)
        }
        return out
    }

    mutating func markCancelled(at i: Int, reason: String) -> [PaperOutbound] {
        let wasHeld = state.orders[i].status == .held
        state.orders[i].status = .cancelled
        state.orders[i].completedTime = "\(state.asOf) \(PaperTradingHours.closeClock(state.asOf)) US/Eastern"
        let o = state.orders[i]
        if wasHeld { return toClient(o.clientId, [PaperErrors.canceled(o.orderId, reason)]) }
        return toClient(o.clientId, statusEvents(o) + [PaperErrors.canceled(o.orderId, reason)])
    }

    /// reqGlobalCancel: every live order of every client.
    public mutating func cancelAll() -> [PaperOutbound] {
        var out: [PaperOutbound] = []
        for i in state.orders.indices where !state.orders[i].status.isDone { out += markCancelled(at: i, reason: "global cancel") }
        return out
    }

    /// reqOpenOrders: this client's live orders, then OPEN_ORDER_END. `all` for reqAllOpenOrders.
    public func openOrders(clientId: Int, all: Bool) -> [TWSEvent] {
        state.orders.filter { (all || $0.clientId == clientId) && !$0.status.isDone }.flatMap(statusEvents) + [.openOrderEnd]
    }

    /// reqCompletedOrders: filled and cancelled orders, then COMPLETED_ORDERS_END.
    public func completedOrders() -> [TWSEvent] {
        state.orders.filter { $0.status.isDone }.map { o in
            var order = o.order
            order.clientId = o.clientId
            order.permId = o.permId
            return .completedOrder(TWSOpenOrder(orderId: o.orderId, contract: o.contract, order: order, state: TWSOrderState(
                status: o.status.rawValue, completedTime: o.completedTime, completedStatus: o.status == .filled ? "Filled" : "Cancelled by API")))
        } + [.completedOrdersEnd]
    }

    /// reqExecutions: fills matching the filter (clientId 0 = all), each with its commission report.
    public func executions(reqId: Int, filter: TWSExecutionFilter) -> [TWSEvent] {
        var out: [TWSEvent] = []
        for f in state.fills {
            let e = f.execution
            if filter.clientId != 0 && e.clientId != filter.clientId { continue }
            if !filter.symbol.isEmpty && e.contract.symbol != filter.symbol.uppercased() { continue }
            if !filter.side.isEmpty && !(filter.side.uppercased().hasPrefix("B") ? e.side == "BOT" : e.side == "SLD") { continue }
            if !filter.acctCode.isEmpty && e.account != filter.acctCode { continue }
            out.append(.execDetails(reqId: reqId, e))
            out.append(.commissionReport(f.commission))
        }
        return out + [.execDetailsEnd(reqId: reqId)]
    }

    /// reqPositions: every position (zero ones included once closed), then POSITION_END.
    public func positionEvents() -> [TWSEvent] {
        state.positions.keys.sorted().map { k in
            let p = state.positions[k]!
            return .position(TWSPosition(account: state.account, contract: p.contract, position: p.quantity, avgCost: p.avgCost.exactDouble))
        } + [.positionEnd]
    }
}
