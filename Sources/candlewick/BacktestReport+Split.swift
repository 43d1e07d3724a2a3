import CandlewickCore
import CandlewickRun
import Foundation

extension BacktestReport {
    /// The in-sample / out-of-sample section: each segment's as-of days, trade statistics, Brier score and equity
    /// figures side by side, with the assumption behind the split. Without `--oos-from`, a note that every figure is
    /// in-sample.
    static func splitSection(_ r: BacktestResults, settings: BacktestSettings) -> String {
        let statement = "<p class=\"note\">\(esc(BacktestSplit.statement(oosFrom: settings.oosFrom)))</p>"
        guard let split = r.split else {
            return "<section aria-labelledby=\"h-split\"><h2 id=\"h-split\">In-sample / out-of-sample</h2>\n\(statement)\n</section>"
        }
        let sides: [(String, String, SplitSegment)] = [("in-sample", "split.in_sample", split.inSample),
                                                      ("out-of-sample", "split.out_of_sample", split.outOfSample)]
        let head = "<tr><th scope=\"col\">figure</th>" + sides.map { "<th scope=\"col\">\($0.0)</th>" }.joined() + "</tr>"
        func days(_ s: SplitSegment) -> String {
            guard let a = s.firstAsOf, let b = s.lastAsOf else { return "–" }
            return "\(a) … \(b)"
        }
        var rows = ["<tr><th scope=\"row\">as-of days</th>" + sides.map { "<td>\(esc(days($0.2)))</td>" }.joined() + "</tr>"]
        rows.append("<tr><th scope=\"row\">number of as-of days</th>"
            + sides.map { figure(Double($0.2.asOfDays), .count, path: "metrics:\($0.1).as_of_days") }.joined() + "</tr>")
        let groupRows: [(String, String, Format, (GroupMetrics) -> Double?)] = [
            ("signals with levels", "signals", .count, { Double($0.signals) }), ("trades", "trades", .count, { Double($0.trades) }),
            ("wins", "wins", .count, { Double($0.wins) }), ("losses", "losses", .count, { Double($0.losses) }),
            ("hit rate", "hit_rate", .percent, \.hitRate), ("avg R", "average_r", .number, \.averageR),
            ("expectancy", "expectancy", .money, { $0.expectancy.map(DecimalText.double) }),
            ("P&L", "total_pnl", .money, { DecimalText.double($0.totalPnl) }),
        ]
        for (name, key, format, value) in groupRows {
            rows.append("<tr><th scope=\"row\">\(esc(name))</th>"
                + sides.map { figure(value($0.2.metrics.overall), format, path: "metrics:\($0.1).metrics.overall.\(key)") }.joined() + "</tr>")
        }
        for level in ["HIGH", "MEDIUM", "LOW"] {
            rows.append("<tr><th scope=\"row\">hit rate \(level)</th>" + sides.map {
                figure($0.2.metrics.byConfidence[level]?.hitRate, .percent, path: "metrics:\($0.1).metrics.by_confidence.\(level).hit_rate")
            }.joined() + "</tr>")
        }
        rows.append("<tr><th scope=\"row\">Brier score</th>" + sides.map { figure($0.2.brier, .precise, path: "metrics:\($0.1).brier") }.joined()
            + "</tr>")
        let curveRows: [(String, String, Format, (MetricsReport) -> Double?)] = [
            ("total return", "total_return", .percent, \.totalReturn), ("max drawdown", "max_drawdown", .percent, \.maxDrawdown),
            ("Sharpe", "sharpe", .number, \.sharpe),
            ("buy-and-hold total return", "benchmarks.buy_and_hold.total_return", .percent, { $0.benchmarks["buy_and_hold"]?.totalReturn }),
        ]
        for (name, key, format, value) in curveRows {
            rows.append("<tr><th scope=\"row\">\(esc(name))</th>"
                + sides.map { figure(value($0.2.metrics), format, path: "metrics:\($0.1).metrics.\(key)") }.joined() + "</tr>")
        }
        return """
            <section aria-labelledby="h-split"><h2 id="h-split">In-sample / out-of-sample (from \(esc(split.oosFrom)))</h2>
            <table id="split"><caption>Signals by the segment of their as-of day; equity over the segment's days</caption>
            <thead>\(head)</thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table>
            \(statement)
            </section>
            """
    }
}
