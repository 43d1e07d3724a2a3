"""The whole pipeline at scale, as the 500-symbol bench runs it: ib-paper → gateway-bridge → a chart-worker →
llm-worker (offline rules analyst) → order-router → brackets at ib-paper, 500 symbols, nothing cached. ib-paper counts
every message it receives per rolling second: it never sees more than its limit (50) and records no pacing violation,
while gateway-bridge's own count stays at its 45. The stack and the run are scripts/benchlib/run.py's, so the bench and
this test run the same thing (the bench also asserts the limit)."""
import json
import subprocess
import sys
import time

from conftest import ROOT, binary

sys.path.insert(0, str(ROOT / "scripts" / "benchlib"))
import run as bench  # noqa: E402
from common import stop  # noqa: E402


def test_500_symbols_with_orders_never_exceed_ib_papers_limit(tmp_path):
    env, procs = bench.stack(tmp_path, 1)
    try:
        started = time.monotonic()
        wall, messages, summary, cpu, rss, pacing = bench.run_once(env, tmp_path, "cold", procs)
        print(f"500 symbols: {wall:.1f} s, {messages} messages to IB, ib-paper {pacing}, orders {summary['orders']}, "
              f"peak RSS MiB {rss}")
        assert pacing["limit"] == 50 and pacing["violations"] == 0, pacing
        assert 40 <= pacing["max_per_second"] <= 50, f"ib-paper's busiest rolling second: {pacing}"
        assert summary["orders"]["placed"] > 0, summary["orders"]
        assert messages >= 1000, "the cold run asks IB for 500 contracts and 500 histories"
        assert time.monotonic() - started < 300
        status = subprocess.run([binary("candlewick"), "status", "--json", "--seconds", "2.5"], env=env, capture_output=True, text=True).stdout
        bridge = next(hb["counters"] for hb in json.loads(status or "[]") if hb["process"] == "gateway-bridge")
        assert bridge["ib.max_messages_in_any_second"] <= 45, bridge
        assert all(p.poll() is None for p in procs), "a stack process exited during the run"
    finally:
        stop(procs)
