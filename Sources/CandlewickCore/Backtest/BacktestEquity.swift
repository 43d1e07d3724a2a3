import Foundation

/// The daily equity of the brackets a backtest actually placed, from their simulated outcomes:
/// cash moves on each entry and exit day (the round trip's commission on the exit day, or on the
/// entry day for a trade still open at the end), and what is held is marked at each day's close
/// (the last known close when a symbol has no bar that day). Shorts are held as negative shares.
public enum BacktestEquity {
    /// One point per day of `dates` (in order).
    /// - Parameters:
    ///   - outcomes: the placed brackets' outcomes (unfilled ones change nothing).
    ///   - closes: each symbol's close by day (`YYYY-MM-DD`).
    public static func daily(_ outcomes: [ShadowOutcome], closes: [String: [String: Decimal]], dates: [String], startingCash: Decimal) -> [EquityPoint] {
        let trades = outcomes.filter { $0.filled && $0.entryDate != nil && $0.entryPrice != nil }
        var cash = startingCash
        var lastClose: [String: Decimal] = [:]
        var points: [EquityPoint] = []
        for day in dates {
            for (symbol, byDay) in closes { if let c = byDay[day] { lastClose[symbol] = c } }
            var held = Decimal(0)
            for t in trades {
                let sign: Decimal = t.action == .sell ? -1 : 1
                let entryDay = t.entryDate!, exitDay = t.exitReason == .open ? nil : t.exitDate
                if entryDay == day {
                    cash -= sign * t.quantity * t.entryPrice!
                    if exitDay == nil { cash -= t.commission }
                }
                if let exitDay, exitDay == day, let exit = t.exitPrice {
                    cash += sign * t.quantity * exit - t.commission
                }
                if entryDay <= day && (exitDay.map { day < $0 } ?? true) {
                    held += sign * t.quantity * (lastClose[t.symbol] ?? t.entryPrice!)
                }
            }
            var value = cash + held, rounded = Decimal()
            NSDecimalRound(&rounded, &value, 4, .plain)
            points.append(EquityPoint(date: day, equity: rounded))
        }
        return points
    }
}
