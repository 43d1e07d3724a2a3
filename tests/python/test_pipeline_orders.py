"""The whole pipeline over real processes, with faults: ib-paper → gateway-bridge → charts → signals
→ order-router → bracket orders at ib-paper → the simulated day advances → fills → run summary.
A chart-worker, an llm-worker and order-router are killed with SIGKILL mid-run: the run still
completes every symbol and ib-paper holds exactly one bracket per actionable symbol."""
import json
import signal
import subprocess
import time

import zmq

from conftest import ROOT, binary, wait_for
from orders_stack import SYMBOLS, brackets_by_intent, run_stack


def test_run_with_orders_survives_sigkill_of_workers_and_router(procs, tmp_path):
    stack, env = run_stack(procs, tmp_path)
    decisions = stack.subscriber(["router.decision"])
    env["CANDLEWICK_TRACKER_DIRECTORY"] = str(tmp_path / "tracked")
    env["CANDLEWICK_TRACKER_SPOOL_DIR"] = str(tmp_path / "tracker-spool")
    env["CANDLEWICK_TRACKER_MLFLOW_URI"] = ""
    tracker = procs([binary("tracker"), "--instance", "tracker.1"], env=env, stdout=subprocess.DEVNULL,
                    stderr=open(tmp_path / "tracker.log", "wb"))
    chart_a = procs([binary("chart-worker"), "--instance", "chart-worker.a"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    llm_a = procs([binary("llm-worker"), "--instance", "llm-worker.a"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    out = tmp_path / "run"
    owner = procs([binary("candlewick"), "run", *[a for s in SYMBOLS for a in ("--symbols", s)], "--out", str(out), "--lease", "2", "--timeout", "120"],
                  env=env, cwd=str(ROOT))
    # Kill -9 a chart-worker and an llm-worker early in the run; replacements come up.
    time.sleep(0.4)
    chart_a.send_signal(signal.SIGKILL)
    procs([binary("chart-worker"), "--instance", "chart-worker.b"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.4)
    llm_a.send_signal(signal.SIGKILL)
    procs([binary("llm-worker"), "--instance", "llm-worker.b"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill -9 order-router as soon as it has decided on the first signal; start it again.
    assert decisions.poll(60_000), "order-router never decided on a signal"
    stack.kill_router()
    assert stack.router.returncode == -signal.SIGKILL
    stack.start_router()
    decisions.close(0)
    stdout, stderr = owner.communicate(timeout=180)
    assert owner.returncode == 0, stdout.decode()[-2000:] + stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert sorted(s["symbol"] for s in summary["symbols"]) == sorted(SYMBOLS)
    actionable = [s for s in summary["symbols"] if s["is_actionable"]]
    assert actionable, "the bundled data gives the rules analyst at least one actionable signal"
    for s in actionable:
        assert s["order"].startswith("filled 10"), s
    assert summary["orders"]["filled"] == len(actionable)
    # Counted from the broker's closing snapshot, not from the router's belief.
    assert summary["orders"]["confirmed_at_ib"] == summary["orders"]["placed"] == len(actionable), summary["orders"]
    assert summary["orders"]["unknown_at_ib"] == 0
    # This run's working take-profit and stop legs are its own: no other Candlewick order is working at IB.
    assert summary["orders"]["other_candlewick_working_at_ib"] == 0, summary["orders"]
    trades = json.loads((out / "trades.json").read_text())
    assert {t["symbol"] for t in trades} == {s["symbol"] for s in actionable}
    portfolio = json.loads((out / "portfolio.json").read_text())
    assert {p["symbol"] for p in portfolio["positions"]} == {s["symbol"] for s in actionable}
    # At IB: one bracket per actionable symbol, none twice.
    orders = stack.ib_orders()
    groups = brackets_by_intent([o[0] for o in orders])
    per_symbol = {}
    for ref, _, symbol in orders:
        per_symbol.setdefault(symbol, set()).add(ref.rpartition("-")[0])
    assert {sym: len(ids) for sym, ids in per_symbol.items()} == {s["symbol"]: 1 for s in actionable}, per_symbol
    assert all(sorted(legs) == ["E", "SL", "TP"] for legs in groups.values()), groups
    assert "filled 10" in stdout.decode() and "orders:" in stdout.decode()
    # The tracker recorded the run: every symbol's charts and signal, and the orders, fills and portfolio of the actionable ones.
    run_id = summary["run_id"]

    def tracked():
        folders = list((tmp_path / "tracked").glob("*/tracking"))
        if not folders:
            return None
        f = folders[0]
        need = [f / "artifacts" / s / n for s in SYMBOLS for n in ("daily_chart.png", "weekly_chart.png", "trading_signal.json")]
        need += [f / "artifacts" / s["symbol"] / "trades" for s in actionable]
        return f if all(p.exists() for p in need) else None
    folder = wait_for(tracked, timeout=30, what="the tracker's records of the run")
    assert run_id in (folder / "records.jsonl").read_text()
    for s in SYMBOLS:
        assert (folder / "artifacts" / s / "daily_chart.png").read_bytes() == (out / "charts" / s / f"{s}_daily.png").read_bytes()
    assert (folder / "report.html").exists()
    assert tracker.poll() is None
    stack.close()
