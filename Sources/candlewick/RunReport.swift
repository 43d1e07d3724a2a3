import CandlewickCore
import Foundation

/// A static HTML page for a run that a person can open in a browser: the summary table and, per
/// symbol, both charts and the signal (levels, reasoning, key factors, refusal reasons).
enum RunReport {
    static func write(_ summary: RunSummary, folder: String) throws {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        func d(_ v: Decimal?) -> String { v.map { "\($0)" } ?? "–" }
        var rows = ""
        var sections = ""
        for a in summary.signals {
            let s = a.signal
            let cls = s.action == .buy ? "buy" : s.action == .sell ? "sell" : "hold"
            rows += "<tr><td><a href=\"#\(esc(s.symbol))\">\(esc(s.symbol))</a></td><td class=\"\(cls)\">\(s.action.rawValue)</td>"
                + "<td>\(s.confidence.rawValue) \(Int(s.confidenceScore))</td><td>\(d(s.entryPrice))</td><td>\(d(s.stopLoss))</td>"
                + "<td>\(d(s.takeProfit))</td><td>\(s.riskRewardRatio.map { String(format: "%.2f", $0) } ?? "–")</td>"
                + "<td>\(esc(s.provider ?? ""))</td><td>\(s.isActionable ? "actionable" : a.reasons.isEmpty ? "" : "refused")</td></tr>\n"
            let factors = s.keyFactors.map { "<li>\(esc($0))</li>" }.joined()
            let reasons = a.reasons.isEmpty ? "" : "<p class=\"refused\">Refused: \(esc(a.reasons.joined(separator: "; ")))</p>"
            sections += """
                <section id="\(esc(s.symbol))"><h2>\(esc(s.symbol)) — <span class="\(cls)">\(s.action.rawValue)</span> \
                \(s.confidence.rawValue) \(Int(s.confidenceScore))</h2>
                <div class="charts"><img alt="\(esc(s.symbol)) daily chart" src="charts/\(esc(s.symbol))/\(esc(s.symbol))_daily.png">
                <img alt="\(esc(s.symbol)) weekly chart" src="charts/\(esc(s.symbol))/\(esc(s.symbol))_weekly.png"></div>
                <p><b>Entry</b> \(d(s.entryPrice)) · <b>Stop</b> \(d(s.stopLoss)) · <b>Target</b> \(d(s.takeProfit)) · \
                <b>Analyst</b> \(esc(s.provider ?? "")) \(esc(s.model ?? "")) · <b>Latency</b> \(Int(a.latencyMs)) ms</p>
                <p>\(esc(s.reasoning))</p><ul>\(factors)</ul>\(reasons)
                <p class="small"><a href="signals/\(esc(s.symbol))/signal.json">signal.json</a> · \
                <a href="signals/\(esc(s.symbol))/analysis.json">analysis.json</a></p></section>

                """
        }
        let failures = summary.failures.map { "<li>\(esc($0.symbol)): \(esc($0.reason))</li>" }.joined()
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Candlewick \(esc(summary.runId))</title>
            <style>body{font-family:DejaVu Sans,Arial,sans-serif;margin:24px;color:#1f2430}table{border-collapse:collapse}
            td,th{padding:4px 10px;border-bottom:1px solid #e6e9ef;text-align:left}.buy{color:#1a9e5a;font-weight:bold}
            .sell{color:#d8353b;font-weight:bold}.hold{color:#5a6272}.charts img{width:49%;border:1px solid #e6e9ef}
            .refused{color:#d8353b}.small{font-size:12px}</style></head><body>
            <h1>Candlewick run \(esc(summary.runId))</h1>
            <p>\(summary.signals.count) symbols · \(summary.signals.filter(\.signal.isActionable).count) actionable · \
            \(summary.failures.count) failed · \(summary.reissued) re-issued jobs · \
            \(String(format: "%.1f", summary.stageSeconds["total"] ?? 0)) s</p>
            <table><tr><th>symbol</th><th>action</th><th>confidence</th><th>entry</th><th>stop</th><th>target</th><th>R:R</th>\
            <th>analyst</th><th></th></tr>
            \(rows)</table>\(failures.isEmpty ? "" : "<h3>Failures</h3><ul>\(failures)</ul>")
            \(sections)</body></html>
            """
        try html.write(toFile: (folder as NSString).appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
    }
}
