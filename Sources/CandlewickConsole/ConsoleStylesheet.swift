/// The one stylesheet of Candlewick's pages: the console serves it at `/console.css`, and the static reports (run and
/// backtest) inline it, so both have one look. Shared rules first, then the console's (`body.console`) and the
/// reports' (`body.report`). Plain CSS, no external fonts or assets: the pages work offline. Colours meet WCAG AA
/// contrast on their backgrounds; state is never shown by colour alone (a word goes with it). A constant: a report
/// that inlines it stays byte-for-byte the same for the same run.
public enum ConsoleStylesheet {
    public static let css = """
        :root { --bg: #f7f7f5; --panel: #ffffff; --ink: #1b1f24; --muted: #555d66; --line: #d5d9de; --head: #eef1f4;
                --good: #1a6b2f; --bad: #a4161a; --warn: #8a5300; --accent: #0b5cad; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               background: var(--bg); color: var(--ink); }
        h1 { font-size: 1.3rem; }
        h2 { font-size: 1.1rem; }
        table { border-collapse: collapse; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; }
        td.num, th.num, td[data-path] { text-align: right; font-variant-numeric: tabular-nums; }
        .empty { color: var(--muted); font-style: italic; }
        .note { color: var(--muted); font-size: .85rem; }
        .stale, .bad, .HALTED, .SELL, .sell, .refused, .denied, .rejected, .unknown, .loss { color: var(--bad); }
        .stale, .bad, .HALTED, .SELL, .sell { font-weight: 600; }
        .ok, .ACTIVE, .BUY, .buy, .win { color: var(--good); }
        .ok, .ACTIVE, .BUY, .buy { font-weight: 600; }
        .warn, .REDUCING, .HOLD, .hold { color: var(--warn); font-weight: 600; }
        button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--ink); background: #fff; color: var(--ink); cursor: pointer; }
        button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
        button:disabled { opacity: .5; cursor: not-allowed; }
        img { max-width: 100%; height: auto; border: 1px solid var(--line); background: #fafafa; }
        a { color: var(--accent); }
        code { font-size: .95em; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

        body.console header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between;
                     padding: .6rem 1rem; background: var(--ink); color: #fff; }
        body.console header.top h1 { font-size: 1.15rem; margin: 0; }
        body.console header.top .conn { font-size: .85rem; }
        main.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 1rem; padding: 1rem; max-width: 1600px; margin: 0 auto; }
        section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; min-width: 0; overflow-x: auto; }
        section.wide { grid-column: 1 / -1; }
        section.panel h2 { font-size: 1rem; margin: 0 0 .5rem; }
        section.panel table { width: 100%; }
        .state-big { font-size: 1.4rem; font-weight: 700; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
        body.console label { display: block; font-weight: 600; margin-bottom: .25rem; }
        input[type=password], input[type=text] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--muted); border-radius: 4px; width: 100%; max-width: 22rem; }
        form.login { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
        dialog.confirm { max-width: 32rem; border: 2px solid var(--bad); border-radius: 6px; padding: 1rem 1.2rem; color: var(--ink); }
        dialog.confirm::backdrop { background: rgb(0 0 0 / 45%); }
        dialog.confirm h2 { margin: 0 0 .5rem; font-size: 1.1rem; color: var(--bad); }
        .cleanup { border-left: 4px solid var(--warn); padding: .2rem .8rem; margin: .5rem 0; }
        .cleanup h3 { font-size: .95rem; margin: .2rem 0; }
        .cleanup ul { margin: .2rem 0 .4rem; padding-left: 1.2rem; }
        .symbols { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(520px, 100%), 1fr)); gap: 1rem; }
        article.symbol { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; background: var(--panel); }
        article.symbol h3 { margin: 0 0 .3rem; font-size: 1.05rem; }
        article.symbol .charts { display: grid; grid-template-columns: 1fr 1fr; gap: .4rem; }
        article.symbol img { width: 100%; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0; font-size: .9rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        progress { width: 100%; height: 1rem; }
        .status-line { min-height: 1.4em; }

        body.report { max-width: 1600px; margin: 0 auto; padding: 1.5rem; }
        body.report > header, body.report section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
                     padding: .75rem 1rem; margin-bottom: 1rem; }
        body.report table { margin: .5rem 0 1rem; }
        body.report thead th { background: var(--head); }
        table.sortable td { white-space: nowrap; }
        table.sortable td.detail { white-space: normal; min-width: 12em; }
        .table-scroll { overflow-x: auto; }
        thead button { font: inherit; font-weight: 600; color: inherit; border: 0; background: none; padding: 0; }
        th[aria-sort=ascending] button::after { content: " \\25B2"; }
        th[aria-sort=descending] button::after { content: " \\25BC"; }
        .filters { margin: .5rem 0; }
        .filters select, .filters input { font: inherit; margin-right: 1rem; }
        .counts { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0 2rem; }
        figure { margin: .75rem 0; }
        td.thumbs { white-space: nowrap; }
        td.thumbs img { margin-right: 4px; }
        body.report section.symbol { border-width: 1px 0 0; border-radius: 0; margin: 1rem 0 0; padding: .5rem 0 0; }
        section.symbol .charts img { margin-right: .5rem; }
        """
}
