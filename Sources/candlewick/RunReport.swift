import CandlewickConsole
import CandlewickCore
import CandlewickRun
import Foundation

/// `report.html` of a run, a static page a person opens in a browser (works offline, inline style and script): the
/// run's figures, the symbols counted by action, confidence and order-router's outcome, one table row per symbol
/// (sortable; filterable by action, confidence and router outcome; searchable by symbol) with the router's decision
/// (reason code and detail of a denial, the fill when the broker reported one) and lazy-loaded chart thumbnails
/// linking to the full PNGs, then a section per symbol with its charts, levels, reasoning and refusal reasons.
/// Nothing in it depends on the wall clock or on hashing: the same run data writes the same bytes.
enum RunReport {
    /// A chart file's pixel size by symbol and timeframe; a chart not written is absent.
    typealias ChartSizes = [String: [Timeframe: (width: Int, height: Int)]]

    /// Writes `<folder>/report.html` (replaced atomically), with the chart sizes read from the PNGs under `<folder>/charts/`.
    static func write(_ summary: RunSummary, folder: String) throws {
        let html = page(summary, charts: chartSizes(summary, folder: folder))
        try Data(html.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("report.html")), options: .atomic)
    }

    /// The path of a symbol's chart, relative to the run folder.
    static func chartPath(_ symbol: String, _ timeframe: Timeframe) -> String { "charts/\(symbol)/\(symbol)_\(timeframe.rawValue).png" }

    static func chartSizes(_ summary: RunSummary, folder: String) -> ChartSizes {
        var sizes: ChartSizes = [:]
        for symbol in summary.signals.map(\.signal.symbol) {
            for tf in Timeframe.allCases {
                if let size = PNGSize.read((folder as NSString).appendingPathComponent(chartPath(symbol, tf))) { sizes[symbol, default: [:]][tf] = size }
            }
        }
        return sizes
    }

    static func page(_ summary: RunSummary, charts: ChartSizes) -> String {
        let esc = HTML.escape
        let counts = summary.counts
        let failures = summary.failures.map { "<li>\(esc($0.symbol)): \(esc($0.reason))</li>" }.joined(separator: "\n")
        let stopped = summary.stop.map { "<p class=\"refused\"><strong>Stopped (\(esc($0.code.rawValue))):</strong> \(esc($0.message))</p>\n" } ?? ""
        var files = ["<a href=\"summary.json\">summary.json</a>"]
        if summary.orders != nil { files += ["<a href=\"orders.json\">orders.json</a>", "<a href=\"trades.json\">trades.json</a>"] }
        if summary.orders?.portfolio != nil { files.append("<a href=\"portfolio.json\">portfolio.json</a>") }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Candlewick run \(esc(summary.runId))</title>
            <style>\(ConsoleStylesheet.css)</style></head><body class="report">
            <header><h1>Candlewick run <code>\(esc(summary.runId))</code></h1>
            <p>\(summary.signals.count) symbols · \(summary.signals.filter(\.signal.isActionable).count) actionable · \
            \(summary.failures.count) failed · \(summary.reissued) re-issued jobs · \
            \(String(format: "%.1f", summary.stageSeconds["total"] ?? 0)) s. \(esc(ordersLine(summary))) \
            Files: \(files.joined(separator: ", ")).</p>
            \(stopped)</header>
            <main>
            <section aria-labelledby="h-counts"><h2 id="h-counts">Counts</h2>
            <div class="counts">
            \(countTable("by-action", "By action", RunCounts.actions, counts.byAction))
            \(countTable("by-confidence", "By confidence", RunCounts.confidences, counts.byConfidence))
            \(countTable("by-router", "By order-router's outcome", RunCounts.routerOutcomes, counts.byRouterOutcome))
            \(reasonTable(counts))
            </div></section>
            \(failures.isEmpty ? "" : "<section aria-labelledby=\"h-failures\"><h2 id=\"h-failures\">Failures</h2><ul>\n\(failures)\n</ul></section>")
            <section aria-labelledby="h-symbols"><h2 id="h-symbols">Symbols</h2>
            \(symbolTable(summary, charts: charts).html)
            </section>
            <section aria-labelledby="h-details"><h2 id="h-details">Each symbol</h2>
            \(summary.signals.map { symbolSection($0, summary: summary, charts: charts) }.joined(separator: "\n"))
            </section>
            </main>
            <script>\(ReportTable.script)</script>
            </body></html>

            """
    }

    /// What the run's orders came to, in one sentence (empty when the run sent none).
    static func ordersLine(_ summary: RunSummary) -> String {
        guard let o = summary.orders else { return "" }
        var line = "Orders: \(o.sent.count) placed"
        if let confirmed = o.confirmed { line += ", \(confirmed.count) confirmed at IB" }
        line += ", \(summary.counts.filled) filled"
        if !o.unknown.isEmpty { line += ", \(o.unknown.count) UNKNOWN at IB" }
        if let day = o.paperDay { line += "; ib-paper \(day)" }
        return line + "."
    }

    static func countTable(_ id: String, _ caption: String, _ keys: [String], _ counts: [String: Int]) -> String {
        "<table id=\"\(id)\"><caption>\(HTML.escape(caption))</caption><tbody>"
            + keys.map { "<tr><th scope=\"row\">\(HTML.escape($0))</th><td class=\"num\">\(counts[$0] ?? 0)</td></tr>" }.joined()
            + "</tbody></table>"
    }

    static func reasonTable(_ counts: RunCounts) -> String {
        let rows = counts.byReason.map { "<tr><th scope=\"row\"><code>\(HTML.escape($0.code))</code></th><td class=\"num\">\($0.count)</td></tr>" }
        return "<table id=\"by-reason\"><caption>Denied or rejected, by reason</caption><tbody>"
            + (rows.isEmpty ? "<tr><th scope=\"row\">none</th><td class=\"num\">0</td></tr>" : rows.joined()) + "</tbody></table>"
    }
}
