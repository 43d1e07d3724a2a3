/// A sortable, filterable HTML table for the static reports (backtest and run): its filter form (a select per
/// filtered `data-` attribute, optionally a text search), the table with a button per column heading, and the one
/// inline script that sorts and filters every such table on a page (`ReportTable.script`; no network, no library).
///
/// Rows carry their filter values as `data-<key>` attributes; a cell may carry `data-sort` (its sort key, else its
/// text is used; numbers sort as numbers, empty keys last). Nothing here depends on the wall clock or on hashing:
/// the same rows give the same bytes.
struct ReportTable {
    /// A select that keeps the rows whose `data-<key>` equals the chosen value ("all" keeps every row).
    struct Filter {
        let key: String
        let label: String
        let values: [String]
    }

    /// A text box that keeps the rows whose `data-<key>` contains the typed text (case-insensitive).
    struct Search {
        let key: String
        let label: String
    }

    /// One cell: escaped text, or markup the caller built and escaped (`html`), with an optional sort key and class.
    struct Cell {
        let content: String
        let sort: String?
        let cls: String?

        init(_ text: String, sort: String? = nil, cls: String? = nil) {
            content = HTML.escape(text)
            self.sort = sort
            self.cls = cls
        }

        init(html: String, sort: String? = nil, cls: String? = nil) {
            content = html
            self.sort = sort
            self.cls = cls
        }

        var markup: String {
            "<td" + (sort.map { " data-sort=\"\(HTML.escape($0))\"" } ?? "") + (cls.map { " class=\"\(HTML.escape($0))\"" } ?? "")
                + ">\(content)</td>"
        }
    }

    /// One row: its filter values (`data-<key>`, in the given order) and its cells.
    struct Row {
        let data: [(key: String, value: String)]
        let cells: [Cell]

        var markup: String {
            "<tr" + data.map { " data-\($0.key)=\"\(HTML.escape($0.value))\"" }.joined() + ">" + cells.map(\.markup).joined() + "</tr>"
        }
    }

    /// The table's element id (the form's `aria-controls`).
    let id: String
    let caption: String
    /// What a row is, plural ("trades", "symbols"): the count reads "N of M <noun> shown".
    let noun: String
    /// The element id of the live count.
    let countId: String
    let columns: [String]
    let filters: [Filter]
    var search: Search? = nil
    /// A sentence under the filters (already markup).
    var note: String = ""
    let rows: [Row]

    /// The filter form, the note and the table.
    var html: String {
        func select(_ f: Filter) -> String {
            "<label for=\"filter-\(f.key)\">\(HTML.escape(f.label))</label> <select id=\"filter-\(f.key)\" data-filter=\"\(f.key)\">"
                + "<option value=\"\">all</option>"
                + f.values.map { "<option value=\"\(HTML.escape($0))\">\(HTML.escape($0))</option>" }.joined() + "</select>"
        }
        let searchBox = search.map { s in
            " <label for=\"filter-\(s.key)\">\(HTML.escape(s.label))</label> "
                + "<input type=\"search\" id=\"filter-\(s.key)\" data-filter=\"\(s.key)\" data-match=\"contains\" autocomplete=\"off\">"
        } ?? ""
        let head = columns.map { "<th scope=\"col\"><button type=\"button\">\(HTML.escape($0))</button></th>" }.joined()
        return """
            <form class="filters" role="search" aria-controls="\(id)" onsubmit="return false">\
            \(filters.map(select).joined(separator: " "))\(searchBox)
            <output id="\(countId)" aria-live="polite" data-noun="\(HTML.escape(noun))">\(rows.count) \(HTML.escape(noun))</output></form>
            \(note.isEmpty ? "" : "<p class=\"note\">\(note)</p>\n")<div class="table-scroll"><table id="\(id)" class="sortable">\
            <caption>\(HTML.escape(caption))</caption><thead><tr>\(head)</tr></thead><tbody>
            \(rows.map(\.markup).joined(separator: "\n"))
            </tbody></table></div>
            """
    }

    /// Filtering (a row is `hidden` unless it matches every control of its form) and sorting (by a cell's `data-sort`,
    /// else its text; numbers as numbers, empty keys last; `aria-sort` on the heading), for every `form.filters` on the
    /// page and the table it controls.
    static let script = #"""
        (function () {
          Array.prototype.forEach.call(document.querySelectorAll('form.filters[aria-controls]'), function (form) {
            var table = document.getElementById(form.getAttribute('aria-controls')), body = table.tBodies[0];
            var controls = form.querySelectorAll('[data-filter]'), count = form.querySelector('output');
            function filter() {
              var shown = 0;
              Array.prototype.forEach.call(body.rows, function (row) {
                var ok = Array.prototype.every.call(controls, function (c) {
                  var want = c.value.trim(), have = row.getAttribute('data-' + c.dataset.filter) || '';
                  if (!want) return true;
                  return c.dataset.match === 'contains' ? have.toUpperCase().indexOf(want.toUpperCase()) >= 0 : have === want;
                });
                row.hidden = !ok;
                if (ok) shown++;
              });
              count.textContent = shown + ' of ' + body.rows.length + ' ' + count.dataset.noun + ' shown';
            }
            Array.prototype.forEach.call(controls, function (c) {
              c.addEventListener('change', filter);
              c.addEventListener('input', filter);
            });
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
          });
        })();
        """#
}

/// Markup helpers shared by the reports.
enum HTML {
    /// Text made safe for element content and double-quoted attribute values.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
