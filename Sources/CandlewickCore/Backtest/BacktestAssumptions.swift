import Foundation

/// How a simulated fill is charged, per order (each side of a trade is one order).
public enum CommissionModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// IB Pro tiered, US stocks, lowest volume tier: USD 0.0035 per share, minimum 0.35, maximum 1% of the trade value.
    /// Exchange, clearing and regulatory fees (which IB adds on top of the tiered rate) are not included.
    case ibTiered = "ib_tiered"
    /// IB Pro fixed, US stocks: USD 0.005 per share, minimum 1.00, maximum 1% of the trade value
    /// (the same figure as ib-paper's `PaperBroker.commission`).
    case ibFixed = "ib_fixed"

    /// (per share, minimum) in USD; both models cap the fee at 1% of the trade value.
    var rates: (perShare: Decimal, minimum: Decimal) {
        switch self {
        case .ibTiered: (Decimal(35) / 10_000, Decimal(35) / 100)
        case .ibFixed: (Decimal(5) / 1_000, 1)
        }
    }

    /// The commission of one order of `shares` (sign ignored) at `price`: min(max(shares × rate, minimum), 1% of the
    /// trade value), rounded to 4 decimal places (half up) as ib-paper rounds it.
    public func commission(shares: Decimal, price: Decimal) -> Decimal {
        let q = shares < 0 ? -shares : shares
        guard q > 0 else { return 0 }
        let (perShare, minimum) = rates
        var fee = min(max(q * perShare, minimum), q * price / 100), rounded = Decimal()
        NSDecimalRound(&rounded, &fee, 4, .plain)
        return rounded
    }

    /// The model in words, for reports.
    public var describe: String {
        switch self {
        case .ibTiered: "IB Pro tiered (US stocks, lowest tier): USD 0.0035 per share, minimum USD 0.35, maximum 1% of the trade value, "
            + "per order; exchange, clearing and regulatory fees not included"
        case .ibFixed: "IB Pro fixed (US stocks): USD 0.005 per share, minimum USD 1.00, maximum 1% of the trade value, per order"
        }
    }
}

/// The assumptions of a backtest: how long a trade is held, how long the entry works, slippage and commission.
/// `describe()` states them, and the biases the simulation cannot remove, for a report.
public struct BacktestAssumptions: Sendable, Hashable, Codable {
    /// Trading bars after the entry fill's bar before a trade still open is closed at that bar's close (default 10).
    public var holdDays: Int
    /// Bars the entry limit works, from the first bar after the as-of day (default 1: a DAY order placed after the close).
    public var entryValidBars: Int
    /// Slippage in basis points of the price, against us, on market-like fills: fills at a gapped open (a limit order
    /// never worse than its limit), stop fills and time exits. Not applied to limit fills at the limit (default 0).
    public var slippageBps: Decimal
    /// The commission of each order (default `.ibTiered`).
    public var commission: CommissionModel

    public init(holdDays: Int = 10, entryValidBars: Int = 1, slippageBps: Decimal = 0, commission: CommissionModel = .ibTiered) {
        self.holdDays = holdDays
        self.entryValidBars = entryValidBars
        self.slippageBps = slippageBps
        self.commission = commission
    }

    enum CodingKeys: String, CodingKey {
        case holdDays = "hold_days", entryValidBars = "entry_valid_bars", slippageBps = "slippage_bps", commission
    }

    /// Checks every field; throws `ModelValidationError` naming the one that is out of range.
    /// (The simulator itself never traps: it reads a negative hold as 0 bars and a negative slippage as 0.)
    public func validate() throws {
        let v = Validator("BacktestAssumptions")
        try v.require(holdDays >= 0, "hold_days", "must be >= 0, got \(holdDays)")
        try v.require(entryValidBars >= 1, "entry_valid_bars", "must be >= 1, got \(entryValidBars)")
        try v.nonNegative(slippageBps, "slippage_bps")
    }

    /// One plain-English line per assumption, for the report.
    public func describe() -> [String] {
        let bps = DecimalText.plain(slippageBps)
        return [
            "Fills are simulated on daily bars (open, high, low, close): the order within a day is unknown, so when a target and a stop "
                + "could both fill on one bar the one the open reaches first wins, else the stop (the pessimistic reading).",
            "Matching follows ib-paper: limit orders fill at the open when the open is already through the limit, else at the limit "
                + "when the bar trades through it; stops fill at the open on a gap through the stop, else at the stop.",
            "The entry is a limit order at the signal's entry price, working on the \(entryValidBars) bar(s) after the as-of day "
                + "(a DAY order placed after the close); a signal not filled by then is counted as unfilled.",
            "The target (limit) and the stop (stop order) are one OCA group, first matched on the bar after the entry fill.",
            "A trade neither stopped nor at its target \(holdDays) trading bar(s) after the entry bar is closed at that bar's close "
                + "(time exit); a trade still open when the data ends is marked at the last close.",
            "Slippage: \(bps) basis points against us on market-like fills (a fill at a gapped open, a stop fill, a time exit); "
                + "none on limit fills at the limit, and a limit order never fills worse than its limit.",
            "Commission: \(commission.describe), charged on entry and exit.",
            "Survivorship bias: the universe is the list of symbols chosen today, so companies that were delisted, merged or "
                + "dropped from the index during the test period are missing and results are likely better than a real investor's.",
            "Whole position per signal: no partial fills, no volume limit, no borrow cost or short availability for SELL signals, "
                + "no dividends on open positions.",
        ]
    }
}
