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
/// Partial fills (opt-in, `maxVolumeParticipation`): an order takes at most floor(fraction × the bar's volume)
/// shares on a bar; the rest stays working and is matched again on later bars (a DAY order's rest expires). Each
/// part is its own execution; orderStatus reports cumulative filled/remaining and the average price; commissions
/// are charged per order (the $1 minimum once), so each execution's report carries the increase of the order's
/// commission. A bracket's children start working on the parent's first execution, for the parent's filled
/// quantity, and grow with each later execution to their full size; a partial fill of one child reduces its sibling.
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

    /// How many shares of `remaining` fill on a bar of `volume`: all without a participation limit, else at most
    /// floor(fraction × volume) (0 = none on this bar).
    public static func fillQuantity(remaining: Decimal, volume: Decimal, participation: Decimal?) -> Decimal {
        guard let participation else { return remaining }
        var cap = participation * volume, whole = Decimal()
        NSDecimalRound(&whole, &cap, 0, .down)
        return max(0, min(remaining, whole))
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
        var fills: [(index: Int, price: Decimal, atOpen: Bool, isStop: Bool, volume: Decimal)] = []
        for i in live {
            let o = state.orders[i]
            guard let bar = market.instruments[o.contract.symbol]?.bar(on: day) else { continue }
            let (price, triggered) = Self.fillPrice(o.order, bar, alreadyTriggered: o.triggered)
            state.orders[i].triggered = triggered
            if let price { fills.append((i, price, (price - bar.open).isZero, o.order.orderType.hasPrefix("STP"), bar.volume)) }
        }
        fills.sort { a, b in a.atOpen != b.atOpen ? a.atOpen : (a.isStop != b.isStop ? a.isStop : a.index < b.index) }
        for f in fills where state.orders[f.index].status == .submitted {
            let qty = Self.fillQuantity(remaining: state.orders[f.index].remaining, volume: f.volume, participation: maxVolumeParticipation)
            guard qty > 0 else { continue }
            out += fill(at: f.index, quantity: qty, price: f.price, day: day, atOpen: f.atOpen)
        }
        for i in state.orders.indices {
            let o = state.orders[i]
            if o.status == .submitted, o.order.tif == "DAY", let since = o.activeSince, since < day {
                // A partly filled parent's rest expires; its children keep protecting what it filled.
                out += o.filled > 0 ? markCancelled(at: i, reason: "day order expired") : cancelTree(at: i, reason: "day order expired")
            }
        }
        return out
    }

    /// Fills `quantity` of an order at `price` (all of its remaining, or part of it); updates position, cash, fills;
    /// children work for the filled quantity; a complete fill cancels OCA siblings, a partial one reduces bracket siblings.
    mutating func fill(at i: Int, quantity qty: Decimal, price: Decimal, day: PaperDay, atOpen: Bool) -> [PaperOutbound] {
        var o = state.orders[i]
        let signed = o.order.action == "BUY" ? qty : -qty
        let before = o.filled
        o.filled += qty
        o.avgFillPrice = before.isZero ? price : (o.avgFillPrice * before + price * qty) / o.filled
        o.lastFillPrice = price
        // Charged per order: this execution pays what the order's commission grows by (the $1 minimum once).
        let orderCommission = Self.commission(shares: o.filled, price: o.avgFillPrice)
        let commission = max(0, orderCommission - o.commission)
        let realized = applyToPosition(symbol: o.contract.symbol, contract: o.contract, quantity: signed, price: price, commission: commission)
        state.cash -= signed * price + commission
        o.commission += commission
        let complete = o.remaining <= 0
        let time = "\(day) \(atOpen ? "09:30:00" : "12:00:00") US/Eastern"
        if complete {
            o.status = .filled
            o.completedTime = time
        }
        state.orders[i] = o
        let execId = String(format: "0000e0d5.%08x.01.01", state.nextExecSeq)
        state.nextExecSeq += 1
        let execution = TWSExecution(orderId: o.orderId, contract: o.contract, execId: execId, time: time, account: state.account,
                                     exchange: o.contract.primaryExchange, side: signed > 0 ? "BOT" : "SLD", shares: qty,
                                     price: price.exactDouble, permId: o.permId, clientId: o.clientId, cumQty: o.filled,
                                     avgPrice: o.avgFillPrice.exactDouble, orderRef: o.order.orderRef)
        let report = TWSCommissionReport(execId: execId, commission: commission.exactDouble, currency: "USD",
                                         realizedPNL: realized?.exactDouble)
        state.fills.append(PaperFill(execution: execution, commission: report, day: day))
        var out = toClient(o.clientId, [.execDetails(reqId: -1, execution)] + statusEvents(o) + [.commissionReport(report)])
        if let p = state.positions[o.contract.symbol] {
            out.append(PaperOutbound(target: .positionSubscribers, event: .position(TWSPosition(
                account: state.account, contract: p.contract, position: p.quantity, avgCost: p.avgCost.exactDouble))))
        }
        // Children of this order work for the position it opened so far (its filled quantity less what children already
        // closed), matched from the next bar on; their full size once it is complete.
        let children = state.orders.indices.filter { state.orders[$0].clientId == o.clientId && state.orders[$0].order.parentId == o.orderId }
        let closedByChildren = children.reduce(Decimal(0)) { $0 + state.orders[$1].filled }
        for c in children where !state.orders[c].status.isDone && state.orders[c].status != .held {
            let requested = state.orders[c].requestedQuantity ?? state.orders[c].order.totalQuantity
            let size = complete ? requested : min(requested, state.orders[c].filled + o.filled - closedByChildren)
            let activating = state.orders[c].status == .preSubmitted
            guard activating || !(size - state.orders[c].order.totalQuantity).isZero else { continue }
            if !complete { state.orders[c].requestedQuantity = requested }
            state.orders[c].order.totalQuantity = size
            if activating {
                state.orders[c].status = .submitted
                state.orders[c].activeSince = day
            }
            out += toClient(o.clientId, statusEvents(state.orders[c]))
        }
        // OCA: bracket siblings, and explicit OCA groups of the same client.
        for c in state.orders.indices where c != i && !state.orders[c].status.isDone && state.orders[c].clientId == o.clientId {
            let other = state.orders[c].order
            let siblings = o.order.parentId != 0 && other.parentId == o.order.parentId
            let sameGroup = !o.order.ocaGroup.isEmpty && other.ocaGroup == o.order.ocaGroup
            if complete {
                if siblings || sameGroup { out += markCancelled(at: c, reason: "OCA group fill of order \(o.orderId)") }
            } else if siblings {
                // A bracket's protective legs cover one position: what one closes, the other no longer needs to.
                let requested = state.orders[c].requestedQuantity ?? other.totalQuantity
                state.orders[c].requestedQuantity = max(state.orders[c].filled, requested - qty)
                state.orders[c].order.totalQuantity = max(state.orders[c].filled, other.totalQuantity - qty)
                if state.orders[c].remaining <= 0 {
                    out += markCancelled(at: c, reason: "OCA group fill of order \(o.orderId)")
                } else {
                    out += toClient(o.clientId, statusEvents(state.orders[c]))
                }
            }
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
