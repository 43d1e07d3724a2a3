import Foundation

/// One day of an equity curve: the account's (or a benchmark's) value at that day's close.
public struct EquityPoint: Sendable, Hashable, Codable {
    /// `YYYY-MM-DD`.
    public var date: String
    public var equity: Decimal

    public init(date: String, equity: Decimal) {
        self.date = date
        self.equity = equity
    }
}

/// Trade statistics of a group of outcomes (all, one action, one confidence level).
public struct GroupMetrics: Sendable, Hashable, Codable {
    /// Outcomes in the group.
    public var signals: Int
    /// Outcomes whose entry filled.
    public var trades: Int
    /// Target exits.
    public var wins: Int
    /// Stop exits.
    public var losses: Int
    /// wins / (wins + losses); time and open exits are not counted; nil when there are neither.
    public var hitRate: Double?
    /// Mean R multiple of the filled trades that have one; nil when none.
    public var averageR: Double?
    /// totalPnl / trades; nil when no trade.
    public var expectancy: Decimal?
    /// Sum of the filled trades' P&L after commission.
    public var totalPnl: Decimal
    public var commissions: Decimal

    enum CodingKeys: String, CodingKey {
        case signals, trades, wins, losses, hitRate = "hit_rate", averageR = "average_r", expectancy
        case totalPnl = "total_pnl", commissions
    }

    /// The statistics of `outcomes`.
    public init(_ outcomes: [ShadowOutcome]) {
        let filled = outcomes.filter(\.filled)
        signals = outcomes.count
        trades = filled.count
        wins = filled.filter { $0.hitTarget == true }.count
        losses = filled.filter { $0.hitTarget == false }.count
        hitRate = wins + losses > 0 ? Double(wins) / Double(wins + losses) : nil
        let rs = filled.compactMap(\.rMultiple)
        averageR = rs.isEmpty ? nil : rs.reduce(0, +) / Double(rs.count)
        totalPnl = filled.reduce(Decimal(0)) { $0 + $1.pnl }
        commissions = filled.reduce(Decimal(0)) { $0 + $1.commission }
        expectancy = trades > 0 ? totalPnl / Decimal(trades) : nil
    }
}

/// Return and risk figures of one equity curve.
public struct CurveMetrics: Sendable, Hashable, Codable {
    /// last / start − 1.
    public var totalReturn: Double?
    /// (last / start)^(252 / daily returns) − 1; nil without a daily return or when the curve ends at or below zero.
    public var cagr: Double?
    /// The largest fall from a running peak, as a positive fraction of that peak (0 when the curve never falls).
    public var maxDrawdown: Double?
    /// mean / sample standard deviation of the daily returns × √252 (risk-free 0); nil with fewer than two returns or no
    /// variation.
    public var sharpe: Double?
    /// mean of the daily returns / their downside deviation √(mean(min(r, 0)²)) × √252; nil with fewer than two returns or
    /// no negative return.
    public var sortino: Double?

    enum CodingKeys: String, CodingKey {
        case totalReturn = "total_return", cagr, maxDrawdown = "max_drawdown", sharpe, sortino
    }

    /// The figures of `points` (in date order) from `start` (the value before the first daily return: the first point
    /// itself when nil). Daily returns are between consecutive points.
    public init(_ points: [EquityPoint], start: Decimal? = nil) {
        let values = points.map { DecimalText.double($0.equity) }
        guard let first = start.map(DecimalText.double) ?? values.first, let last = values.last, first > 0 else {
            self.init(totalReturn: nil, cagr: nil, maxDrawdown: nil, sharpe: nil, sortino: nil)
            return
        }
        let total = last / first - 1
        let returns = zip(values, values.dropFirst()).map { $0 > 0 ? $1 / $0 - 1 : 0 }
        let cagr = returns.isEmpty || last <= 0 ? nil : pow(last / first, 252 / Double(returns.count)) - 1
        var peak = first, drawdown = 0.0
        for v in values {
            peak = max(peak, v)
            drawdown = max(drawdown, (peak - v) / peak)
        }
        var sharpe: Double?, sortino: Double?
        if returns.count >= 2 {
            let n = Double(returns.count)
            let mean = returns.reduce(0, +) / n
            let variance = returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            if variance > 0 { sharpe = mean / variance.squareRoot() * 252.0.squareRoot() }
            let downside = (returns.reduce(0) { $0 + min($1, 0) * min($1, 0) } / n).squareRoot()
            if downside > 0 { sortino = mean / downside * 252.0.squareRoot() }
        }
        self.init(totalReturn: total, cagr: cagr, maxDrawdown: drawdown, sharpe: sharpe, sortino: sortino)
    }

    public init(totalReturn: Double?, cagr: Double?, maxDrawdown: Double?, sharpe: Double?, sortino: Double?) {
        self.totalReturn = totalReturn
        self.cagr = cagr
        self.maxDrawdown = maxDrawdown
        self.sharpe = sharpe
        self.sortino = sortino
    }
}

/// A benchmark's figures (buy and hold of the universe, SPY).
public struct BenchmarkMetrics: Sendable, Hashable, Codable {
    public var totalReturn: Double?
    public var cagr: Double?
    public var maxDrawdown: Double?
    public var sharpe: Double?

    enum CodingKeys: String, CodingKey { case totalReturn = "total_return", cagr, maxDrawdown = "max_drawdown", sharpe }

    /// The figures of a benchmark curve, from its first point.
    public init(_ points: [EquityPoint]) {
        let c = CurveMetrics(points)
        totalReturn = c.totalReturn
        cagr = c.cagr
        maxDrawdown = c.maxDrawdown
        sharpe = c.sharpe
    }
}

/// Everything a backtest report states about outcomes and the equity curve.
public struct MetricsReport: Sendable, Hashable, Codable {
    public var overall: GroupMetrics
    /// Keyed by action: BUY and SELL always, HOLD when present.
    public var byAction: [String: GroupMetrics]
    /// Keyed by confidence: HIGH, MEDIUM and LOW, always.
    public var byConfidence: [String: GroupMetrics]
    public var startingCash: Decimal
    /// The last equity point, nil without a curve.
    public var endingEquity: Decimal?
    public var totalReturn: Double?
    public var cagr: Double?
    public var maxDrawdown: Double?
    public var sharpe: Double?
    public var sortino: Double?
    /// Fraction of the equity dates on which a filled trade was held (its entry day through its exit day).
    public var exposure: Double?
    /// Traded notional (entry fills and closing fills, not marks) / average equity.
    public var turnover: Double?
    /// Commissions of all filled trades.
    public var commissions: Decimal
    /// Keyed by benchmark name ("buy_and_hold", "SPY").
    public var benchmarks: [String: BenchmarkMetrics]

    enum CodingKeys: String, CodingKey {
        case overall, byAction = "by_action", byConfidence = "by_confidence", startingCash = "starting_cash"
        case endingEquity = "ending_equity", totalReturn = "total_return", cagr, maxDrawdown = "max_drawdown", sharpe, sortino
        case exposure, turnover, commissions, benchmarks
    }
}

/// Backtest statistics: per-group trade figures, the equity curve's return and risk, and benchmarks. Formulas:
/// docs/backtest.md.
public enum BacktestMetrics {
    /// Days a year for annualising (CAGR, Sharpe, Sortino).
    public static let tradingDaysPerYear = 252

    /// The report of `outcomes` and the daily `equity` curve (in date order; its first point is the first day's close, its
    /// returns are taken from `startingCash`), with each benchmark curve's figures.
    public static func compute(outcomes: [ShadowOutcome], equity: [EquityPoint], startingCash: Decimal,
                               benchmarks: [String: [EquityPoint]]) -> MetricsReport {
        var byAction: [String: GroupMetrics] = [:]
        for action in SignalAction.allCases {
            let group = outcomes.filter { $0.action == action }
            if action != .hold || !group.isEmpty { byAction[action.rawValue] = GroupMetrics(group) }
        }
        var byConfidence: [String: GroupMetrics] = [:]
        for level in SignalConfidence.allCases {
            byConfidence[level.rawValue] = GroupMetrics(outcomes.filter { $0.confidence == level })
        }
        let overall = GroupMetrics(outcomes)
        let curve = CurveMetrics(equity, start: startingCash)
        return MetricsReport(
            overall: overall, byAction: byAction, byConfidence: byConfidence, startingCash: startingCash,
            endingEquity: equity.last?.equity, totalReturn: curve.totalReturn, cagr: curve.cagr, maxDrawdown: curve.maxDrawdown,
            sharpe: curve.sharpe, sortino: curve.sortino, exposure: exposure(outcomes, dates: equity.map(\.date)),
            turnover: turnover(outcomes, equity: equity), commissions: overall.commissions,
            benchmarks: benchmarks.mapValues(BenchmarkMetrics.init))
    }

    /// Fraction of `dates` on which some filled outcome was held, entry day and exit day included; nil without dates.
    public static func exposure(_ outcomes: [ShadowOutcome], dates: [String]) -> Double? {
        guard !dates.isEmpty else { return nil }
        let spans = outcomes.compactMap { o -> (String, String)? in
            guard o.filled, let a = o.entryDate else { return nil }
            return (a, o.exitDate ?? a)
        }
        let held = dates.filter { d in spans.contains { $0.0 <= d && d <= $0.1 } }.count
        return Double(held) / Double(dates.count)
    }

    /// Traded notional / average equity: each filled trade's entry fill and, unless it is still open, its exit fill, as
    /// quantity × price; nil without a positive average equity.
    public static func turnover(_ outcomes: [ShadowOutcome], equity: [EquityPoint]) -> Double? {
        guard !equity.isEmpty else { return nil }
        let average = equity.reduce(Decimal(0)) { $0 + $1.equity } / Decimal(equity.count)
        guard average > 0 else { return nil }
        var notional = Decimal(0)
        for o in outcomes where o.filled {
            notional += o.quantity * (o.entryPrice ?? 0)
            if o.exitReason != .open { notional += o.quantity * (o.exitPrice ?? 0) }
        }
        return DecimalText.double(notional) / DecimalText.double(average)
    }

    /// Buy and hold of every symbol in `closes` with a close on `dates[0]`: `cash` split equally among them at that close
    /// (fractional shares, no commission), held; a symbol without a close on a later date is valued at its last close.
    /// One point per date, rounded to 4 decimal places; all cash when no symbol has a first-day close.
    public static func buyAndHold(closes: [String: [(date: String, close: Decimal)]], dates: [String], cash: Decimal) -> [EquityPoint] {
        guard let first = dates.first else { return [] }
        let lookup = closes.mapValues { Dictionary($0.map { ($0.date, $0.close) }, uniquingKeysWith: { _, last in last }) }
        let held = lookup.keys.sorted().filter { (lookup[$0]?[first] ?? 0) > 0 }
        guard !held.isEmpty else { return dates.map { EquityPoint(date: $0, equity: cash) } }
        let budget = cash / Decimal(held.count)
        let shares = held.map { budget / lookup[$0]![first]! }
        var last = held.map { lookup[$0]![first]! }
        return dates.map { d in
            var value = Decimal(0)
            for (i, sym) in held.enumerated() {
                if let c = lookup[sym]?[d] { last[i] = c }
                value += shares[i] * last[i]
            }
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 4, .plain)
            return EquityPoint(date: d, equity: rounded)
        }
    }
}
