/// The console's stylesheet, in its own file so the static run report can use the same look.
/// Plain CSS, no external fonts or assets: the page works offline. Colours meet WCAG AA contrast
/// on their backgrounds; state is never shown by colour alone (a word goes with it).
public enum ConsoleStylesheet {
    public static let css = """
        :root { --bg: #f7f7f5; --panel: #ffffff; --ink: #1b1f24; --muted: #555d66; --line: #d5d9de;
                --good: #1a6b2f; --bad: #a4161a; --warn: #8a5300; --accent: #0b5cad; }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               background: var(--bg); color: var(--ink); }
        header.top { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between;
                     padding: .6rem 1rem; background: #1b1f24; color: #fff; }
        header.top h1 { font-size: 1.15rem; margin: 0; }
        header.top .conn { font-size: .85rem; }
        main { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); gap: 1rem; padding: 1rem; max-width: 1600px; margin: 0 auto; }
        section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; min-width: 0; }
        section.wide { grid-column: 1 / -1; }
        section.panel h2 { font-size: 1rem; margin: 0 0 .5rem; }
        section.panel { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: .9rem; }
        th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { color: var(--muted); font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .empty { color: var(--muted); font-style: italic; }
        .stale, .bad, .HALTED, .SELL { color: var(--bad); font-weight: 600; }
        .ok, .ACTIVE, .BUY { color: var(--good); font-weight: 600; }
        .warn, .REDUCING, .HOLD { color: var(--warn); font-weight: 600; }
        .state-big { font-size: 1.4rem; font-weight: 700; }
        button { font: inherit; padding: .4rem .9rem; border-radius: 4px; border: 1px solid var(--ink); background: #fff; color: var(--ink); cursor: pointer; }
        button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
        button:disabled { opacity: .5; cursor: not-allowed; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0; }
        label { display: block; font-weight: 600; margin-bottom: .25rem; }
        input[type=password], input[type=text] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--muted); border-radius: 4px; width: 100%; max-width: 22rem; }
        form.login { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
        .symbols { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(520px, 100%), 1fr)); gap: 1rem; }
        article.symbol { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; background: #fff; }
        article.symbol h3 { margin: 0 0 .3rem; font-size: 1.05rem; }
        article.symbol .charts { display: grid; grid-template-columns: 1fr 1fr; gap: .4rem; }
        article.symbol img { width: 100%; height: auto; border: 1px solid var(--line); background: #fafafa; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem .8rem; margin: .4rem 0; font-size: .9rem; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        progress { width: 100%; height: 1rem; }
        .status-line { min-height: 1.4em; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        a { color: var(--accent); }
        """
}
