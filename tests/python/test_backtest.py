"""`candlewick backtest` through the production processes (ib-paper over the TWS API, gateway-bridge,
chart-worker, llm-worker with the rules analyst, order-router's risk gate on ib-paper's clock):
results byte-identical on a second run, no look-ahead (every bar after D altered: nothing up to D
changes, for three D), and a kill -9 mid-backtest resumes with no order twice at ib-paper."""
import csv
import io
import json
import pathlib
import signal
import time

import pytest

from backtest_stack import BacktestStack
from conftest import ROOT, wait_for
from orders_stack import brackets_by_intent

FROM, TO = "2016-03-01", "2016-06-30"
ARGS = ["--from", FROM, "--to", TO, "--every", "5", "--hold-days", "10"]
RESULT_FILES = ["signals.csv", "trades.csv", "equity.csv", "metrics.json", "calibration.json"]
_reference = {}


def reference(procs, tmp_path_factory):
    """One uninterrupted backtest over the bundled data, shared by the tests of this module."""
    if not _reference:
        tmp = tmp_path_factory.mktemp("bt-reference")
        stack = BacktestStack(procs, tmp)
        stdout = stack.run(tmp / "out", *ARGS)
        _reference["out"] = tmp / "out"
        _reference["stdout"] = stdout
        _reference["ib_orders"] = stack.orders.ib_orders()
        stack.close()
    return _reference


def assert_at_ib_once(ib_orders, placed, exits):
    """ib-paper holds one three-leg bracket per placed signal and one single order per exit: nothing twice."""
    groups = brackets_by_intent([o[0] for o in ib_orders])
    legs = sorted(sorted(g) for g in groups.values())
    assert legs == sorted([["E", "SL", "TP"]] * len(placed) + [["X"]] * len(exits)), groups


def rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_backtest_runs_and_is_byte_identical_on_a_second_run(procs, tmp_path, tmp_path_factory):
    ref = reference(procs, tmp_path_factory)
    out = ref["out"]
    signals = rows(out / "signals.csv")
    days = sorted({r["as_of"] for r in signals})
    assert len(days) >= 15 and days[0] == "2016-03-01" and days[-1] <= TO, days
    assert all(len([r for r in signals if r["as_of"] == d]) == 4 for d in days), "one row per symbol and day"
    placed = [r for r in signals if r["router_outcome"] == "placed"]
    assert placed, "the rules analyst gives actionable signals over four months and order-router places some"
    exits = [r for r in signals if r["router_outcome"] == "placed_exit"]
    # Every placed bracket (three legs) and exit (one) is at ib-paper exactly once, counted by the official ibapi client.
    assert_at_ib_once(ref["ib_orders"], placed, exits)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["overall"]["signals"] == len([r for r in signals if r["action"] in ("BUY", "SELL") and r["entry"]])
    assert "buy_and_hold" in metrics["benchmarks"] and "SPY" in metrics["benchmarks"]
    calibration = json.loads((out / "calibration.json").read_text())
    assert calibration["bins"], calibration
    for word in ("buy_and_hold", "SPY", "Brier", "HIGH"):
        assert word in ref["stdout"], ref["stdout"]
    # A second run on a fresh stack: the same bytes.
    stack = BacktestStack(procs, tmp_path)
    stack.run(tmp_path / "again", *ARGS)
    for name in RESULT_FILES:
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name
    stack.close()


def altered_copy(dst, after_day):
    """The bundled data with every bar after `after_day` changed (prices x1.37 and back-and-forth noise, volume x3)."""
    dst.mkdir(parents=True)
    for src in sorted((ROOT / "deploy" / "data" / "daily").glob("*.csv")):
        text = src.read_text(encoding="utf-8-sig")
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        lower = [h.strip().lower() for h in header]
        prices = [i for i, h in enumerate(lower) if h in ("open", "high", "low", "close", "adj close")]
        vol = lower.index("volume")
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for n, row in enumerate(reader):
            d = row[0]
            iso = d[:10] if "/" not in d else "%04d-%02d-%02d" % (int(d.split("/")[2]), int(d.split("/")[0]), int(d.split("/")[1]))
            if iso > after_day:
                factor = 1.37 if n % 2 else 0.71
                for i in prices:
                    row[i] = "%.4f" % (float(row[i]) * factor)
                row[vol] = str(int(float(row[vol]) * 3))
            w.writerow(row)
        (dst / src.name).write_text(out.getvalue())


@pytest.mark.parametrize("cut", ["2016-03-22", "2016-04-27", "2016-06-09"])  # as-of days of ARGS
def test_no_look_ahead_every_bar_after_d_altered(procs, tmp_path, tmp_path_factory, cut):
    ref = reference(procs, tmp_path_factory)
    data = tmp_path / "data"
    altered_copy(data, cut)
    stack = BacktestStack(procs, tmp_path, data=data)
    out = tmp_path / "out"
    stack.run(out, "--from", FROM, "--to", cut, "--every", "5", "--hold-days", "10", "--data", str(data))
    mine = [r for r in rows(out / "signals.csv") if r["as_of"] <= cut]
    theirs = [r for r in rows(ref["out"] / "signals.csv") if r["as_of"] <= cut]
    assert mine and mine == theirs, "every signal (with the close it saw) and router decision up to D is the same"
    # The days as recorded: each symbol's last close, signal and decision, and ib-paper's net liquidation after the
    # day's orders (the fills up to D); the run ids differ only by the data folder in the backtest's fingerprint.
    def days(path):
        return [{k: v for k, v in json.loads(line).items() if k != "run_id"} for line in path.read_text().splitlines()]
    mine_days = [d for d in days(out / "progress.jsonl") if d["as_of"] <= cut]
    their_days = [d for d in days(ref["out"] / "progress.jsonl") if d["as_of"] <= cut]
    assert mine_days and mine_days == their_days
    assert mine_days[-1]["as_of"] == cut
    # Fills up to D: every trade whose entry and exit happened by D is the same, to the cent.
    done = lambda rs: [r for r in rs if r["exit_date"] and r["exit_date"] <= cut]
    assert done(rows(out / "trades.csv")) == done(rows(ref["out"] / "trades.csv"))
    stack.close()


def test_kill_9_mid_backtest_resumes_with_no_order_twice(procs, tmp_path, tmp_path_factory):
    ref = reference(procs, tmp_path_factory)
    stack = BacktestStack(procs, tmp_path)
    out = tmp_path / "out"
    first = stack.backtest(out, *ARGS)
    progress = out / "progress.jsonl"
    wait_for(lambda: progress.exists() and len(progress.read_text().splitlines()) >= 4, timeout=120, what="four days done")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    # A chart-worker killed too: a replacement comes up (the run owner re-issues its jobs).
    stack.workers[("chart-worker", "a")].send_signal(signal.SIGKILL)
    stack.start_worker("chart-worker", "b")
    stack.run(out, *ARGS)
    for name in RESULT_FILES:
        assert (out / name).read_bytes() == (ref["out"] / name).read_bytes(), name
    signals = rows(out / "signals.csv")
    assert_at_ib_once(stack.orders.ib_orders(), [r for r in signals if r["router_outcome"] == "placed"],
                      [r for r in signals if r["router_outcome"] == "placed_exit"])
    stack.close()


def test_resume_with_other_arguments_is_refused(procs, tmp_path):
    stack = BacktestStack(procs, tmp_path)
    out = tmp_path / "out"
    (out).mkdir()
    (out / "backtest.json").write_text('{"from": "2016-01-04"}')
    p = stack.backtest(out, *ARGS)
    stdout, stderr = p.communicate(timeout=60)
    assert p.returncode != 0
    assert "resume_mismatch" in (stdout + stderr).decode()
    stack.close()


def test_cost_is_printed_and_max_cost_refuses_before_anything_runs(procs, tmp_path):
    """With a model provider the backtest first prints the calls still to make, their tokens and an upper bound in USD
    from llm.prices; --max-cost below it refuses to start: no day runs, no call is made, nothing is ordered."""
    stack = BacktestStack(procs, tmp_path)
    stack.env.update({"CANDLEWICK_LLM_PROVIDER": "openai", "CANDLEWICK_LLM_MODEL": "gpt-test", "CANDLEWICK_LLM_PRICES": "gpt-test=2/8",
                      "OPENAI_API_KEY": "sk-not-used"})
    out = tmp_path / "out"
    p = stack.backtest(out, *ARGS, "--max-cost", "0.05")
    stdout, stderr = p.communicate(timeout=60)
    text = (stdout + stderr).decode()
    assert p.returncode != 0, text
    # 18 as-of days (2016-03-01 … 2016-06-30, every 5 NYSE trading days) × 4 symbols.
    assert "openai gpt-test: 72 call(s) still to make (18 as-of day(s), 0 done" in text, text
    assert "exceeds --max-cost 0.05" in text, text
    assert not (out / "progress.jsonl").exists()
    assert stack.orders.ib_orders() == []
    stack.close()
