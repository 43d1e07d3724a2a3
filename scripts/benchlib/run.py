"""Driver for scripts/bench.d/run (see there). Writes a Markdown section to argv[1]."""
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from common import BIN, ROOT, free_port, link_universe, stop, universe
N = 500
SYMBOLS = universe(N)



def bridge_messages(env):
    """ib.messages_written from gateway-bridge's heartbeat (candlewick status --json)."""
    out = subprocess.run([str(BIN / "candlewick"), "status", "--json", "--seconds", "2.5"], env=env, capture_output=True, text=True).stdout
    for hb in json.loads(out or "[]"):
        if hb["process"] == "gateway-bridge":
            return int(hb["counters"].get("ib.messages_written", 0))
    raise RuntimeError("no gateway-bridge heartbeat")


def stack(work, workers):
    data = link_universe(work / "data", SYMBOLS)
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_BUS_DIRECTORY": str(work / "bus"),
           "CANDLEWICK_ROUTER_JOURNAL": str(work / "intents.jsonl"), "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run",
           "CANDLEWICK_RISK_MAX_OPEN_POSITIONS": "100000", "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "1000000000",
           "CANDLEWICK_RISK_MAX_ORDERS_PER_MINUTE": "100000", "CANDLEWICK_RISK_MAX_POSITION_NOTIONAL": "1000000"}
    (work / "bus").mkdir(exist_ok=True)
    procs = [subprocess.Popen([str(BIN / "ib-paper"), "--port", str(port), "--state", str(work), "--as-of", "2017-10-04", "--data", str(data),
                               "--max-historical-per-10min", "0"], cwd=str(ROOT), stdout=subprocess.DEVNULL,
                              stderr=open(work / "ib-paper.log", "ab"))]
    deadline = time.monotonic() + 300
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline and procs[0].poll() is None, "ib-paper did not start"
        time.sleep(0.1)
    for name, args in [("proxy", ["candlewick", "proxy"]), ("gateway-bridge", ["gateway-bridge"]), ("order-router", ["order-router"]),
                       ("llm-worker", ["llm-worker", "--instance", "llm-worker.1"])] + \
            [(f"chart-worker.{i}", ["chart-worker", "--instance", f"chart-worker.{i}"]) for i in range(1, workers + 1)]:
        args[0] = str(BIN / args[0])
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(work / f"{name}.log", "ab")))
    time.sleep(1.5)
    return env, procs


def run_once(env, work, name, extra=()):
    before = bridge_messages(env)
    t = time.monotonic()
    r = subprocess.run([str(BIN / "candlewick"), "run", *[a for s in SYMBOLS for a in ("--symbols", s)], "--out", str(work / name),
                        "--timeout", "1200", "--log-level", "error", *extra], env=env, capture_output=True, text=True)
    wall = time.monotonic() - t
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    summary = json.loads((work / name / "summary.json").read_text())
    msgs = bridge_messages(env) - before
    print(f"{name}: {wall:.1f} s, {msgs} messages, stages {summary['stage_seconds']}", file=sys.stderr)
    return wall, msgs, summary


def main(out):
    results = {}
    for workers in (1, 2):
        work = pathlib.Path(tempfile.mkdtemp(prefix=f"cw-bench-run{workers}-"))
        env, procs = stack(work, workers)
        try:
            results[(workers, "cold")] = run_once(env, work, "cold")
            time.sleep(16)  # past gateway-bridge's 15 s identical-request window: the warm run asks IB again
            results[(workers, "warm")] = run_once(env, work, "warm")
            if workers == 2:
                time.sleep(16)
                results[(workers, "warm, --staged")] = run_once(env, work, "staged", ["--staged"])
        finally:
            stop(procs)
    try:
        charts_md = open(ROOT / ".build" / "bench" / "charts.md").read()
        per_chart = statistics.mean(float(x) for x in re.findall(r"\| (?:daily|weekly) \| \d+ \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|", charts_md))
    except Exception:
        per_chart = 7.0
    cpu_floor = N * 2 * per_chart / 1000 / 2
    lines = ["## A 500-symbol run of the whole pipeline", "",
             f"{N} symbols (the bundled real AAPL, GOOG, MSFT and SPY series under 125 names each) served by ib-paper over the TWS API; "
             "`candlewick run` → gateway-bridge (contract details, then 1000 trading days of daily bars per symbol) → chart-workers → "
             "llm-worker (offline rules analyst) → order-router → a bracket (3 orders) at ib-paper for every actionable signal. "
             "Each stack runs a cold run (nothing cached) and then, 16 s later, a warm run on the same gateway-bridge (contract details "
             "cached; new run id, so new intents, denied as `order_pending` where the cold run's entry still works). "
             f"IB floor = messages gateway-bridge wrote during the run / 45 per s; CPU floor = {N} × 2 charts × {per_chart:.1f} ms / 2 cores "
             f"= {cpu_floor:.1f} s.", "",
             "| chart-workers | run | wall s | symbols/s | data s | charts+signals s | orders s | messages to IB | IB floor s | ratio to the larger floor |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (workers, kind), (wall, msgs, s) in sorted(results.items(), key=lambda kv: (kv[0][0], ["cold", "warm", "warm, --staged"].index(kv[0][1]))):
        st = s["stage_seconds"]
        floor = max(msgs / 45, cpu_floor)
        lines.append(f"| {workers} | {kind} | {wall:.1f} | {N / wall:.1f} | {st.get('data', 0):.1f} | {st.get('charts', 0) - st.get('data', 0):.1f} | "
                     f"{st.get('orders', st.get('total', 0)) - st.get('charts', 0):.1f} | {msgs} | {msgs / 45:.1f} | {wall / floor:.2f}x |")
    c1, w1 = results[(1, "cold")][0], results[(1, "warm")][0]
    c2, w2 = results[(2, "cold")][0], results[(2, "warm")][0]
    placed = results[(2, "cold")][2]["orders"]["placed"]
    lines += ["", f"Warm vs cold: {w1 / c1:.2f}x (1 worker), {w2 / c2:.2f}x (2 workers). Brackets placed in a cold run: {placed}.", "",
              "Reading: the run is bound by CPU, not by IB's message rate nor by drawing. On 2 cores ib-paper, gateway-bridge, the run "
              "owner, the workers and order-router share the same cores, and each symbol's 1,000 bars travel as JSON four times "
              "(ib-paper → bridge as TWS text, bridge → owner and owner → worker as JSON MarketData with Decimal fields): that "
              "conversion, not the 45 msg/s floor, is the gap to the 1.25x target, which is not met. `--overlap` (charts start while "
              "bars still arrive) is slower here because the chart work starves the data path on the same two cores.", ""]
    pathlib.Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
