/// The look of the static reports (backtest and run), in one place so it can be swapped for the console's:
/// every report page inlines `ReportStyle.css` and nothing else.
enum ReportStyle {
    static let css = """
        body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#1f2430;max-width:1600px}
        table{border-collapse:collapse;margin:8px 0 16px}caption{text-align:left;font-weight:bold;padding:4px 0}
        td,th{padding:3px 10px;border-bottom:1px solid #e6e9ef;text-align:left;vertical-align:top}td[data-path],td.num{text-align:right}
        table.sortable{font-size:14px}table.sortable td{white-space:nowrap}table.sortable td.detail{white-space:normal;min-width:12em}.table-scroll{overflow-x:auto}thead th{background:#f4f6f9}
        thead button{font:inherit;font-weight:bold;border:0;background:none;cursor:pointer;padding:0}
        th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
        .buy{color:#1a9e5a;font-weight:bold}.sell{color:#d8353b;font-weight:bold}.hold{color:#5a6272}
        .win{color:#1a9e5a}.loss{color:#d8353b}.refused,.denied,.rejected,.unknown{color:#d8353b}
        figure{margin:12px 0}img{max-width:100%;height:auto;border:1px solid #e6e9ef}.note{color:#5a6272;font-size:13px}
        .filters{margin:8px 0}.filters select,.filters input{margin-right:16px}
        .counts{display:flex;flex-wrap:wrap;align-items:flex-start;gap:0 32px}.counts table{font-size:14px}
        td.thumbs{white-space:nowrap}td.thumbs img{margin-right:4px}
        section.symbol{border-top:1px solid #e6e9ef;margin-top:16px}section.symbol .charts img{margin-right:8px}
        """
}
