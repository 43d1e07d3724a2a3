import CandlewickConsole
import CandlewickCore
import CandlewickRun
import Foundation

/// `report.html` for a backtest, beside its result files, with its plots in `plots/` (drawn by the chart engine):
/// the arguments and fingerprint, the metrics beside buy-and-hold and the benchmark, the per-action and
/// per-confidence figures, the calibration with its Brier score and plot, the assumptions, the equity and drawdown
/// plots, and every simulated trade in a table sortable by column and filterable by action and confidence (inline
/// script, works offline). Nothing in it depends on the wall clock: the same backtest writes the same bytes.
///
/// Every figure taken from metrics.json or calibration.json carries `data-path="<file>:<key path>"` and
/// `data-value` (the value as the JSON holds it), so a test can compare the page with the files.
enum BacktestReport {
    static func write(_ r: BacktestResults, settings: BacktestSettings, folder: String) throws {
        let plots = try BacktestReportPlots.write(r, settings: settings, folder: folder)
        let html = page(r, settings: settings, plots: plots.map { ($0.0.file, $0.0.alt, $0.1.width, $0.1.height) })
        try Data(html.utf8).write(to: URL(fileURLWithPath: folder + "/report.html"), options: .atomic)
    }

    static func esc(_ s: String) -> String { HTML.escape(s) }

    /// How a figure is shown.
    enum Format: String {
        case percent, number, precise, money, count

        func text(_ v: Double?) -> String {
            guard let v else { return "–" }
            switch self {
            case .percent: return String(format: "%.2f%%", v * 100)
            case .number, .money: return String(format: "%.2f", v)
            case .precise: return String(format: "%.4f", v)
            case .count: return String(format: "%.0f", v)
            }
        }
    }

    /// A table cell showing a figure of a result file: the value as the file holds it (rounded to 6 places) in
    /// `data-value`, shown in `format`.
    static func figure(_ v: Double?, _ format: Format, path: String) -> String {
        let stored = v.map(BacktestFiles.number) ?? ""
        return "<td data-path=\"\(esc(path))\" data-format=\"\(format.rawValue)\" data-value=\"\(stored)\">"
            + "\(format.text(Double(stored)))</td>"
    }

    static func figure(_ v: Decimal?, _ format: Format, path: String) -> String {
        figure(v.map(DecimalText.double), format, path: path)
    }

    static func page(_ r: BacktestResults, settings: BacktestSettings, plots: [(file: String, alt: String, width: Int, height: Int)]) -> String {
        let s = settings, a = s.assumptions
        let days = Set(r.signals.map(\.asOf)).count
        let arguments: [(String, String)] = [
            ("fingerprint", s.fingerprint), ("as-of days", "\(s.from) … \(s.to), every \(s.every) trading day(s): \(days) day(s)"),
            ("scored through", r.scoredThrough ?? "–"), ("universe", s.universe.joined(separator: ", ")), ("benchmark", s.benchmark),
            ("data", s.data), ("history", "\(s.history) daily bars per analysis"),
            ("starting cash", DecimalText.plain(s.startingCash)), ("shadow shares", DecimalText.plain(s.shadowShares)),
            ("hold days", "\(a.holdDays)"), ("entry valid bars", "\(a.entryValidBars)"),
            ("slippage", "\(DecimalText.plain(a.slippageBps)) bps"), ("commission", a.commission.rawValue),
            ("out-of-sample from", s.oosFrom ?? "no split"),
        ]
        let argumentRows = arguments.map { "<tr><th scope=\"row\">\(esc($0.0))</th><td>\(esc($0.1))</td></tr>" }.joined(separator: "\n")
        let imgs = plots.map { p in
            "<figure><img src=\"plots/\(esc(p.file))\" width=\"\(p.width)\" height=\"\(p.height)\" alt=\"\(esc(p.alt))\"></figure>"
        }
        let assumptions = BacktestOutput.assumptions(s).map { "<li>\(esc($0))</li>" }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Candlewick backtest \(esc(s.fingerprint))</title>
            <style>\(ConsoleStylesheet.css)</style></head><body class="report">
            <header><h1>Candlewick backtest <code>\(esc(s.fingerprint))</code></h1>
            <p>\(days) as-of day(s), \(s.universe.count) symbol(s), \(r.signals.count) signal(s), \(r.outcomes.count) with levels \
            (simulated below). Result files: <a href="signals.csv">signals.csv</a>, <a href="trades.csv">trades.csv</a>, \
            <a href="equity.csv">equity.csv</a>, <a href="metrics.json">metrics.json</a>, <a href="calibration.json">calibration.json</a>.</p>
            <table class="args"><caption>Arguments</caption><tbody>
            \(argumentRows)
            </tbody></table></header>
            <main>
            <section aria-labelledby="h-metrics"><h2 id="h-metrics">Portfolio</h2>
            \(metricsTable(r))
            \(imgs[0])
            \(imgs[1])
            </section>
            <section aria-labelledby="h-groups"><h2 id="h-groups">Signals with levels, by action and confidence</h2>
            \(groupsTable(r))
            </section>
            <section aria-labelledby="h-calibration"><h2 id="h-calibration">Calibration</h2>
            \(calibrationTable(r))
            \(imgs[2])
            </section>
            \(splitSection(r, settings: s))
            <section aria-labelledby="h-assumptions"><h2 id="h-assumptions">Assumptions</h2>
            <ul>
            \(assumptions)
            </ul></section>
            <section aria-labelledby="h-trades"><h2 id="h-trades">Trades</h2>
            \(tradesTable(r))
            </section>
            </main>
            <script>\(ReportTable.script)</script>
            </body></html>

            """
    }

    static func metricsTable(_ r: BacktestResults) -> String {
        let m = r.metrics
        let present = (["buy_and_hold"] + m.benchmarks.keys.filter { $0 != "buy_and_hold" }.sorted()).filter { m.benchmarks[$0] != nil }
        let head = "<tr><th scope=\"col\">metric</th><th scope=\"col\">\(BacktestReportPlots.placedName)</th>"
            + present.map { "<th scope=\"col\">\(esc(BacktestReportPlots.displayName($0)))</th>" }.joined() + "</tr>"
        let rows: [(String, String, Format, Double?, (BenchmarkMetrics) -> Double?)] = [
            ("total return", "total_return", .percent, m.totalReturn, \.totalReturn),
            ("CAGR", "cagr", .percent, m.cagr, \.cagr),
            ("max drawdown", "max_drawdown", .percent, m.maxDrawdown, \.maxDrawdown),
            ("Sharpe", "sharpe", .number, m.sharpe, \.sharpe),
        ]
        var body = rows.map { name, key, format, placed, bench in
            "<tr><th scope=\"row\">\(name)</th>" + figure(placed, format, path: "metrics:\(key)")
                + present.map { figure(bench(m.benchmarks[$0]!), format, path: "metrics:benchmarks.\($0).\(key)") }.joined() + "</tr>"
        }
        let dash = String(repeating: "<td>–</td>", count: present.count)
        body.append("<tr><th scope=\"row\">Sortino</th>" + figure(m.sortino, .number, path: "metrics:sortino") + dash + "</tr>")
        for (name, key, format, v) in [("exposure", "exposure", Format.percent, m.exposure), ("turnover", "turnover", .number, m.turnover),
                                       ("commissions", "commissions", .money, DecimalText.double(m.commissions)),
                                       ("starting cash", "starting_cash", .money, DecimalText.double(m.startingCash)),
                                       ("ending equity", "ending_equity", .money, m.endingEquity.map(DecimalText.double))] {
            body.append("<tr><th scope=\"row\">\(name)</th>" + figure(v, format, path: "metrics:\(key)") + dash + "</tr>")
        }
        return "<table id=\"metrics\"><caption>The placed brackets beside buy-and-hold</caption><thead>\(head)</thead><tbody>\n"
            + body.joined(separator: "\n") + "\n</tbody></table>"
    }

    static func groupsTable(_ r: BacktestResults) -> String {
        let m = r.metrics
        let named: [(String, String, GroupMetrics)] = [("all", "overall", m.overall)]
            + ["BUY", "SELL", "HOLD"].compactMap { a in m.byAction[a].map { (a, "by_action.\(a)", $0) } }
            + ["HIGH", "MEDIUM", "LOW"].compactMap { c in m.byConfidence[c].map { (c, "by_confidence.\(c)", $0) } }
        let head = ["group", "signals", "trades", "wins", "losses", "hit rate", "avg R", "expectancy", "P&L", "commissions"]
            .map { "<th scope=\"col\">\(esc($0))</th>" }.joined()
        let rows = named.map { name, path, g in
            "<tr><th scope=\"row\">\(name)</th>" + figure(Double(g.signals), .count, path: "metrics:\(path).signals")
                + figure(Double(g.trades), .count, path: "metrics:\(path).trades") + figure(Double(g.wins), .count, path: "metrics:\(path).wins")
                + figure(Double(g.losses), .count, path: "metrics:\(path).losses")
                + figure(g.hitRate, .percent, path: "metrics:\(path).hit_rate") + figure(g.averageR, .number, path: "metrics:\(path).average_r")
                + figure(g.expectancy, .money, path: "metrics:\(path).expectancy") + figure(g.totalPnl, .money, path: "metrics:\(path).total_pnl")
                + figure(g.commissions, .money, path: "metrics:\(path).commissions") + "</tr>"
        }
        return "<table id=\"groups\"><caption>Simulated outcomes of every signal with levels (placed or not)</caption>"
            + "<thead><tr>\(head)</tr></thead><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>"
    }

    static func calibrationTable(_ r: BacktestResults) -> String {
        let c = r.calibration
        var rows: [String] = []
        for (i, b) in c.bins.enumerated() where b.count > 0 {
            rows.append("<tr><th scope=\"row\">\(String(format: "%.0f–%.0f", b.lower, b.upper))</th>"
                + figure(Double(b.count), .count, path: "calibration:bins.\(i).count")
                + figure(b.meanPredicted, .percent, path: "calibration:bins.\(i).mean_predicted")
                + figure(b.realisedWinRate, .percent, path: "calibration:bins.\(i).realised_win_rate") + "</tr>")
        }
        for level in ["HIGH", "MEDIUM", "LOW"] {
            guard let l = c.byConfidence[level] else { continue }
            rows.append("<tr><th scope=\"row\">\(level)</th>" + figure(Double(l.count), .count, path: "calibration:by_confidence.\(level).count")
                + figure(l.meanPredicted, .percent, path: "calibration:by_confidence.\(level).mean_predicted")
                + figure(l.winRate, .percent, path: "calibration:by_confidence.\(level).win_rate") + "</tr>")
        }
        let head = ["confidence score", "resolved", "mean predicted", "realised win rate"].map { "<th scope=\"col\">\($0)</th>" }.joined()
        return "<table id=\"calibration\"><caption>Resolved outcomes (target or stop exits) per score bin and per label</caption>"
            + "<thead><tr>\(head)</tr></thead><tbody>\n" + rows.joined(separator: "\n") + "\n</tbody></table>\n"
            + "<table class=\"args\"><tbody><tr><th scope=\"row\">Brier score</th>" + figure(c.brier, .precise, path: "calibration:brier")
            + "</tr><tr><th scope=\"row\">resolved</th>" + figure(Double(c.resolved), .count, path: "calibration:resolved")
            + "</tr><tr><th scope=\"row\">unresolved</th>" + figure(Double(c.unresolved), .count, path: "calibration:unresolved")
            + "</tr></tbody></table>\n<p class=\"note\">Brier score: mean of (score/100 − hit)², hit 1 for a target exit and 0 for a stop; "
            + "lower is better, always guessing 50% scores 0.25. Unresolved: unfilled, time or still-open outcomes.</p>"
    }
}
