"""Driver for scripts/bench.d/backtest (see there). Writes a Markdown section to argv[1]."""
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

from common import BIN, ROOT, free_port, start_stack, stop
from run import bridge_messages, cpu_seconds, paper_pacing

DATA = ROOT / "deploy" / "data" / "sp500-daily"
FROM, TO, EVERY = os.environ.get("BT_FROM", "2017-01-03"), os.environ.get("BT_TO", "2017-12-29"), 5
UNIVERSE = os.environ.get("BT_UNIVERSE", "all")
WORKERS = 2


def stack(work):
    port, admin_port = free_port(), free_port()
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_BUS_DIRECTORY": str(work / "bus"),
           "CANDLEWICK_ROUTER_JOURNAL": str(work / "intents.jsonl"), "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run",
           "CANDLEWICK_IB_PAPER_ADMIN": f"127.0.0.1:{admin_port}", "CANDLEWICK_IB_PAPER_ADMIN_TOKEN_FILE": str(work / "paper-admin.token"),
           "CANDLEWICK_BENCH_PAPER_ADMIN": f"{admin_port} {work / 'paper-admin.token'}",
           # As scripts/backtest: order-router on ib-paper's clock, a DAY limit entry with GTC children.
           "CANDLEWICK_ROUTER_CLOCK": "broker", "CANDLEWICK_RISK_ENTRY_TYPE": "LIMIT", "CANDLEWICK_RISK_TIF": "DAY",
           "CANDLEWICK_RISK_CHILD_TIF": "GTC", "CANDLEWICK_RISK_MAX_OPEN_POSITIONS": "100000",
           "CANDLEWICK_RISK_MAX_ORDERS_PER_MINUTE": "100000", "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "1000000000",
           "CANDLEWICK_RISK_MAX_POSITION_NOTIONAL": "1000000"}
    (work / "bus").mkdir(exist_ok=True)
    procs = start_stack(work, env, port, ["--as-of", FROM, "--data", str(DATA), "--max-historical-per-10min", "0", "--admin-port",
                                          str(admin_port), "--admin-token-file", str(work / "paper-admin.token"), "--cash", "100000000"], WORKERS)
    return env, procs


def main(out):
    work = pathlib.Path(tempfile.mkdtemp(prefix="cw-bench-backtest-"))
    env, procs = stack(work)
    try:
        before = bridge_messages(env)
        cpu_before = [cpu_seconds(p.pid) for p in procs]
        t = time.monotonic()
        with open(work / "backtest.out", "w") as log:
            owner = subprocess.Popen([str(BIN / "candlewick"), "backtest", "--from", FROM, "--to", TO, "--every", str(EVERY),
                                      "--universe", UNIVERSE, "--data", str(DATA), "--out", str(work / "bt"), "--log-level", "error"],
                                     env=env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(owner.pid, 0)
        wall = time.monotonic() - t
        assert os.waitstatus_to_exitcode(status) == 0, (work / "backtest.out").read_text()[-4000:]
        msgs = bridge_messages(env) - before
        cpu = sum(cpu_seconds(p.pid) - b for p, b in zip(procs, cpu_before)) + usage.ru_utime + usage.ru_stime
        pacing = paper_pacing(env)
        chart_ms = [float(m) for f in work.glob("chart-worker.*.log") for m in re.findall(r"render_ms=([\d.]+)", f.read_text())]
    finally:
        stop(procs)
    signals = (work / "bt" / "signals.csv").read_text().splitlines()[1:]
    analyses = sum(1 for line in signals if not line.endswith(",failed"))
    days = len({line.split(",")[0] for line in signals})
    symbols = len({line.split(",")[1] for line in signals})
    # Each chart job renders the daily and the weekly chart: render_ms is the job's time on a worker.
    cpu_floor = sum(chart_ms) / 1000 / 2
    floor = max(msgs / 45, cpu_floor)
    print(f"backtest: {wall:.1f} s, {analyses} analyses, {msgs} messages, cpu {cpu:.1f} s, chart jobs {len(chart_ms)}, pacing {pacing}",
          file=sys.stderr)
    lines = ["## A backtest of the S&P 500: one year of weekly as-of days", "",
             f"`candlewick backtest --universe {UNIVERSE} --data deploy/data/sp500-daily --from {FROM} --to {TO} --every {EVERY}`: "
             f"{symbols} real symbols × {days} as-of days through ib-paper (TWS API), gateway-bridge, {WORKERS} chart-workers, "
             "one llm-worker (offline rules analyst) and order-router on ib-paper's clock. IB floor = messages gateway-bridge wrote / 45 per s; "
             "chart CPU floor = the chart jobs' render time on the workers / 2 cores (the same work, measured in this run).", "",
             "| analyses | as-of days | wall s | analyses/s | messages to IB | IB floor s | chart CPU floor s | ratio to the larger floor | CPU s (all processes) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {analyses} | {days} | {wall:.1f} | {analyses / wall:.1f} | {msgs} | {msgs / 45:.1f} | {cpu_floor:.1f} | {wall / floor:.2f}x | {cpu:.1f} |", "",
             f"ib-paper's busiest second: {pacing['max_per_second']} messages (limit {pacing['limit']}, violations {pacing['violations']}). "
             f"Target (issue 19): ≤ 1.5x of the larger floor.", ""]
    pathlib.Path(out).write_text("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
