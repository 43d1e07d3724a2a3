import Foundation

/// Replays one signal against the daily bars after its as-of day with ib-paper's matching rules
/// (Sources/CandlewickPaper/PaperBroker+Matching.swift, docs/tws.md §3), as a bracket: an entry LMT, then a target LMT
/// and a stop STP in one OCA group. Pure and deterministic. Rules and formulas: docs/backtest.md.
public enum ShadowSimulator {
    /// The outcome of `s` over `bars` (daily, in time order, strictly after `s.asOf`; a bar dated on or before the as-of
    /// day is ignored).
    ///
    /// * Entry: LMT at `s.entry` on each of the first `entryValidBars` bars — at the open when the open is already
    ///   through the limit, else at the limit when the bar trades through it; not filled by then → `unfilled`.
    /// * Exit: target LMT and stop STP, first matched on the bar after the entry fill, for `holdDays` bars. A gap through
    ///   either fills at the open; when both could fill on one bar the one filling at the open wins, else the stop.
    ///   Neither → `time` exit at the close of the `holdDays`-th bar after the entry bar; bars run out first → `open`,
    ///   marked at the last close.
    public static func simulate(_ s: ShadowSignal, following bars: [OHLCVBar], assumptions: BacktestAssumptions) -> ShadowOutcome {
        var out = ShadowOutcome(signal: s)
        let side: Side
        switch s.action {
        case .buy: side = .long
        case .sell: side = .short
        case .hold: return out
        }
        let days = bars.map { UTCTimestamp.formatDay($0.timestamp) }
        let usable = bars.indices.filter { days[$0] > s.asOf }
        let slip = Slippage(bps: max(0, assumptions.slippageBps))

        // The entry.
        var entryAt: (bar: Int, price: Decimal)?
        for k in usable.prefix(max(0, assumptions.entryValidBars)) {
            if let f = side.limitFill(opening: true, limit: s.entry, bar: bars[k]) {
                entryAt = (k, f.atOpen ? slip.limited(bars[k].open, limit: s.entry, buying: side.buysToOpen) : f.price)
                break
            }
        }
        guard let (entryBar, entryPrice) = entryAt, let entryPosition = usable.firstIndex(of: entryBar) else { return out }
        out.filled = true
        out.entryDate = days[entryBar]
        out.entryPrice = entryPrice

        // The children, from the bar after the entry fill.
        let hold = max(0, assumptions.holdDays)
        let after = Array(usable[(entryPosition + 1)...])
        var exit: (bar: Int, price: Decimal, reason: ExitReason)?
        for k in after.prefix(hold) {
            let b = bars[k]
            let t = side.limitFill(opening: false, limit: s.target, bar: b)
            let st = side.stopFill(stop: s.stop, bar: b)
            // ib-paper's order: a fill at the open before one inside the bar, and on a tie the stop first.
            if let st, st.atOpen || !(t?.atOpen ?? false) {
                exit = (k, slip.apply(st.price, buying: !side.buysToOpen), .stop)
            } else if let t {
                exit = (k, t.atOpen ? slip.limited(b.open, limit: s.target, buying: !side.buysToOpen) : t.price, .target)
            }
            if exit != nil { break }
        }
        if exit == nil {
            if hold == 0 || after.count >= hold {
                let k = hold == 0 ? entryBar : after[hold - 1]
                exit = (k, slip.apply(bars[k].close, buying: !side.buysToOpen), .time)
            } else {
                let k = after.last ?? entryBar
                exit = (k, bars[k].close, .open)
            }
        }
        guard let (exitBar, exitPrice, reason) = exit else { return out }
        out.exitDate = days[exitBar]
        out.exitPrice = exitPrice
        out.exitReason = reason
        out.barsHeld = (usable.firstIndex(of: exitBar) ?? entryPosition) - entryPosition
        let sign: Decimal = side == .long ? 1 : -1
        let risk = (entryPrice - s.stop) * sign
        out.rMultiple = risk > 0 ? DecimalText.double((exitPrice - entryPrice) * sign) / DecimalText.double(risk) : nil
        out.commission = assumptions.commission.commission(shares: s.quantity, price: entryPrice)
            + assumptions.commission.commission(shares: s.quantity, price: exitPrice)
        out.pnl = (exitPrice - entryPrice) * sign * s.quantity - out.commission
        out.hitTarget = reason == .target ? true : reason == .stop ? false : nil
        return out
    }

    /// The side of the position the signal opens.
    enum Side {
        case long, short

        /// Whether the entry order buys.
        var buysToOpen: Bool { self == .long }

        /// A limit order's fill on `bar` (ib-paper's `limitFill`); `opening` tells the entry order (true) from the
        /// closing target (false).
        func limitFill(opening: Bool, limit: Decimal, bar: OHLCVBar) -> (price: Decimal, atOpen: Bool)? {
            let buy = opening == buysToOpen
            if buy { return bar.open <= limit ? (bar.open, true) : (bar.low <= limit ? (limit, false) : nil) }
            return bar.open >= limit ? (bar.open, true) : (bar.high >= limit ? (limit, false) : nil)
        }

        /// The closing stop's fill on `bar` (ib-paper's `stopTouch`): a long is closed by a SELL STP, a short by a BUY STP.
        func stopFill(stop: Decimal, bar: OHLCVBar) -> (price: Decimal, atOpen: Bool)? {
            if self == .short { return bar.open >= stop ? (bar.open, true) : (bar.high >= stop ? (stop, false) : nil) }
            return bar.open <= stop ? (bar.open, true) : (bar.low <= stop ? (stop, false) : nil)
        }
    }

    /// Slippage of `bps` basis points against the order's side.
    struct Slippage {
        let bps: Decimal

        /// `price` moved against a buyer (up) or a seller (down).
        func apply(_ price: Decimal, buying: Bool) -> Decimal {
            let move = price * bps / 10_000
            return buying ? price + move : price - move
        }

        /// A limit order's fill at the open with slippage, never worse than its limit.
        func limited(_ open: Decimal, limit: Decimal, buying: Bool) -> Decimal {
            let p = apply(open, buying: buying)
            return buying ? min(p, limit) : max(p, limit)
        }
    }
}
