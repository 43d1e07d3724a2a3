import CandlewickCore
import CandlewickRun
import Foundation

/// The run report's symbol table (one row per symbol, `ReportTable`) and its section per symbol.
extension RunReport {
    static let columns = ["symbol", "action", "confidence", "entry", "stop", "target", "R:R", "analyst", "analysis", "order-router",
                          "reason", "detail", "quantity", "filled", "charts"]
    /// Display widths of a chart: a thumbnail in the table, larger in the symbol's section (the full PNG is a click away).
    static let thumbnailWidth = 120
    static let sectionWidth = 600

    static func symbolTable(_ summary: RunSummary, charts: ChartSizes) -> ReportTable {
        typealias Cell = ReportTable.Cell
        func d(_ v: Decimal?) -> String { v.map(DecimalText.plain) ?? "" }
        let rows = summary.signals.map { a -> ReportTable.Row in
            let s = a.signal, o = summary.orders?.outcome(s.symbol)
            let router = RunCounts.routerLabel(o)
            let thumbs = Timeframe.allCases.compactMap { chart(s.symbol, $0, charts, width: thumbnailWidth) }
            return ReportTable.Row(
                data: [("symbol", s.symbol), ("action", s.action.rawValue), ("confidence", s.confidence.rawValue), ("router", router)],
                cells: [
                    Cell(html: "<a href=\"#s-\(HTML.escape(s.symbol))\">\(HTML.escape(s.symbol))</a>", sort: s.symbol),
                    Cell(s.action.rawValue, cls: s.action.rawValue.lowercased()),
                    Cell("\(s.confidence.rawValue) \(Int(s.confidenceScore))", sort: String(format: "%.1f", s.confidenceScore)),
                    Cell(d(s.entryPrice), cls: "num"), Cell(d(s.stopLoss), cls: "num"), Cell(d(s.takeProfit), cls: "num"),
                    Cell(s.riskRewardRatio.map { String(format: "%.2f", $0) } ?? "", cls: "num"),
                    Cell(s.provider ?? ""), Cell(analysis(a), cls: a.reasons.isEmpty ? nil : "refused"),
                    Cell(router, cls: router.replacingOccurrences(of: " ", with: "-")),
                    Cell(o?.note?.code.rawValue ?? ""), Cell(detail(o), cls: "detail"),
                    Cell(o?.quantity.map(DecimalText.plain) ?? "", cls: "num"),
                    Cell(filled(o), sort: o?.fillPrice.map(DecimalText.plain) ?? "", cls: "num"),
                    Cell(html: thumbs.joined(), cls: "thumbs"),
                ])
        }
        return ReportTable(
            id: "symbols", caption: "One row per symbol", noun: "symbols", countId: "symbol-count", columns: columns,
            filters: [.init(key: "action", label: "Action", values: RunCounts.actions),
                      .init(key: "confidence", label: "Confidence", values: RunCounts.confidences),
                      .init(key: "router", label: "Order-router", values: RunCounts.routerOutcomes)],
            search: .init(key: "symbol", label: "Symbol"),
            note: "Click a column heading to sort. <em>analysis</em>: what the analyst's signal allows (refused by the validator, "
                + "actionable, or no trade); <em>order-router</em>: its decision on the signals the run sent it, with the reason "
                + "code and detail of a denial or rejection; <em>filled</em>: the entry's fill as the broker reported it at the "
                + "end of the run. A thumbnail opens the full chart.",
            rows: rows)
    }

    /// The analyst's side: refused by the signal validator, actionable (BUY/SELL above LOW), or no trade.
    static func analysis(_ a: AnalysisResult) -> String {
        !a.reasons.isEmpty ? "refused" : a.signal.isActionable ? "actionable" : "no trade"
    }

    /// The router's detail: a denial's or rejection's sentence; for orders sent, the clamps and whether IB showed every leg.
    static func detail(_ o: SymbolOrderOutcome?) -> String {
        guard let o else { return "" }
        if let note = o.note { return note.detail }
        var parts = o.clamps.map { "\($0.code.rawValue): \($0.detail)" }
        switch o.confirmedAtIB {
        case true?: parts.append("every leg at IB")
        case false?: parts.append("NOT every leg reported by IB")
        case nil: if o.outcome == .placed || o.outcome == .duplicate { parts.append("no broker snapshot") }
        }
        return parts.joined(separator: "; ")
    }

    /// The entry's fill: `10 @ 152.3`, or `6 of 10 @ 152.3` when part of it filled.
    static func filled(_ o: SymbolOrderOutcome?) -> String {
        guard let o, o.filled, let q = o.filledQuantity, let p = o.fillPrice else { return "" }
        let of = o.quantity.map { q < $0 ? " of \(DecimalText.plain($0))" : "" } ?? ""
        return "\(DecimalText.plain(q))\(of) @ \(DecimalText.plain(p))"
    }

    /// A chart image (lazy, its size stated, scaled to `width`) linking to the full PNG; nil when the chart was not written.
    static func chart(_ symbol: String, _ timeframe: Timeframe, _ charts: ChartSizes, width: Int) -> String? {
        guard let c = charts[symbol]?[timeframe] else { return nil }
        let shown = min(width, c.width), height = max(1, Int((Double(c.height) * Double(shown) / Double(c.width)).rounded()))
        let src = HTML.escape(chartPath(symbol, timeframe))
        return "<a href=\"\(src)\"><img src=\"\(src)\" loading=\"lazy\" decoding=\"async\" width=\"\(shown)\" height=\"\(height)\" "
            + "alt=\"\(HTML.escape(symbol)) \(timeframe.rawValue) chart (\(c.width)×\(c.height))\"></a>"
    }

    static func symbolSection(_ a: AnalysisResult, summary: RunSummary, charts: ChartSizes) -> String {
        let esc = HTML.escape, s = a.signal, o = summary.orders?.outcome(s.symbol)
        func d(_ v: Decimal?) -> String { v.map(DecimalText.plain) ?? "–" }
        let cls = s.action.rawValue.lowercased()
        let images = Timeframe.allCases.compactMap { chart(s.symbol, $0, charts, width: sectionWidth) }
        let factors = s.keyFactors.isEmpty ? "" : "<ul>" + s.keyFactors.map { "<li>\(esc($0))</li>" }.joined() + "</ul>"
        let reasons = a.reasons.isEmpty ? "" : "<p class=\"refused\">Refused: \(esc(a.reasons.joined(separator: "; ")))</p>"
        var router = "<p><b>Order-router</b> \(esc(RunCounts.routerLabel(o)))"
        if let o {
            if let code = o.note?.code.rawValue { router += " — <code>\(esc(code))</code>" }
            let detail = detail(o), fill = filled(o)
            if !detail.isEmpty { router += ": \(esc(detail))" }
            if let q = o.quantity { router += " · quantity \(esc(DecimalText.plain(q)))" }
            if !fill.isEmpty { router += " · filled \(esc(fill))" }
            router += " · intent <code>\(esc(o.intentId))</code>"
        }
        router += "</p>"
        return """
            <section class="symbol" id="s-\(esc(s.symbol))" aria-labelledby="h-\(esc(s.symbol))">\
            <h3 id="h-\(esc(s.symbol))">\(esc(s.symbol)) — <span class="\(cls)">\(s.action.rawValue)</span> \
            \(s.confidence.rawValue) \(Int(s.confidenceScore))</h3>
            <div class="charts">\(images.isEmpty ? "<p class=\"note\">No chart file was written.</p>" : images.joined())</div>
            <p><b>Entry</b> \(d(s.entryPrice)) · <b>Stop</b> \(d(s.stopLoss)) · <b>Target</b> \(d(s.takeProfit)) · \
            <b>Analyst</b> \(esc(s.provider ?? "")) \(esc(s.model ?? "")) · <b>Latency</b> \(Int(a.latencyMs)) ms</p>
            \(router)
            <p>\(esc(s.reasoning))</p>\(factors)\(reasons)
            <p class="note"><a href="signals/\(esc(s.symbol))/signal.json">signal.json</a> · \
            <a href="signals/\(esc(s.symbol))/analysis.json">analysis.json</a> · <a href="#symbols">back to the table</a></p></section>
            """
    }
}
