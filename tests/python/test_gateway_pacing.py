"""gateway-bridge's message rate against ib-paper's own enforcement: hundreds of history requests
queued with orders among them; orders overtake the queue, and ib-paper (counting every message on
arrival, per rolling second) never sees more than its limit of 50, while gateway-bridge's own counter
stays at its 45."""
import json
import subprocess
import time
import uuid

from conftest import binary
from ibapi_harness import admin
from orders_stack import SYMBOLS, OrderStack, signal_for
from test_gateway_bridge import request, run_owner_dealer


def pacing(stack):
    """ib-paper's `pacing` admin answer as a dict of ints."""
    reply = admin(stack.admin_port, "pacing", token_file=stack.admin_token)
    return {k: int(v) for k, v in (p.split("=") for p in reply.split())}


def bridge_counters(stack):
    out = subprocess.run([binary("candlewick"), "status", "--json", "--seconds", "2.5"], env=stack.env,
                         capture_output=True, text=True).stdout
    for hb in json.loads(out or "[]"):
        if hb["process"] == "gateway-bridge":
            return hb["counters"]
    raise AssertionError("no gateway-bridge heartbeat")


def test_orders_overtake_queued_history_and_ib_paper_never_sees_more_than_50(procs, tmp_path):
    stack = OrderStack(procs, tmp_path)
    try:
        dealer = run_owner_dealer(stack.keys, stack.gateway_cmd)
        time.sleep(0.5)
        # Contracts known for every symbol (an order's contract lookup is itself a data request), and
        # the router reconciled: one bracket placed with nothing queued.
        for i, s in enumerate(SYMBOLS, start=1):
            assert request(dealer, s, 5, i)["type"] == "market_data"
        first = stack.submit_until_done("pace", [signal_for("MSFT", "pace-msft")], deadline_s=30)
        assert first["pace-msft"]["outcome"] == "placed", first
        # 240 distinct history requests at once: ~5.7 s of messages at the data lane's 42/s.
        ids, seq = set(), 100
        for days in range(10, 70):
            for s in SYMBOLS:
                seq += 1
                env = {"v": 1, "id": str(uuid.uuid4()), "type": "market_data.request", "source": "candlewick-run.py", "seq": seq,
                       "ts": "2024-01-01T00:00:00Z", "run_id": None, "causation_id": None, "attachments": [],
                       "payload": {"symbol": s, "duration_days": days}}
                ids.add(env["id"])
                dealer.send_multipart([b"market_data.request", json.dumps(env).encode()])
        time.sleep(0.5)
        # A bracket now: its 3 legs go before the ~200 history requests still queued.
        started = time.monotonic()
        reply = stack.submit("pace", signal_for("AAPL", "pace-aapl"), timeout=10)
        took = time.monotonic() - started
        assert reply is not None and reply["payload"]["outcome"] == "placed", reply
        # Behind the queue (orders in the data lane) this is ~1.2 s: the fetcher keeps up to 50 history
        # requests queued at the writer, 50/45 s of messages — set by the rate, so a slower machine only
        # makes it longer. In the order lane it is a few ms; half the queue's time separates the two
        # without depending on this machine's speed.
        to_socket = reply["payload"]["signal_to_socket_us"]
        assert to_socket < 600_000, f"signal → last leg took {to_socket} µs: the bracket waited behind queued history requests"
        got = 0
        deadline = time.monotonic() + 40
        while got < len(ids) and time.monotonic() < deadline:
            if dealer.poll(200):
                r = json.loads(dealer.recv_multipart()[1])
                if r["causation_id"] in ids:
                    assert r["type"] == "market_data", r["payload"]
                    got += 1
        assert got == len(ids)
        seen = pacing(stack)
        assert seen["limit"] == 50
        assert seen["violations"] == 0, seen
        assert 40 <= seen["max_per_second"] <= 50, f"ib-paper's busiest rolling second: {seen}"
        counters = bridge_counters(stack)
        print(f"bracket with {len(ids)} history requests asked: {took * 1000:.0f} ms round trip, signal→last leg {reply['payload'].get('signal_to_socket_us')} µs; ib-paper {seen}; "
              f"bridge max in a rolling second {counters['ib.max_messages_in_any_second']:.0f}")
        assert counters["ib.max_messages_in_any_second"] <= 45, counters
        assert counters["ib.messages_written"] >= len(ids)
        assert stack.bridge.poll() is None
        dealer.close()
    finally:
        stack.close()
