"""gateway-bridge's reaction to IB's error classes (docs/tws.md "gateway-bridge's reaction"), against
ib-paper where it sends them: farm notices at connect (logged as notices), connectivity 1100 (logged,
nothing re-synced), 1102 (a fresh broker snapshot through the re-sync path), 1101 (beliefs dropped,
then that same re-sync), and a no-data 162 (the request fails at once with IB's code, not retried)."""
import json
import re
import socket
import time
import subprocess

from conftest import ROOT, binary, free_port, wait_for
from ibapi_harness import admin
from orders_stack import OrderStack, signal_for
from test_gateway_bridge import request, run_owner_dealer


def count(path, pattern):
    return len(re.findall(pattern, path.read_text(errors="replace")))


def next_snapshot(sub, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sub.poll(200):
            frames = sub.recv_multipart()
            env = json.loads(frames[-1])
            if env["type"] == "broker.snapshot":
                return env["payload"]
    raise AssertionError("no broker.snapshot published")


def test_connectivity_events_from_ib_paper(procs, tmp_path):
    stack = OrderStack(procs, tmp_path)
    log = tmp_path / "gateway-bridge.log"
    try:
        wait_for(lambda: count(log, r"gateway\.resynced") >= 1, timeout=20, what="the first snapshot")
        # Farm notices at connect: notices at info, nothing failed.
        notices = [l for l in log.read_text(errors="replace").splitlines() if "gateway.notice" in l and "ib.code=2104" in l]
        assert notices and "notice(" in notices[0] and "info" in notices[0].lower(), notices
        decision = stack.submit_until_done("run-1", [signal_for("AAPL", "s1")], deadline_s=40)["s1"]
        assert decision["outcome"] == "placed", decision
        intent = decision["intent_id"]
        sub = stack.subscriber(["broker.snapshot"])
        time.sleep(0.3)  # the SUB's subscription reaches the proxy (a late join only misses, never fakes, a message)
        base, dropped = count(log, r"gateway\.resynced"), count(log, r"gateway\.belief_dropped")

        assert admin(stack.admin_port, "connectivity lost", token_file=stack.admin_token) == "ok sent=1100 clients=1"
        wait_for(lambda: count(log, r"gateway\.notice.*ib\.code=1100") == 1, what="1100 logged")
        line = [l for l in log.read_text().splitlines() if "ib.code=1100" in l][0]
        assert " warning " in line and "reaction=notice(warning)" in line, line  # the reaction the relay acts on: no re-sync

        assert admin(stack.admin_port, "connectivity restored", token_file=stack.admin_token).startswith("ok sent=1102")
        snap = next_snapshot(sub)
        assert len([o for o in snap["orders"] if o["order_ref"].startswith(intent + "-")]) == 3, snap["orders"]
        wait_for(lambda: count(log, r"gateway\.resynced") == base + 1, what="1102's re-sync")
        assert count(log, r"gateway\.belief_dropped") == dropped, "1102 keeps the beliefs"

        assert admin(stack.admin_port, "connectivity restored-data-lost", token_file=stack.admin_token).startswith("ok sent=1101")
        wait_for(lambda: count(log, r"gateway\.belief_dropped") == dropped + 1, what="1101 drops the beliefs")
        snap = next_snapshot(sub)
        assert len([o for o in snap["orders"] if o["order_ref"].startswith(intent + "-")]) == 3, snap["orders"]
        wait_for(lambda: count(log, r"gateway\.resynced") >= base + 2, what="1101's re-sync")
        assert count(log, r'ib\.code=1101 .*reaction="resync\(dropBeliefs: true\)"') == 1
        assert count(log, r"gateway\.resynced") == base + 2, "one re-sync each for 1102 and 1101, none for 1100"
        # The same intent again is answered from the fresh snapshot: a duplicate, nothing placed twice.
        again = stack.submit_until_done("run-1", [signal_for("AAPL", "s1")], deadline_s=40)["s1"]
        assert again["outcome"] in ("duplicate", "placed") and again["intent_id"] == intent, again
        assert len([r for r, _, _ in stack.ib_orders() if r.startswith(intent + "-")]) == 3
        assert stack.bridge.poll() is None
        sub.close(0)
    finally:
        stack.close()


def test_no_data_162_fails_at_once_and_is_not_retried(procs, tmp_path):
    ib_port = free_port()
    cmd = f"tcp://127.0.0.1:{free_port()}"
    procs([binary("ib-paper"), "--port", str(ib_port), "--state", str(tmp_path), "--as-of", "2007-06-01"], cwd=str(ROOT),
          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", ib_port)) == 0, what="ib-paper listening")
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(ib_port), "CANDLEWICK_GATEWAY_COMMANDS": cmd,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / "bus")}
    bridge = procs([binary("gateway-bridge")], env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "bridge.log", "wb"))
    dealer = run_owner_dealer(tmp_path / "bus" / "keys", cmd)
    time.sleep(0.5)
    err = request(dealer, "SPY", 30, 1)  # SPY's file starts 2007-12-31: nothing on or before 2007-06-01
    assert err["type"] == "gateway.error" and err["payload"]["code"] == 162 and "no data" in err["payload"]["message"], err
    assert request(dealer, "AAPL", 30, 2)["type"] == "market_data"
    dealer.close()
    assert bridge.poll() is None
