"""Driver for scripts/bench.d/orders (see there). Writes a Markdown section to argv[1]."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import zmq

from common import BIN, free_port, stop
from gateway import SYMBOLS, envelope, start_paper
import buskeys  # noqa: E402  (gateway put tests/python on the path)

N_QUIET, N_BUSY, N_HISTORY = 150, 100, 500
# One signal every 100 ms: 30 order messages a second, below IB's rate, so the latency measured is
# the path's, not the rate limit's (signals back to back are 3 messages each at up to ~16/s, beyond 45/s).
INTERVAL_S = 0.1


def q(xs, f):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(f * len(xs)))] if xs else float("nan")


def fsync_anchor(directory, n=500):
    """Microseconds of one ~400-byte append + fsync, as the intent journal does, in the same directory."""
    path = directory / "fsync-anchor.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    out = []
    try:
        for _ in range(n):
            t = time.perf_counter_ns()
            os.write(fd, b"x" * 400 + b"\n")
            os.fsync(fd)
            out.append((time.perf_counter_ns() - t) / 1000)
    finally:
        os.close(fd)
    return out


def main(out):
    work = pathlib.Path(tempfile.mkdtemp(prefix="cw-bench-orders-"))
    procs = []
    try:
        port = free_port()
        procs.append(start_paper(work, port))
        gw, rc = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
        env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_GATEWAY_COMMANDS": gw, "CANDLEWICK_ROUTER_COMMANDS": rc,
               "CANDLEWICK_BUS_DIRECTORY": str(work / "bus"), "CANDLEWICK_ROUTER_JOURNAL": str(work / "intents.jsonl"),
               "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "bench", "CANDLEWICK_RISK_MAX_OPEN_POSITIONS": "100000",
               "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "1000000000", "CANDLEWICK_RISK_MAX_ORDERS_PER_MINUTE": "100000",
               "CANDLEWICK_RISK_MAX_ORDER_NOTIONAL": "1000000", "CANDLEWICK_RISK_MAX_POSITION_NOTIONAL": "1000000",
               "CANDLEWICK_RUNTIME_LOG_FORMAT": "text"}
        (work / "bus").mkdir()
        keys = work / "bus" / "keys"
        for role in ("proxy", "gateway-bridge", "order-router", "run-owner"):
            buskeys.key(keys, role)
        for name, args in (("proxy", [str(BIN / "candlewick"), "proxy"]), ("gateway-bridge", [str(BIN / "gateway-bridge")]),
                           ("order-router", [str(BIN / "order-router"), "--log-level", "warning"])):
            procs.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(work / f"{name}.log", "ab")))
        ctx = zmq.Context.instance()
        dealer = ctx.socket(zmq.DEALER)
        dealer.setsockopt(zmq.LINGER, 0)
        buskeys.client(dealer, keys, "run-owner", "gateway.commands")
        dealer.connect(gw)
        router = ctx.socket(zmq.DEALER)
        router.setsockopt(zmq.LINGER, 0)
        buskeys.client(router, keys, "run-owner", "router.commands")
        router.connect(rc)
        time.sleep(1.5)
        # Contracts and last closes for every symbol an order will use (as a run asks bars before signals).
        used = SYMBOLS[:N_QUIET + N_BUSY]
        closes, seq = {}, 0
        for s in used:
            seq += 1
            dealer.send_multipart([b"market_data.request", json.dumps(envelope("market_data.request", {"symbol": s, "duration_days": 10}, seq)).encode()])
        while len(closes) < len(used):
            assert dealer.poll(120_000), "gateway-bridge stalled"
            r = json.loads(dealer.recv_multipart()[1])
            closes[r["payload"]["symbol"]] = r["payload"]["bars"][-1]["close"]

        def signal(i, s):
            nonlocal seq
            seq += 1
            time.sleep(INTERVAL_S)
            entry = round(closes[s] * 1.01, 2)
            sig = {"signal_id": f"o{i}", "symbol": s, "action": "BUY", "confidence": "HIGH", "confidence_score": 80, "entry_price": entry,
                   "stop_loss": round(entry * 0.95, 2), "take_profit": round(entry * 1.08, 2), "reasoning": "bench",
                   "timestamp": "2017-10-04T20:00:00Z"}
            router.send_multipart([b"signal.submit", json.dumps(envelope("signal.submit", {"run_id": "bench", "signal": sig,
                                                                                        "last_price": entry, "source": "bench"}, seq)).encode()])
            assert router.poll(30_000), "order-router did not answer"
            d = json.loads(router.recv_multipart()[1])["payload"]
            assert d["outcome"] == "placed", d
            return d["signal_to_socket_us"]

        quiet = [signal(i, s) for i, s in enumerate(SYMBOLS[:N_QUIET])]
        # 500 history requests (new durations, none served from the bridge's cache) handed over at once.
        for i in range(N_HISTORY):
            seq += 1
            e = envelope("market_data.request", {"symbol": SYMBOLS[i % len(SYMBOLS)], "duration_days": 200 + i}, seq)
            dealer.send_multipart([b"market_data.request", json.dumps(e).encode()])
        time.sleep(0.3)
        busy = [signal(N_QUIET + i, s) for i, s in enumerate(SYMBOLS[N_QUIET:N_QUIET + N_BUSY])]
        answered = 0
        while dealer.poll(0):
            dealer.recv_multipart()
            answered += 1
        pending = N_HISTORY - answered
        while answered < N_HISTORY:
            assert dealer.poll(120_000), "history stalled"
            dealer.recv_multipart()
            answered += 1
        status = subprocess.run([str(BIN / "candlewick"), "status", "--json", "--seconds", "2.5"], env=env, capture_output=True, text=True).stdout
        peak = next(hb["counters"].get("ib.max_messages_in_any_second") for hb in json.loads(status or "[]") if hb["process"] == "gateway-bridge")
        fs = fsync_anchor(work)
    finally:
        stop(procs)

    f99 = q(fs, 0.99)
    rows = [(f"nothing queued ({N_QUIET} signals)", quiet), (f"{N_HISTORY} history requests queued ({N_BUSY} signals)", busy)]
    md = ["## Orders: signal → last bracket leg at the gateway socket, with and without a backlog", "",
          f"order-router → risk gate → journal (fsync) → gateway-bridge → 3 legs written to ib-paper's socket, one signal every "
          f"{INTERVAL_S * 1000:.0f} ms (30 order messages a second: the path's latency, not the rate limit's). "
          f"\"Queued\": {N_HISTORY} uncached history requests handed to gateway-bridge at once just before the signals "
          f"({pending} still unanswered when the last signal was placed). gateway-bridge writes at most 45 messages in any rolling second, "
          f"order messages before data requests, data requests at most 42 of them spaced 1/42 s (3 slots kept for orders), a bracket's legs back to back (before: every message 1/45 s apart, "
          f"so ≥ 44 ms for 3 legs, behind every queued request). Anchor: one 400-byte append + fsync in the journal's directory, "
          f"same run ({len(fs)} samples): p50 {q(fs, 0.5) / 1000:.2f} ms, **p99 {f99 / 1000:.2f} ms**. Target: p99 ≤ 5 ms + that. "
          f"gateway-bridge's busiest rolling second: {peak:.0f} messages.", "",
          "| signals | p50 | p99 | p99 − fsync p99 | target met |", "|---|---|---|---|---|"]
    for name, xs in rows:
        p99 = q(xs, 0.99)
        md.append(f"| {name} | {q(xs, 0.5) / 1000:.2f} ms | {p99 / 1000:.2f} ms | {(p99 - f99) / 1000:.2f} ms | {'yes' if p99 - f99 <= 5000 else 'no'} |")
    md.append("")
    pathlib.Path(out).write_text("\n".join(md))


if __name__ == "__main__":
    main(sys.argv[1])
