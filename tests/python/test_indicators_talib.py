"""Our indicators equal TA-Lib's (PyPI ta-lib) to 1e-9 on real data and synthetic series,
including where the first defined value sits. Swift's output comes from `chart-worker indicators`."""
import csv
import json
import math
import subprocess

import numpy as np
import pytest
import talib

from conftest import ROOT, binary

FIXTURES = ROOT / "Tests" / "CandlewickCoreTests" / "Fixtures" / "ohlcv"
REAL = ["SPY.csv", "AAPL.csv", "INTC.csv", "MSFT.csv", "SPY_D.csv"]


def swift_indicators(path, weekly=False):
    args = [binary("chart-worker"), "indicators", "--csv", str(path)] + (["--weekly"] if weekly else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def read_csv(path, skip_lines=()):
    """Independent reader: (dates, open, high, low, close) skipping the given 1-based line numbers."""
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = [h.strip().lower() for h in rows[0]]
    col = {n: header.index(n) for n in ("date", "open", "high", "low", "close")}
    out = {k: [] for k in col}
    for line_no, row in enumerate(rows[1:], start=2):
        if line_no in skip_lines or not row:
            continue
        for k, i in col.items():
            out[k].append(row[i] if k == "date" else float(row[i]))
    return out


def talib_series(o):
    close, high, low = (np.array(o[k], dtype=float) for k in ("close", "high", "low"))
    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2, 2, 0)
    return {
        "sma_20": talib.SMA(close, 20), "sma_50": talib.SMA(close, 50), "sma_200": talib.SMA(close, 200),
        "rsi_14": talib.RSI(close, 14), "macd": macd, "macd_signal": signal, "macd_histogram": hist,
        "bb_upper": upper, "bb_middle": middle, "bb_lower": lower, "atr_14": talib.ATR(high, low, close, 14),
    }


def compare(ours, expected, label):
    assert len(ours) == len(expected), f"{label}: length {len(ours)} vs {len(expected)}"
    for i, (a, e) in enumerate(zip(ours, expected)):
        if math.isnan(e):
            assert a is None, f"{label}[{i}]: TA-Lib undefined, ours {a}"
        else:
            assert a is not None, f"{label}[{i}]: ours undefined, TA-Lib {e}"
            assert abs(a - e) <= 1e-9 * max(1.0, abs(e)), f"{label}[{i}]: {a} vs {e}"


@pytest.mark.parametrize("name", REAL)
def test_real_data_matches_talib(name):
    path = FIXTURES / name
    ours = swift_indicators(path)
    o = read_csv(path, skip_lines=set(ours["rejected_rows"]))
    assert len(ours["close"]) == len(o["close"])
    for line in ours["rejected_rows"]:  # rows Swift refused really break an OHLC rule
        with open(path, encoding="utf-8-sig") as f:
            row = list(csv.reader(f))[line - 1]
        hdr = [h.strip().lower() for h in list(csv.reader(open(path, encoding="utf-8-sig")))[0]]
        op, hi, lo, cl = (float(row[hdr.index(k)]) for k in ("open", "high", "low", "close"))
        assert hi < max(op, cl) or lo > min(op, cl) or hi < lo
    for key, expected in talib_series(o).items():
        compare(ours[key], expected, f"{name}:{key}")


def synthetic_series():
    rng = np.random.default_rng(7)
    walk = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 600)))
    yield "random_walk", walk
    yield "flat", np.full(300, 42.0)
    yield "tiny", walk * 1e-6
    yield "huge", walk * 1e6
    yield "short_30", walk[:30]
    yield "short_34", walk[:34]
    yield "single", walk[:1]
    yield "steps", np.repeat([10.0, 11.0, 10.5, 12.0], 40)


@pytest.mark.parametrize("label,close", list(synthetic_series()), ids=[s[0] for s in synthetic_series()])
def test_synthetic_series_match_talib(tmp_path, label, close):
    rng = np.random.default_rng(11)
    spread = np.abs(rng.normal(0, 0.01, len(close))) * close
    opens = np.roll(close, 1)
    opens[0] = close[0]
    high = np.maximum(opens, close) + spread
    low = np.minimum(opens, close) - spread * 0.5
    low = np.where(low <= 0, np.minimum(opens, close), low)
    path = tmp_path / f"{label}.csv"
    with open(path, "w") as f:
        f.write("Date,Open,High,Low,Close,Volume\n")
        day = np.datetime64("2000-01-03")
        for i in range(len(close)):
            f.write(f"{day + i},{float(opens[i])!r},{float(high[i])!r},{float(low[i])!r},{float(close[i])!r},1000\n")
    ours = swift_indicators(path)
    assert ours["rejected_rows"] == []
    o = {"close": list(close), "high": list(high), "low": list(low)}
    for key, expected in talib_series(o).items():
        compare(ours[key], expected, f"{label}:{key}")


def test_weekly_resample_matches_independent_aggregation():
    path = FIXTURES / "AAPL.csv"
    ours = swift_indicators(path, weekly=True)
    o = read_csv(path)
    weeks = {}
    for d, c in zip(o["date"], o["close"]):
        y, w, _ = np.datetime64(d).astype(object).isocalendar()
        weeks.setdefault((y, w), []).append((d, c))
    expected_dates = [v[-1][0] for v in weeks.values()]
    expected_close = [v[-1][1] for v in weeks.values()]
    assert ours["timestamps"] == expected_dates
    assert ours["close"] == pytest.approx(expected_close, abs=1e-12)
    compare(ours["sma_20"], talib.SMA(np.array(expected_close), 20), "weekly:sma_20")
