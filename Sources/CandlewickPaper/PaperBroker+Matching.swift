import CandlewickCore
import CandlewickTWS
import Foundation

/// Matching rules (see docs/tws.md): orders are only matched when the day advances, against the new
/// day's bar. MKT fills at the open. LMT fills at the open when the open is already through the limit,
/// else at the limit when the bar trades through it. STP triggers the same way (at the open on a gap,
/// else at the stop). STP LMT triggers like STP and then works as LMT (same bar included). An order
/// activated on a day (bracket children when their parent fills) is first matched on the next bar.
/// When two OCA siblings could both fill on one bar, the one the open reaches first wins, else the
/// stop (the pessimistic reading of a daily bar).
///
/// Decimal equality is tested with `(a - b).isZero`: corelibs Foundation's `==` can report two equal
/// values of different internal scale (e.g. after `NSDecimalRound`) as different.
extension PaperBroker {
    /// IB-like fixed commission: $0.005 per share, minimum $1.00, maximum 1% of the trade value.
    public static func commission(shares: Decimal, price: Decimal) -> Decimal {
        let perShare = shares * Decimal(string: "0.005")!
        var fee = min(max(perShare, 1), shares * price / 100), rounded = Decimal()
        NSDecimalRound(&rounded, &fee, 4, .plain)
        return rounded
    }

    /// The fill price of a live order on `bar`, nil when it does not fill; `triggered` tells a STP LMT touched its stop.
    static func fillPrice(_ o: TWSOrder, _ bar: PaperBar, alreadyTriggered: Bool) -> (price: Decimal?, triggered: Bool) {
        let buy = o.action == "BUY"
        let lmt = o.lmtPrice.flatMap { DecimalText.decimal(shortest: $0) }, stop = o.auxPrice.flatMap { DecimalText.decimal(shortest: $0) }
        func limitFill(_ l: Decimal, from start: Decimal) -> Decimal? {
            if buy { return start <= l ? start : (bar.low <= l ? l : nil) }
            return start >= l ? start : (bar.high >= l ? l : nil)
        }
        func stopTouch(_ s: Decimal) -> Decimal? {
            if buy { return bar.open >= s ? bar.open : (bar.high >= s ? s : nil) }
            return bar.open <= s ? bar.open : (bar.low <= s ? s : nil)
        }
        switch o.orderType {
        case "MKT": return (bar.open, false)
        case "LMT": return (lmt.flatMap { limitFill($0, from: bar.open) }, false)
        case "STP": return (stop.flatMap(stopTouch), false)
        case "STP LMT":
            guard let lmt else { return (nil, alreadyTriggered) }
            if alreadyTriggered { return (limitFill(lmt, from: bar.open), true) }
            guard let s = stop, let touched = stopTouch(s) else { return (nil, false) }
            return (limitFill(lmt, from: touched), true)
        default: return (nil, false)
        }
    }

    /// Moves the as-of date to the next trading day and matches every live order against its bar.
    /// Returns nil when there is no later day in the data.
    public mutating func advanceDay() -> [PaperOutbound]? {
        guard let day = market.day(after: state.asOf) else { return nil }
        state.asOf = day
        var out: [PaperOutbound] = []
        // Candidates: live orders active before today. Sorted so a gap-through-open fill comes before an intraday one.
        let live = state.orders.indices.filter { i in
            let o = state.orders[i]
            return o.status == .submitted && (o.activeSince ?? day) < day
        }
        var fills: [(index: Int, price: Decimal, atOpen: Bool, isStop: Bool)] = []
        for i in live {
            let o = state.orders[i]
            guard let bar = market.instruments[o.contract.symbol]?.bar(on: day) else { continue }
            let (price, triggered) = Self.fillPrice(o.order, bar, alreadyTriggered: o.triggered)
            state.orders[i].triggered = triggered
            if let price { fills.append((i, price, (price - bar.open).isZero, o.order.orderType.hasPrefix("STP"))) }
        }
        fills.sort { a, b in a.atOpen != b.atOpen ? a.atOpen : (a.isStop != b.isStop ? a.isStop : a.index < b.index) }
        for f in fills where state.orders[f.index].status == .submitted {
            out += fill(at: f.index, price: f.price, day: day, atOpen: f.atOpen)
        }
        for i in state.orders.indices {
            let o = state.orders[i]
            if o.status == .submitted, o.order.tif == "DAY", let since = o.activeSince, since < day {
                out += cancelTree(at: i, reason: "day order expired")
            }
        }
        return out
    }

    /// Fills an order completely at `price`; updates position, cash, fills; activates children; cancels OCA siblings.
    mutating func fill(at i: Int, price: Decimal, day: PaperDay, atOpen: Bool) -> [PaperOutbound] {
        var o = state.orders[i]
        let qty = o.remaining
        let signed = o.order.action == "BUY" ? qty : -qty
        let commission = Self.commission(shares: qty, price: price)
        let realized = applyToPosition(symbol: o.contract.symbol, contract: o.contract, quantity: signed, price: price, commission: commission)
        state.cash -= signed * price + commission
        o.filled += qty
        o.avgFillPrice = price
        o.lastFillPrice = price
        o.commission = commission
        o.status = .filled
        let time = "\(day) \(atOpen ? "09:30:00" : "12:00:00") US/Eastern"
        o.completedTime = time
        state.orders[i] = o
        let execId = String(format: "0000e0d5.%08x.01.01", state.nextExecSeq)
        state.nextExecSeq += 1
        let execution = TWSExecution(orderId: o.orderId, contract: o.contract, execId: execId, time: time, account: state.account,
                                     exchange: o.contract.primaryExchange, side: signed > 0 ? "BOT" : "SLD", shares: qty,
                                     price: price.exactDouble, permId: o.permId, clientId: o.clientId, cumQty: o.filled,
                                     avgPrice: price.exactDouble, orderRef: o.order.orderRef)
        let report = TWSCommissionReport(execId: execId, commission: commission.exactDouble, currency: "USD",
                                         realizedPNL: realized?.exactDouble)
        state.fills.append(PaperFill(execution: execution, commission: report, day: day))
        var out = toClient(o.clientId, [.execDetails(reqId: -1, execution)] + statusEvents(o) + [.commissionReport(report)])
        if let p = state.positions[o.contract.symbol] {
            out.append(PaperOutbound(target: .positionSubscribers, event: .position(TWSPosition(
                account: state.account, contract: p.contract, position: p.quantity, avgCost: p.avgCost.exactDouble))))
        }
        // Children of this order start working (matched from the next bar on).
        for c in state.orders.indices where state.orders[c].clientId == o.clientId && state.orders[c].order.parentId == o.orderId
            && state.orders[c].status == .preSubmitted {
            state.orders[c].status = .submitted
            state.orders[c].activeSince = day
            out += toClient(o.clientId, statusEvents(state.orders[c]))
        }
        // OCA: bracket siblings, and explicit OCA groups of the same client.
        for c in state.orders.indices where c != i && !state.orders[c].status.isDone && state.orders[c].clientId == o.clientId {
            let other = state.orders[c].order
            let siblings = o.order.parentId != 0 && other.parentId == o.order.parentId
            let sameGroup = !o.order.ocaGroup.isEmpty && other.ocaGroup == o.order.ocaGroup
            if siblings || sameGroup { out += markCancelled(at: c, reason: "OCA group fill of order \(o.orderId)") }
        }
        return out
    }

    /// Updates the position; returns the realized P&L of the part that closed (nil for a pure opening fill).
    mutating func applyToPosition(symbol: String, contract: TWSContract, quantity q: Decimal, price p: Decimal, commission c: Decimal) -> Decimal? {
        var pos = state.positions[symbol] ?? PaperPosition(contract: contract, quantity: 0, avgCost: 0)
        let old = pos.quantity
        let absQ = q < 0 ? -q : q
        if old.isZero || (old > 0) == (q > 0) {
            let absOld = old < 0 ? -old : old
            let perShareCost = q > 0 ? p + c / absQ : p - c / absQ
            pos.avgCost = (pos.avgCost * absOld + perShareCost * absQ) / (absOld + absQ)
            pos.quantity = old + q
            state.positions[symbol] = pos
            return nil
        }
        let absOld = old < 0 ? -old : old
        let closing = min(absOld, absQ)
        let direction: Decimal = old > 0 ? 1 : -1
        let realized = (p - pos.avgCost) * closing * direction - c
        state.realizedPnL += realized
        pos.quantity = old + q
        if pos.quantity.isZero {
            pos.avgCost = 0
        } else if (pos.quantity > 0) != (old > 0) {
            pos.avgCost = p
        }
        state.positions[symbol] = pos
        return realized
    }
}
