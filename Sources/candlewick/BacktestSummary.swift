import CandlewickCore
import CandlewickRun
import Foundation

/// The tables printed at the end of a backtest: the portfolio beside buy-and-hold, the signals by
/// action and confidence, and the calibration of the confidence scores.
enum BacktestSummary {
    static func print(_ r: BacktestResults, settings: BacktestSettings, folder: String) {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
        func num(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        func money(_ v: Decimal?) -> String { v.map { String(format: "%.2f", DecimalText.double($0)) } ?? "–" }
        let m = r.metrics
        let days = Set(r.signals.map { $0.asOf }).count
        Swift.print("\nbacktest \(settings.fingerprint): \(days) as-of day(s) \(settings.from) … \(settings.to) every \(settings.every), "
                    + "\(settings.universe.count) symbol(s), scored through \(r.scoredThrough ?? "–")")
        var portfolio = [["portfolio", "total return", "CAGR", "max drawdown", "Sharpe", "Sortino"],
                         ["placed brackets", pct(m.totalReturn), pct(m.cagr), pct(m.maxDrawdown), num(m.sharpe), num(m.sortino)]]
        for name in m.benchmarks.keys.sorted() {
            let b = m.benchmarks[name]!
            portfolio.append([name, pct(b.totalReturn), pct(b.cagr), pct(b.maxDrawdown), num(b.sharpe), "–"])
        }
        Swift.print("\n" + TextTable.render(portfolio, leftAligned: [0]))
        Swift.print(String(format: "exposure %@, turnover %@, commissions %@", pct(m.exposure), num(m.turnover), money(m.commissions)))
        var groups = [["signals with levels", "signals", "trades", "wins", "losses", "hit rate", "avg R", "expectancy", "P&L"]]
        let named = [("all", m.overall)] + ["BUY", "SELL"].compactMap { a in m.byAction[a].map { (a, $0) } }
            + ["HIGH", "MEDIUM", "LOW"].compactMap { c in m.byConfidence[c].map { (c, $0) } }
        for (name, g) in named {
            groups.append([name, "\(g.signals)", "\(g.trades)", "\(g.wins)", "\(g.losses)", pct(g.hitRate), num(g.averageR),
                           money(g.expectancy), money(g.totalPnl)])
        }
        Swift.print("\n" + TextTable.render(groups, leftAligned: [0]))
        let c = r.calibration
        var bins = [["confidence score", "resolved", "predicted", "realised win rate"]]
        for b in c.bins where b.count > 0 {
            bins.append([String(format: "%.0f–%.0f", b.lower, b.upper), "\(b.count)", pct(b.meanPredicted), pct(b.realisedWinRate)])
        }
        for level in ["HIGH", "MEDIUM", "LOW"] {
            if let l = c.byConfidence[level] { bins.append([level, "\(l.count)", pct(l.meanPredicted), pct(l.winRate)]) }
        }
        Swift.print("\n" + TextTable.render(bins, leftAligned: [0]))
        Swift.print("Brier score \(num(c.brier, 4)) over \(c.resolved) resolved outcome(s) (target or stop); \(c.unresolved) unresolved "
                    + "(unfilled, time or still open). Lower is better; always guessing 50% scores 0.25.")
        if let split = r.split {
            var table = [["sample", "as-of days", "signals", "trades", "hit rate", "avg R", "expectancy", "P&L", "Brier", "total return",
                          "buy-and-hold"]]
            for (name, s) in [("in-sample", split.inSample), ("out-of-sample", split.outOfSample)] {
                let g = s.metrics.overall
                let days = s.firstAsOf.map { "\($0) … \(s.lastAsOf ?? $0) (\(s.asOfDays))" } ?? "none"
                table.append([name, days, "\(g.signals)", "\(g.trades)", pct(g.hitRate), num(g.averageR), money(g.expectancy), money(g.totalPnl),
                              num(s.brier, 4), pct(s.metrics.totalReturn), pct(s.metrics.benchmarks["buy_and_hold"]?.totalReturn)])
            }
            Swift.print("\nIn-sample / out-of-sample (out-of-sample from \(split.oosFrom)):\n" + TextTable.render(table, leftAligned: [0, 1]))
        }
        Swift.print("\nAssumptions:")
        for line in BacktestOutput.assumptions(settings) { Swift.print("  - \(line)") }
        Swift.print("\nResults: \(folder)/signals.csv, trades.csv, equity.csv, metrics.json, calibration.json, report.html (plots in plots/)")
    }
}
