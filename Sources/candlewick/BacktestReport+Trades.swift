import CandlewickCore
import CandlewickRun
import Foundation

/// The report's trade table (every simulated outcome, in trades.csv's order), sortable by column and filterable by
/// action and confidence (`ReportTable`, shared with the run report).
extension BacktestReport {
    static let tradeColumns = ["as of", "symbol", "action", "confidence", "order-router", "entry date", "entry price", "exit date",
                               "exit price", "exit reason", "R", "P&L"]

    static func tradesTable(_ r: BacktestResults) -> String {
        let router = Dictionary(r.signals.map { ("\($0.asOf) \($0.symbol)", $0.router.text) }, uniquingKeysWith: { first, _ in first })
        // trades.csv's order: (as_of, symbol), ties in input order.
        let sorted = r.outcomes.enumerated().sorted { ($0.element.asOf, $0.element.symbol, $0.offset) < ($1.element.asOf, $1.element.symbol, $1.offset) }
        typealias Cell = ReportTable.Cell
        func price(_ d: Decimal?) -> String { d.map(DecimalText.plain) ?? "" }
        let rows = sorted.map(\.element).map { o in
            let action = o.action.rawValue, pnl = DecimalText.double(o.pnl)
            return ReportTable.Row(data: [("action", action), ("confidence", o.confidence.rawValue)], cells: [
                Cell(o.asOf), Cell(o.symbol), Cell(action, cls: action.lowercased()),
                Cell("\(o.confidence.rawValue) \(BacktestFiles.number(o.confidenceScore))", sort: BacktestFiles.number(o.confidenceScore)),
                Cell(router["\(o.asOf) \(o.symbol)"] ?? ""), Cell(o.entryDate ?? ""), Cell(price(o.entryPrice), cls: "num"),
                Cell(o.exitDate ?? ""), Cell(price(o.exitPrice), cls: "num"), Cell(o.exitReason.rawValue),
                Cell(o.rMultiple.map { String(format: "%.2f", $0) } ?? "", sort: o.rMultiple.map(BacktestFiles.number) ?? "", cls: "num"),
                Cell(String(format: "%.2f", pnl), sort: DecimalText.plain(o.pnl), cls: pnl > 0 ? "num win" : pnl < 0 ? "num loss" : "num"),
            ])
        }
        return ReportTable(
            id: "trades", caption: "Simulated trades", noun: "trades", countId: "trade-count", columns: tradeColumns,
            filters: [.init(key: "action", label: "Action", values: ["BUY", "SELL"]),
                      .init(key: "confidence", label: "Confidence", values: ["HIGH", "MEDIUM", "LOW"])],
            note: "Every signal with levels (LOW and denied ones included), simulated on the bars after its as-of day; "
                + "click a column heading to sort. Prices after slippage; P&amp;L after commission.",
            rows: rows
        ).html
    }
}
