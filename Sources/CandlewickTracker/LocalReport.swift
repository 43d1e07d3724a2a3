import CandlewickCore
import Foundation

/// The static HTML report of a local run folder: a summary table, then per symbol both charts,
/// the signal, its orders and fills. Images are referenced relatively (`artifacts/<SYMBOL>/…`),
/// so the folder can be moved or served as is.
public enum LocalReport {
    public static func html(_ state: LocalRunFolder, folder: String) -> String {
        let decoder = CandlewickJSON.decoder()
        func read<T: Decodable>(_ type: T.Type, _ path: String) -> T? {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(path)) else { return nil }
            return try? decoder.decode(T.self, from: data)
        }
        func num(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        func dec(_ v: Decimal?) -> String { v.map { "\($0)" } ?? "–" }
        let symbols = state.symbols.keys.sorted()
        var rows = ""
        var sections = ""
        for symbol in symbols {
            let run = state.symbols[symbol]!
            let signal = read(TradingSignal.self, "artifacts/\(symbol)/trading_signal.json")
            let orders = run.artifacts.filter { $0.hasPrefix("orders/") }.compactMap { read(Order.self, "artifacts/\(symbol)/\($0)") }
            let trades = run.artifacts.filter { $0.hasPrefix("trades/") }.compactMap { read(Trade.self, "artifacts/\(symbol)/\($0)") }
            let action = signal?.action.rawValue ?? run.params["signal_action"] ?? "–"
            rows += "<tr><td><a href=\"#\(esc(symbol))\">\(esc(symbol))</a></td><td class=\"\(action.lowercased())\">\(esc(action))</td>"
                + "<td>\(esc(signal?.confidence.rawValue ?? "–")) \(num(run.metrics["confidence_score"], 0))</td>"
                + "<td>\(num(run.metrics["latest_price"]))</td><td>\(dec(signal?.entryPrice))</td><td>\(dec(signal?.stopLoss))</td>"
                + "<td>\(dec(signal?.takeProfit))</td><td>\(num(run.metrics["risk_reward_ratio"]))</td>"
                + "<td>\(run.tags["order_placed"] == "true" ? "yes" : "no")</td><td>\(trades.count)</td><td>\(esc(run.status))</td></tr>\n"
            var s = "<section id=\"\(esc(symbol))\"><h2>\(esc(symbol)) — \(esc(action))</h2>\n<div class=\"charts\">"
            for chart in [SymbolRecord.dailyChartName, SymbolRecord.weeklyChartName] where run.artifacts.contains(chart) {
                s += "<img src=\"artifacts/\(esc(symbol))/\(chart)\" alt=\"\(esc(symbol)) \(chart)\">"
            }
            s += "</div>\n"
            if let sig = signal {
                s += "<p><b>\(sig.confidence.rawValue) (\(num(sig.confidenceScore, 0)))</b> \(esc(sig.reasoning))</p>"
                if !sig.keyFactors.isEmpty { s += "<ul>" + sig.keyFactors.map { "<li>\(esc($0))</li>" }.joined() + "</ul>" }
                if let d = sig.dailyAnalysis { s += "<p><i>Daily:</i> \(esc(d))</p>" }
                if let w = sig.weeklyAnalysis { s += "<p><i>Weekly:</i> \(esc(w))</p>" }
            }
            if !orders.isEmpty {
                s += "<h3>Orders</h3><table><tr><th>ref</th><th>side</th><th>qty</th><th>type</th><th>limit</th><th>stop</th><th>status</th><th>filled</th><th>avg</th></tr>"
                for o in orders {
                    s += "<tr><td>\(esc(o.orderRef ?? "–"))</td><td>\(o.side.rawValue)</td><td>\(o.quantity)</td><td>\(o.orderType.rawValue)</td>"
                        + "<td>\(dec(o.limitPrice))</td><td>\(dec(o.stopPrice))</td><td>\(o.status.rawValue)</td><td>\(o.filledQuantity)</td><td>\(dec(o.avgFillPrice))</td></tr>"
                }
                s += "</table>"
            }
            if !trades.isEmpty {
                s += "<h3>Fills</h3><table><tr><th>execution</th><th>side</th><th>qty</th><th>price</th><th>commission</th><th>time</th></tr>"
                for t in trades {
                    for e in t.executions {
                        s += "<tr><td>\(esc(e.executionId))</td><td>\(e.side.rawValue)</td><td>\(e.quantity)</td><td>\(e.price)</td>"
                            + "<td>\(e.commission)</td><td>\(UTCTimestamp.format(e.timestamp))</td></tr>"
                    }
                }
                s += "</table>"
            }
            sections += s + "</section>\n"
        }
        let p = state.pipeline
        var audit = ""
        if let state = p.tags[TrackingPlanner.auditTag] {
            let missing = p.tags[TrackingPlanner.auditMissingTag] ?? "?"
            audit = state == "complete" ? "<p class=\"audit\">Audit trail complete: every record of the run is here.</p>"
                : "<p class=\"audit incomplete\"><b>Audit trail incomplete</b> — missing: \(esc(missing))</p>"
        }
        let totals = p.metrics.sorted { $0.key < $1.key }.map { "\(esc($0.key)) = \(num($0.value))" }.joined(separator: " · ")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Candlewick run \(esc(state.runId))</title>
            <style>
            body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
            td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}
            td:first-child{text-align:left}.buy{color:#080;font-weight:bold}.sell{color:#b00;font-weight:bold}
            .charts img{width:48%;height:auto;margin-right:1%;border:1px solid #ddd;box-sizing:border-box}section{margin-top:2em}
            .incomplete{color:#b00;border:2px solid #b00;padding:4px 8px}
            </style></head><body>
            <h1>Run \(esc(state.runId))</h1>
            <p>Status <b>\(esc(p.status))</b> · \(symbols.count) symbols · \(totals)</p>
            \(audit)
            <table><tr><th>symbol</th><th>action</th><th>confidence</th><th>price</th><th>entry</th><th>stop</th><th>target</th><th>R:R</th><th>order</th><th>fills</th><th>status</th></tr>
            \(rows)</table>
            \(sections)</body></html>

            """
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
