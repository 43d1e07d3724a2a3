"""report.html of a backtest run through the real stack, opened in headless Chromium: the three plots
(drawn by our chart engine) load and are real PNGs of their stated size, the trade table has one row per
line of trades.csv, filtering to BUY/HIGH leaves exactly the BUY+HIGH rows, sorting by a column sorts,
every figure shown equals metrics.json's or calibration.json's, the markup is accessible and needs no
network, and a second run of the same backtest writes the same report bytes."""
import csv
import html
import io
import json
import re
import shutil
import struct
import subprocess

import pytest

from backtest_stack import BacktestStack

# With the in-sample / out-of-sample split, so its table is checked against metrics.json too.
ARGS = ["--from", "2016-03-01", "--to", "2016-05-31", "--every", "5", "--oos-from", "2016-04-15"]
PLOTS = {"equity.png": (1000, 460), "drawdown.png": (1000, 360), "calibration.png": (640, 560)}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Injected before </body> by the test (the report itself carries no test code): once the page and its images have
# loaded, it reads the images, the trade rows, filters to BUY/HIGH through the page's own controls, sorts by P&L by
# clicking its heading, collects every figure, and writes all of it as JSON into the DOM for --dump-dom.
PROBE = r"""<script>
window.addEventListener('load', function () {
  function visible() {
    return Array.prototype.filter.call(document.querySelectorAll('#trades tbody tr'), function (r) { return !r.hidden; })
      .map(function (r) { return Array.prototype.map.call(r.cells, function (c) { return c.textContent; }); });
  }
  function change(id, value) {
    var s = document.getElementById(id); s.value = value; s.dispatchEvent(new Event('change'));
  }
  var out = {lang: document.documentElement.lang, images: [], figures: []};
  document.querySelectorAll('img').forEach(function (img) {
    out.images.push({src: img.getAttribute('src'), alt: img.alt, naturalWidth: img.naturalWidth,
                     naturalHeight: img.naturalHeight, width: img.getAttribute('width'), height: img.getAttribute('height')});
  });
  out.headsWithoutScope = document.querySelectorAll('th:not([scope])').length;
  out.allRows = visible();
  change('filter-action', 'BUY'); change('filter-confidence', 'HIGH');
  out.buyHigh = visible();
  out.countText = document.getElementById('trade-count').textContent;
  change('filter-action', ''); change('filter-confidence', '');
  out.afterReset = visible().length;
  var heads = document.querySelectorAll('#trades thead th');
  var pnl = Array.prototype.findIndex.call(heads, function (th) { return th.textContent === 'P&L'; });
  function pnlColumn() {
    return Array.prototype.map.call(document.querySelectorAll('#trades tbody tr'), function (r) {
      return Number(r.cells[pnl].getAttribute('data-sort'));
    });
  }
  heads[pnl].querySelector('button').click();
  out.sortedUp = pnlColumn(); out.ariaUp = heads[pnl].getAttribute('aria-sort');
  heads[pnl].querySelector('button').click();
  out.sortedDown = pnlColumn(); out.ariaDown = heads[pnl].getAttribute('aria-sort');
  document.querySelectorAll('[data-path]').forEach(function (el) {
    out.figures.push({path: el.dataset.path, format: el.dataset.format, value: el.dataset.value, text: el.textContent});
  });
  var pre = document.createElement('pre'); pre.id = 'probe-result'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def lookup(files, path):
    """The value at `file:key.key…`; None for a key the file leaves out (the JSON omits nil values)."""
    name, keys = path.split(":", 1)
    v = files[name]
    for k in keys.split("."):
        v = v[int(k)] if isinstance(v, list) else v.get(k)
    return v


def shown(value, fmt):
    if value is None:
        return "–"
    return {"percent": f"{value * 100:.2f}%", "number": f"{value:.2f}", "money": f"{value:.2f}", "precise": f"{value:.4f}",
            "count": f"{value:.0f}"}[fmt]


def probe(out, tmp_path):
    page = (out / "report.html").read_text()
    (out / "report_probe.html").write_text(page.replace("</body>", PROBE + "</body>"))
    p = subprocess.run([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'chromium'}",
                        "--virtual-time-budget=5000", "--dump-dom", (out / "report_probe.html").as_uri()],
                       capture_output=True, timeout=120)
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', p.stdout.decode())
    assert m, f"no probe result; chromium exit {p.returncode}: {p.stderr.decode()[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


@pytest.fixture
def backtest(procs, tmp_path):
    stack = BacktestStack(procs, tmp_path)
    out = tmp_path / "out"
    stdout = stack.run(out, *ARGS)
    yield stack, out, stdout
    stack.close()


def test_report_in_chromium(backtest, tmp_path):
    stack, out, stdout = backtest
    assert "report.html" in stdout.strip().splitlines()[-1]
    page = (out / "report.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "no network resource: works offline"

    for name, size in PLOTS.items():
        assert png_size((out / "plots" / name).read_bytes()) == size, name

    r = probe(out, tmp_path)
    assert r["lang"] == "en"
    assert r["headsWithoutScope"] == 0
    images = {i["src"]: i for i in r["images"]}
    assert sorted(images) == sorted(f"plots/{n}" for n in PLOTS)
    for name, (w, h) in PLOTS.items():
        img = images[f"plots/{name}"]
        assert img["naturalWidth"] == w and img["naturalHeight"] == h, img
        assert (img["width"], img["height"]) == (str(w), str(h)) and len(img["alt"]) > 20, img

    trades = list(csv.DictReader(io.StringIO((out / "trades.csv").read_text())))
    assert trades, "the rules analyst gives signals with levels over three months"
    assert [row[:3] for row in r["allRows"]] == [[t["as_of"], t["symbol"], t["action"]] for t in trades], "one row per trades.csv line, same order"
    want = [[t["as_of"], t["symbol"]] for t in trades if t["action"] == "BUY" and t["confidence"] == "HIGH"]
    assert want, "the window has BUY+HIGH signals (else the filter check proves nothing)"
    assert len(want) < len(trades)
    assert [row[:2] for row in r["buyHigh"]] == want
    assert all(row[2] == "BUY" and row[3].startswith("HIGH ") for row in r["buyHigh"])
    assert r["countText"] == f"{len(want)} of {len(trades)} trades shown"
    assert r["afterReset"] == len(trades)
    pnl = [float(t["pnl"]) for t in trades]
    assert r["sortedUp"] == sorted(pnl) and r["ariaUp"] == "ascending"
    assert r["sortedDown"] == sorted(pnl, reverse=True) and r["ariaDown"] == "descending"

    files = {"metrics": json.loads((out / "metrics.json").read_text()), "calibration": json.loads((out / "calibration.json").read_text())}
    paths = {f["path"] for f in r["figures"]}
    for required in ("metrics:total_return", "metrics:cagr", "metrics:max_drawdown", "metrics:sharpe", "metrics:sortino",
                     "metrics:exposure", "metrics:turnover", "metrics:ending_equity", "metrics:benchmarks.buy_and_hold.total_return",
                     "metrics:benchmarks.SPY.max_drawdown", "metrics:overall.hit_rate", "metrics:by_action.BUY.total_pnl",
                     "metrics:by_confidence.HIGH.signals", "calibration:brier", "calibration:by_confidence.LOW.count"):
        assert required in paths, required
    for f in r["figures"]:
        expected = lookup(files, f["path"])
        if expected is None:
            assert f["value"] == "", f
        else:
            assert float(f["value"]) == pytest.approx(expected, abs=1e-9), f
        assert f["text"] == shown(expected, f["format"]), f

    # The same backtest again on the same folder (every day is done: it only scores and writes): the same bytes.
    before = {n: (out / n).read_bytes() for n in ["report.html"] + [f"plots/{p}" for p in PLOTS]}
    stack.run(out, *ARGS)
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name
