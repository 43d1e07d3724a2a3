"""report.html of a 500-symbol `candlewick run` through the whole stack (ib-paper → gateway-bridge → chart-worker →
llm-worker's rules analyst → order-router → brackets at ib-paper → a day later the fills; scripts/benchlib's stack and
run, as the 500-symbol bench and test_pipeline_500.py run them, with a limit on open positions so some are denied), opened in headless Chromium: the page loads within the virtual-time budget,
its chart images are lazy (stated size, loading="lazy", only those near the viewport fetched, each linking to its full
PNG), the table filters to BUY/HIGH leaving exactly those symbols, filtering to `denied` shows each denied symbol's
reason code and detail exactly as order-router decided it (orders.json), the symbol search and the sort work, the counts
match summary.json, summary.json's per-symbol `router` object matches orders.json, and the markup is accessible."""
import html
import json
import re
import shutil
import struct
import subprocess
import sys
import time
from collections import Counter

import pytest

from conftest import ROOT, binary

sys.path.insert(0, str(ROOT / "scripts" / "benchlib"))
import run as bench  # noqa: E402
from common import BASES, free_port, start_stack, stop  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIRTUAL_BUDGET_MS = 5000

# Injected before </body> by the test (the report itself carries no test code). A second after the load event (virtual
# time), it reads the images, the rows, drives the page's own filter controls, clicks a heading to sort, and writes all
# of it as JSON into the DOM for --dump-dom.
PROBE = r"""<script>
window.addEventListener('load', function () { setTimeout(function () {
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll('#symbols tbody tr'), function (r) { return !r.hidden; })
      .map(function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.textContent; }); });
  }
  function set(id, value, kind) {
    var el = document.getElementById(id); el.value = value; el.dispatchEvent(new Event(kind || 'change'));
  }
  function reset() { set('filter-action', ''); set('filter-confidence', ''); set('filter-router', ''); set('filter-symbol', '', 'input'); }
  var nav = performance.getEntriesByType('navigation')[0];
  var out = {lang: document.documentElement.lang, loadEventMs: nav ? nav.loadEventStart : null, images: []};
  document.querySelectorAll('img').forEach(function (img) {
    var link = img.closest('a');
    out.images.push({src: img.getAttribute('src'), loading: img.getAttribute('loading'), width: img.getAttribute('width'),
                     height: img.getAttribute('height'), alt: img.alt, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
                     link: link ? link.getAttribute('href') : null, inTable: !!img.closest('#symbols')});
  });
  out.headsWithoutScope = document.querySelectorAll('th:not([scope])').length;
  out.unlabelled = Array.prototype.filter.call(document.querySelectorAll('select, input'), function (c) {
    return !document.querySelector('label[for="' + c.id + '"]');
  }).map(function (c) { return c.id || c.outerHTML; });
  out.columns = Array.prototype.map.call(document.querySelectorAll('#symbols thead th'), function (th) { return th.textContent; });
  out.counts = {};
  ['by-action', 'by-confidence', 'by-router'].forEach(function (id) {
    out.counts[id] = {};
    document.querySelectorAll('#' + id + ' tr').forEach(function (tr) { out.counts[id][tr.cells[0].textContent] = Number(tr.cells[1].textContent); });
  });
  out.all = visible();
  set('filter-action', 'BUY'); set('filter-confidence', 'HIGH');
  out.buyHigh = visible(); out.buyHighCount = document.getElementById('symbol-count').textContent;
  reset();
  set('filter-router', 'denied');
  out.denied = visible();
  reset();
  set('filter-symbol', 'msft00', 'input');
  out.search = visible();
  reset();
  out.afterReset = visible().length;
  var heads = document.querySelectorAll('#symbols thead th');
  var conf = out.columns.indexOf('confidence');
  heads[conf].querySelector('button').click();
  out.sortedConfidence = Array.prototype.map.call(document.querySelectorAll('#symbols tbody tr'), function (r) {
    return Number(r.cells[conf].getAttribute('data-sort'));
  });
  out.ariaSort = heads[conf].getAttribute('aria-sort');
  var pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 1000); });
</script>"""


def png_size(path):
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">II", data[16:24])


MAX_OPEN_POSITIONS = 40


def shifted_universe(folder, symbols):
    """A data folder for `ib-paper --data` in which `<BASE><NNN>.csv` is the bundled BASE series moved 8×NNN trading
    days later on its own calendar (row j keeps its prices and takes row j+8×NNN's date): on ib-paper's as-of day each
    name shows the market as its base stood up to four years earlier (2015's and 2016's falls included), so the rules analyst gives the 500 names a mix of
    actions and confidences (the bench's plain links give 4 distinct signals)."""
    folder.mkdir()
    series = {}
    for s in symbols:
        base = next(b for b in BASES if s.startswith(b) and s[len(b):].isdigit())
        if base not in series:
            lines = (ROOT / "deploy" / "data" / "daily" / f"{base}.csv").read_text().splitlines()
            series[base] = (lines[0], lines[1:])
        header, rows = series[base]
        shift = 8 * int(s[len(base):])
        dates = [r.split(",", 1)[0] for r in rows]
        as_of = next(i for i, d in enumerate(dates) if d in ("2017-10-04", "10/4/2017"))  # the files spell dates two ways
        # Dates from 1,050 trading days before the as-of day (enough for the run's 1000 bars) to 20 after it (the fills).
        moved = [dates[k] + "," + rows[k - shift].split(",", 1)[1] for k in range(as_of - 1050, as_of + 21)]
        (folder / f"{s}.csv").write_text("\n".join([header] + moved) + "\n")
    return folder


@pytest.fixture(scope="module")
def run500(tmp_path_factory):
    """One cold 500-symbol run with orders: the bench's stack and run (scripts/benchlib/run.py), except that the names
    are shifted copies of the bundled series (`shifted_universe`), order-router
    allows only MAX_OPEN_POSITIONS open positions (the rest of the actionable signals are denied `max_open_positions`)
    and entries are market orders that fill when ib-paper's clock advances a day after the orders. The stack is stopped before the checks."""
    work = tmp_path_factory.mktemp("run500")
    data = shifted_universe(work / "data", bench.SYMBOLS)
    port, admin_port = free_port(), free_port()
    token = work / "paper-admin.token"
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_BUS_DIRECTORY": str(work / "bus"),
           "CANDLEWICK_ROUTER_JOURNAL": str(work / "intents.jsonl"), "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run",
           "CANDLEWICK_RISK_MAX_OPEN_POSITIONS": str(MAX_OPEN_POSITIONS), "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "1000000000",
           "CANDLEWICK_RISK_MAX_ORDERS_PER_MINUTE": "100000", "CANDLEWICK_RISK_MAX_POSITION_NOTIONAL": "1000000",
           "CANDLEWICK_IB_PAPER_ADMIN": f"127.0.0.1:{admin_port}", "CANDLEWICK_IB_PAPER_ADMIN_TOKEN_FILE": str(token),
           "CANDLEWICK_RUN_PAPER_ADVANCE_DAYS": "1", "CANDLEWICK_RISK_ENTRY_TYPE": "MARKET",
           "CANDLEWICK_RISK_MARKET_ORDERS_WHEN_CLOSED": "true", "CANDLEWICK_RISK_TIF": "GTC", "CANDLEWICK_BENCH_PAPER_ADMIN": f"{admin_port} {token}"}
    (work / "bus").mkdir()
    procs = start_stack(work, env, port, ["--as-of", "2017-10-04", "--data", str(data), "--max-historical-per-10min", "0",
                                          "--admin-port", str(admin_port), "--admin-token-file", str(token)], 1)
    try:
        bench.run_once(env, work, "cold", procs)
    finally:
        stop(procs)
    return work, work / "cold"


def probe(folder, work):
    (folder / "report_probe.html").write_text((folder / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    started = time.monotonic()
    # Headless Chromium turns lazy image loading off (it fetches every image at once); lazyLoadEnabled=true turns it
    # back on, as in a person's browser, so the test sees which images the page defers.
    p = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={work / 'chromium'}",
                        "--window-size=1280,900", "--blink-settings=lazyLoadEnabled=true", f"--virtual-time-budget={VIRTUAL_BUDGET_MS}", "--dump-dom",
                        (folder / "report_probe.html").as_uri()], capture_output=True, timeout=120)
    print(f"chromium: {time.monotonic() - started:.1f} s wall for the 500-symbol report (virtual-time budget {VIRTUAL_BUDGET_MS} ms)")
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', p.stdout.decode())
    assert m, f"no probe result within the virtual-time budget; chromium exit {p.returncode}: {p.stderr.decode()[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def test_500_symbol_report_in_chromium(run500):
    work, folder = run500
    summary = json.loads((folder / "summary.json").read_text())
    decisions = {d["symbol"]: d for d in json.loads((folder / "orders.json").read_text())}
    symbols = summary["symbols"]
    assert len(symbols) == 500
    page = (folder / "report.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "no network resource: works offline"
    print(f"report.html: {len(page.encode()) / 1e6:.2f} MB for {len(symbols)} symbols")

    r = probe(folder, work)
    assert r["loadEventMs"] is not None and r["loadEventMs"] < VIRTUAL_BUDGET_MS, r["loadEventMs"]
    assert r["lang"] == "en" and r["headsWithoutScope"] == 0 and r["unlabelled"] == [], (r["lang"], r["headsWithoutScope"], r["unlabelled"])
    col = {name: i for i, name in enumerate(r["columns"])}

    # Lazy images: every chart image states its size, is lazy, links to its full PNG; only those near the viewport load.
    images = r["images"]
    assert len(images) == 4 * len(symbols), "daily and weekly thumbnails in the table, and both charts in each symbol's section"
    loaded = [i for i in images if i["naturalWidth"] > 0]
    for i in images:
        assert i["loading"] == "lazy" and int(i["width"]) > 0 and int(i["height"]) > 0 and i["link"] == i["src"], i
    assert all(i["inTable"] and int(i["width"]) == 120 for i in images[:2 * len(symbols)])
    assert loaded, "the images at the top of the table load"
    assert len(loaded) < len(images) // 4, f"{len(loaded)} of {len(images)} images loaded: not lazy"
    assert images[0]["naturalWidth"] > 0, "the first row's daily thumbnail is near the viewport and loads"
    assert images[-1]["naturalWidth"] == 0, "the last symbol's weekly chart is far below the viewport"
    for i in loaded:
        w, h = png_size(folder / i["src"])
        assert (i["naturalWidth"], i["naturalHeight"]) == (w, h), i
        assert abs(int(i["height"]) - int(i["width"]) * h / w) <= 1, f"stated size keeps the PNG's aspect ratio: {i}"

    # One row per symbol, in summary.json's order; the router column is order-router's outcome or `not sent`.
    assert [row[col["symbol"]] for row in r["all"]] == [s["symbol"] for s in symbols]
    for row, s in zip(r["all"], symbols):
        assert row[col["order-router"]] == (decisions[s["symbol"]]["outcome"] if s["symbol"] in decisions else "not sent"), (row, s)
        assert row[col["action"]] == s["action"] and row[col["confidence"]].startswith(s["confidence"] + " ")

    want = [s["symbol"] for s in symbols if s["action"] == "BUY" and s["confidence"] == "HIGH"]
    assert want and len(want) < len(symbols), "the run has BUY+HIGH and other signals (else the filter check proves nothing)"
    assert [row[col["symbol"]] for row in r["buyHigh"]] == want
    assert any((s["action"] == "BUY") != (s["confidence"] == "HIGH") for s in symbols), "BUY without HIGH or HIGH without BUY: both filters count"
    assert r["buyHighCount"] == f"{len(want)} of {len(symbols)} symbols shown"

    denied = {sym: d for sym, d in decisions.items() if d["outcome"] == "denied"}
    assert denied, f"the run has denied signals (SELLs with no position, BUYs over {MAX_OPEN_POSITIONS} open positions)"
    assert any(row[col["action"]] == "SELL" for row in r["denied"]), "a SELL with no position, denied short_not_allowed"
    shown = {row[col["symbol"]]: (row[col["reason"]], row[col["detail"]]) for row in r["denied"]}
    assert shown == {sym: (d["note"]["code"], d["note"]["detail"]) for sym, d in denied.items()}
    for row in r["denied"]:
        assert row[col["filled"]] == "" and row[col["order-router"]] == "denied"
        if row[col["action"]] == "SELL":  # the analyst's signal is actionable, the router denied it: the page shows both
            assert (row[col["analysis"]], row[col["reason"]]) == ("actionable", "short_not_allowed"), row

    assert [row[col["symbol"]] for row in r["search"]] == [s["symbol"] for s in symbols if "MSFT00" in s["symbol"]]
    assert r["afterReset"] == len(symbols)
    scores = [s["confidence_score"] for s in symbols]
    assert r["sortedConfidence"] == sorted(float(f"{x:.1f}") for x in scores) and r["ariaSort"] == "ascending"

    trades = {t["symbol"]: t for t in json.loads((folder / "trades.json").read_text())}
    # The counts on the page and in summary.json, from the symbols themselves.
    outcomes = Counter(decisions[s["symbol"]]["outcome"] if s["symbol"] in decisions else "not sent" for s in symbols)
    assert r["counts"]["by-action"] == {a: sum(s["action"] == a for s in symbols) for a in ("BUY", "SELL", "HOLD")}
    assert r["counts"]["by-confidence"] == {c: sum(s["confidence"] == c for s in symbols) for c in ("HIGH", "MEDIUM", "LOW")}
    assert r["counts"]["by-router"] == {k: outcomes.get(k, 0) for k in r["counts"]["by-router"]} and sum(r["counts"]["by-router"].values()) == 500
    t = summary["totals"]
    assert (t["by_action"], t["by_confidence"], t["by_router_outcome"]) == (r["counts"]["by-action"], r["counts"]["by-confidence"], r["counts"]["by-router"])

    # The filled column is the broker's fill of the entry (trades.json), where there is one.
    by_symbol = {row[col["symbol"]]: row for row in r["all"]}
    filled_rows = {sym: row[col["filled"]] for sym, row in by_symbol.items() if row[col["filled"]]}
    print(f"{len(decisions)} decisions {dict(Counter(d['outcome'] for d in decisions.values()))}, {len(filled_rows)} filled")
    assert sorted(filled_rows) == sorted(sym for sym, d in decisions.items() if d["outcome"] == "placed"), "every placed market entry filled"
    for sym, text in filled_rows.items():
        quantity, price = text.split(" @ ")
        assert float(quantity.split(" of ")[0]) == float(trades[sym]["total_quantity"]) and float(price) == float(trades[sym]["average_price"])

    # summary.json's router object is order-router's decision (and the broker's fill).
    for s in symbols:
        d, router = decisions.get(s["symbol"]), s["router"]
        if d is None:
            assert router is None, s
            continue
        assert (router["outcome"], router["intent_id"]) == (d["outcome"], d["intent_id"])
        assert (router["code"], router["detail"]) == ((d["note"]["code"], d["note"]["detail"]) if d.get("note") else (None, None))
        trade = trades.get(s["symbol"])
        if trade and d["outcome"] in ("placed", "duplicate"):
            assert float(router["filled_quantity"]) == float(trade["total_quantity"]), (router, trade)
            assert float(router["fill_price"]) == float(trade["average_price"]), (router, trade)
        else:
            assert router["filled_quantity"] is None and router["fill_price"] is None, router


def test_report_written_again_from_the_run_files_is_the_same_bytes(run500, tmp_path):
    """`candlewick report RUN_FOLDER`, a new process (new hash seed), reads the run's files back and writes report.html
    byte for byte as the run wrote it: nothing in the page depends on the wall clock, hashing or the process. A folder
    that is not a run is refused naming the file."""
    _, folder = run500
    written = (folder / "report.html").read_bytes()
    (folder / "report.html").unlink()
    p = subprocess.run([binary("candlewick"), "report", str(folder)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (folder / "report.html").read_bytes() == written

    p = subprocess.run([binary("candlewick"), "report", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "summary.json: missing or unreadable" in p.stderr, p.stderr
    (tmp_path / "summary.json").write_text('{"run_id": "r", "symbols": [{"symbol": "AAPL"}], "totals": {}}')
    p = subprocess.run([binary("candlewick"), "report", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "signals/AAPL/analysis.json: missing or unreadable" in p.stderr, p.stderr
