import CandlewickCore
import CandlewickRun
import Foundation

/// The report's trade table (every simulated outcome, in trades.csv's order), its inline script (sort by a column,
/// filter by action and confidence) and the page's style.
extension BacktestReport {
    static let tradeColumns = ["as of", "symbol", "action", "confidence", "order-router", "entry date", "entry price", "exit date",
                               "exit price", "exit reason", "R", "P&L"]

    static func tradesTable(_ r: BacktestResults) -> String {
        let router = Dictionary(r.signals.map { ("\($0.asOf) \($0.symbol)", $0.router.text) }, uniquingKeysWith: { first, _ in first })
        // trades.csv's order: (as_of, symbol), ties in input order.
        let sorted = r.outcomes.enumerated().sorted { ($0.element.asOf, $0.element.symbol, $0.offset) < ($1.element.asOf, $1.element.symbol, $1.offset) }
        func cell(_ text: String, sort: String? = nil, cls: String? = nil) -> String {
            "<td" + (sort.map { " data-sort=\"\(esc($0))\"" } ?? "") + (cls.map { " class=\"\($0)\"" } ?? "") + ">\(esc(text))</td>"
        }
        func price(_ d: Decimal?) -> String { d.map(DecimalText.plain) ?? "" }
        let rows = sorted.map(\.element).map { o in
            let action = o.action.rawValue, pnl = DecimalText.double(o.pnl)
            return "<tr data-action=\"\(action)\" data-confidence=\"\(o.confidence.rawValue)\">"
                + cell(o.asOf) + cell(o.symbol) + cell(action, cls: action.lowercased())
                + cell("\(o.confidence.rawValue) \(BacktestFiles.number(o.confidenceScore))", sort: BacktestFiles.number(o.confidenceScore))
                + cell(router["\(o.asOf) \(o.symbol)"] ?? "") + cell(o.entryDate ?? "") + cell(price(o.entryPrice), cls: "num")
                + cell(o.exitDate ?? "") + cell(price(o.exitPrice), cls: "num") + cell(o.exitReason.rawValue)
                + cell(o.rMultiple.map { String(format: "%.2f", $0) } ?? "", sort: o.rMultiple.map(BacktestFiles.number) ?? "", cls: "num")
                + cell(String(format: "%.2f", pnl), sort: DecimalText.plain(o.pnl), cls: pnl > 0 ? "num win" : pnl < 0 ? "num loss" : "num")
                + "</tr>"
        }
        let head = tradeColumns.map { "<th scope=\"col\"><button type=\"button\">\(esc($0))</button></th>" }.joined()
        func select(_ id: String, _ label: String, _ values: [String]) -> String {
            "<label for=\"\(id)\">\(label)</label> <select id=\"\(id)\"><option value=\"\">all</option>"
                + values.map { "<option value=\"\($0)\">\($0)</option>" }.joined() + "</select>"
        }
        return """
            <form class="filters" role="search" aria-controls="trades" onsubmit="return false">\
            \(select("filter-action", "Action", ["BUY", "SELL"])) \(select("filter-confidence", "Confidence", ["HIGH", "MEDIUM", "LOW"]))
            <output id="trade-count" aria-live="polite">\(sorted.count) trades</output></form>
            <p class="note">Every signal with levels (LOW and denied ones included), simulated on the bars after its as-of day; \
            click a column heading to sort. Prices after slippage; P&amp;L after commission.</p>
            <table id="trades"><caption>Simulated trades</caption><thead><tr>\(head)</tr></thead><tbody>
            \(rows.joined(separator: "\n"))
            </tbody></table>
            """
    }

    /// Filtering (rows `hidden` unless their action and confidence match) and sorting (by a cell's `data-sort`, else its
    /// text; numbers as numbers, empty cells last; `aria-sort` on the heading).
    static let script = #"""
        (function () {
          var table = document.getElementById('trades'), body = table.tBodies[0];
          var action = document.getElementById('filter-action'), confidence = document.getElementById('filter-confidence');
          var count = document.getElementById('trade-count');
          function filter() {
            var shown = 0;
            Array.prototype.forEach.call(body.rows, function (row) {
              var ok = (!action.value || row.dataset.action === action.value) &&
                       (!confidence.value || row.dataset.confidence === confidence.value);
              row.hidden = !ok;
              if (ok) shown++;
            });
            count.textContent = shown + ' of ' + body.rows.length + ' trades shown';
          }
          action.addEventListener('change', filter);
          confidence.addEventListener('change', filter);
          var heads = table.tHead.rows[0].cells;
          Array.prototype.forEach.call(heads, function (th, col) {
            th.querySelector('button').addEventListener('click', function () {
              var ascending = th.getAttribute('aria-sort') !== 'ascending';
              Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
              th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
              function key(row) {
                var c = row.cells[col];
                return c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent;
              }
              var rows = Array.prototype.slice.call(body.rows);
              rows.sort(function (a, b) {
                var x = key(a), y = key(b);
                if (x === '' || y === '') return x === y ? 0 : (x === '' ? 1 : -1);
                var nx = Number(x), ny = Number(y);
                var c = isNaN(nx) || isNaN(ny) ? (x < y ? -1 : x > y ? 1 : 0) : nx - ny;
                return ascending ? c : -c;
              });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
          filter();
        })();
        """#

    static let style = """
        body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#1f2430;max-width:1240px}
        table{border-collapse:collapse;margin:8px 0 16px}caption{text-align:left;font-weight:bold;padding:4px 0}
        td,th{padding:3px 10px;border-bottom:1px solid #e6e9ef;text-align:left}td[data-path],td.num{text-align:right}
        #trades{font-size:14px}#trades td{white-space:nowrap}thead th{background:#f4f6f9}
        thead button{font:inherit;font-weight:bold;border:0;background:none;cursor:pointer;padding:0}
        th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
        .buy{color:#1a9e5a;font-weight:bold}.sell{color:#d8353b;font-weight:bold}.win{color:#1a9e5a}.loss{color:#d8353b}
        figure{margin:12px 0}img{max-width:100%;height:auto;border:1px solid #e6e9ef}.note{color:#5a6272;font-size:13px}
        .filters{margin:8px 0}.filters select{margin-right:16px}
        """
}
