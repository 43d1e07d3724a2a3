"""order-router against ib-paper through gateway-bridge, as real processes: bracket orders with
orderRefs, duplicates, denials with reason codes, fills into trades and a portfolio, the kill
switch, live arming, and exactly-once orders across SIGKILLs of order-router (seeded crash points)
and a restart of the gateway."""
import json
import random
import signal
import time

import pytest
import zmq

from conftest import wait_for
from ibapi_harness import App
from orders_stack import SYMBOLS, OrderStack, brackets_by_intent, signal_for


def exactly_one_bracket_each(stack, n):
    orders = stack.ib_orders()
    refs = [o[0] for o in orders]
    assert len(refs) == len(set(refs)), f"an orderRef appears twice at IB: {sorted(refs)}"
    groups = brackets_by_intent(refs)
    assert len(groups) == n, f"expected {n} intents at IB, found {len(groups)}: {groups}"
    for intent, legs in groups.items():
        assert sorted(legs) == ["E", "SL", "TP"], (intent, legs)
    return orders


def subscriber(stack, topics):
    return stack.subscriber(topics)


def drain(sub, seconds, until=None):
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sub.poll(100):
            frames = sub.recv_multipart()
            got.append(json.loads(frames[1]))
            if until and until(got):
                break
    return got


def test_brackets_duplicates_denials_fills_and_portfolio(procs, tmp_path):
    # The release order-router has no test hooks: an armed crash point is ignored (and said so in the log).
    stack = OrderStack(procs, tmp_path, router_env={"CANDLEWICK_TEST_CRASH_AT": "before_journal:1"})
    first_router = stack.router
    sub = subscriber(stack, ["order.update", "trade", "portfolio", "router.decision"])
    time.sleep(0.3)
    signals = [signal_for(s, f"sig-{s}") for s in SYMBOLS]
    done = stack.submit_until_done("run-a", signals, deadline_s=40)
    assert {d["outcome"] for d in done.values()} == {"placed"}, done
    for d in done.values():
        legs = d["plan"]["legs"]
        assert [l["role"] for l in legs] == ["entry", "take_profit", "stop_loss"]
        assert [l["order_type"] for l in legs] == ["LIMIT", "LIMIT", "STOP"]
        assert all(l["order_ref"].startswith(d["intent_id"]) for l in legs)
        assert legs[0]["quantity"] == 10 and d["plan"]["oca_group"] == d["intent_id"]
    # The same signal again: one order, not two.
    again = stack.submit("run-a", signals[0])
    assert again["payload"]["outcome"] == "duplicate", again
    # Denials with reasons, no order; the router keeps running.
    hold = signal_for("AAPL", "sig-hold", action="HOLD")
    hold.pop("entry_price"); hold.pop("stop_loss"); hold.pop("take_profit")
    assert stack.submit("run-b", hold)["payload"]["note"]["code"] == "not_actionable"
    low = signal_for("AAPL", "sig-low", confidence="LOW", score=20.0)
    assert stack.submit("run-b", low)["payload"]["note"]["code"] == "not_actionable"
    assert stack.submit("run-b", signal_for("AAPL", "sig-x"), source="mallory")["payload"]["note"]["code"] == "unknown_source"
    # Already long AAPL with an entry in flight in run-a: a second opening order is denied.
    assert stack.submit("run-b", signal_for("AAPL", "sig-again"))["payload"]["note"]["code"] == "order_pending"
    short = signal_for("SPY", "sig-short", action="SELL")
    assert stack.submit("run-c", short)["payload"]["outcome"] == "denied"
    unknown = dict(signal_for("SPY", "sig-zz"), symbol="ZZZZ")
    rej = stack.submit("run-d", unknown, timeout=15)
    assert rej["payload"]["outcome"] == "rejected" and rej["payload"]["note"]["code"] == "unknown_symbol", rej
    # A signal that fails validation (BUY with the stop above the entry) and garbage frames: refused, counted, no order.
    bad = dict(signal_for("MSFT", "sig-bad"), stop_loss=10_000.0)
    assert stack.submit("run-e", bad, timeout=2) is None
    stack.dealer("run-owner").send_multipart([b"signal.submit", b"{not json"])
    stack.dealer("run-owner").send_multipart([b"\xff\xfe", b"\x00" * 100, b"x"])
    # A round trip on the same connection after the garbage: the router has read (and refused) it and still answers.
    again = stack.submit("run-a", signals[0])
    assert again is not None and again["payload"]["outcome"] == "duplicate", "order-router must survive bad input"
    assert stack.router.poll() is None, "order-router must survive bad input"
    exactly_one_bracket_each(stack, len(SYMBOLS))
    # The next simulated day: every entry fills at the open; trades and a portfolio reach the bus.
    reply = stack.advance(1)
    assert reply.startswith("ok as_of="), reply
    events = drain(sub, 20, until=lambda got: sum(1 for e in got if e["type"] == "trade" and e["payload"]["order_ref"].endswith("-E")) >= len(SYMBOLS)
                   and any(e["type"] == "portfolio" and len(e["payload"]["positions"]) == len(SYMBOLS) for e in got))
    trades = [e["payload"] for e in events if e["type"] == "trade" and e["payload"]["order_ref"].endswith("-E")]
    assert {t["symbol"] for t in trades} == set(SYMBOLS), [e["type"] for e in events]
    for t in trades:
        assert t["total_quantity"] == 10 and t["side"] == "BUY" and t["total_commission"] > 0 and t["average_price"] > 0
    portfolios = [e["payload"] for e in events if e["type"] == "portfolio"]
    final = portfolios[-1]
    assert {p["symbol"]: p["quantity"] for p in final["positions"]} == {s: 10 for s in SYMBOLS}
    assert 0 < final["cash"] < 100_000
    updates = [e["payload"] for e in events if e["type"] == "order.update"]
    assert any(u["status"] == "filled" and u["order_ref"].endswith("-E") for u in updates)
    # Every placement passed before_journal, yet the release router is still running: the crash hook is not in it.
    # (submit_until_done restarts a dead router without the variable: the first process must be the one still running.)
    assert stack.router is first_router and first_router.poll() is None, "a release order-router honoured CANDLEWICK_TEST_CRASH_AT"
    assert "router.test_hook_ignored" in (tmp_path / "order-router.log").read_text(), "the ignored test hook was not logged"
    stack.close()


def test_kill_switch_survives_restart(procs, tmp_path):
    stack = OrderStack(procs, tmp_path)
    # Each ask waits 2 s, the whole wait 30 s: the first start also makes the stack's keys and reconciles.
    wait_for(lambda: stack.request("trading.command", {"action": "status", "source": "test"}, timeout=2) is not None, timeout=30,
             what="router up")
    refused = stack.request("trading.command", {"action": "halt", "reason": "x", "source": "mallory"})
    assert refused["payload"]["refused"] and refused["payload"]["state"] == "ACTIVE"
    halted = stack.request("trading.command", {"action": "halt", "reason": "kill switch test", "source": "test"})
    assert halted["payload"]["state"] == "HALTED"
    d = stack.submit_until_done("run-k", [signal_for("SPY", "sig-k")])
    assert list(d.values())[0]["note"]["code"] == "halted"
    stack.kill_router()
    stack.start_router()
    state = wait_for(lambda: stack.request("trading.command", {"action": "status", "source": "test"}, timeout=2), timeout=30,
                     what="router back")
    assert state["payload"]["state"] == "HALTED", "a halt must survive a restart (journaled)"
    resumed = stack.request("trading.command", {"action": "resume", "reason": "test over", "source": "test"})
    assert resumed["payload"]["state"] == "ACTIVE"
    d = stack.submit_until_done("run-k2", [signal_for("SPY", "sig-k2")])
    assert list(d.values())[0]["outcome"] == "placed"
    assert len(exactly_one_bracket_each(stack, 1)) == 3
    stack.close()


def ib_positions(stack):
    """Positions at ib-paper as the official ibapi client reads them (reqPositions): {symbol: shares}, flat ones left out."""
    stack.checks = getattr(stack, "checks", 70) + 1
    app = App()
    app.start(stack.ib_port, stack.checks)
    try:
        app.wait_name("nextValidId")
        app.reqPositions()
        app.wait_name("positionEnd")
        return {e[1].symbol: float(e[2]) for e in app.named("position") if float(e[2]) != 0}
    finally:
        app.stop()


def test_cancel_all_and_flatten_through_the_gateway(procs, tmp_path):
    """The operator's clean-up through real processes: flatten after the entries filled cancels every take-profit and
    stop at IB before one market exit per position goes out; the next day leaves the account flat, with nothing working.
    An observer may not flatten; a second flatten finds nothing to do."""
    stack = OrderStack(procs, tmp_path)
    done = stack.submit_until_done("run-f", [signal_for(s, f"sig-f-{s}") for s in SYMBOLS], deadline_s=40)
    assert {d["outcome"] for d in done.values()} == {"placed"}, done
    assert stack.advance(1).startswith("ok as_of=")
    wait_for(lambda: ib_positions(stack) == {s: 10.0 for s in SYMBOLS}, timeout=20, what="entries filled at IB")
    # Only an operator may: the observer key is refused by the bus authority, unanswered; nothing changes at IB.
    assert stack.request("trading.command", {"action": "flatten", "reason": "x", "source": "test"}, role="observer", timeout=2) is None
    reply = stack.request("trading.command", {"action": "flatten", "reason": "risk off", "source": "test"}, timeout=40)
    state = reply["payload"]
    assert state["state"] == "HALTED", state
    cleanup = state["cleanup"]
    assert sorted(cleanup["cancelled_intents"]) == sorted(d["intent_id"] for d in done.values()), cleanup
    assert [(x["symbol"], x["side"], x["quantity"], x["outcome"]) for x in cleanup["exits"]] == \
        [(s, "SELL", 10, "placed") for s in sorted(SYMBOLS)], cleanup
    assert cleanup["problems"] == [], (cleanup, stack.ib_orders())
    book = stack.ib_orders()
    working = [o for o in book if o[1] != "Filled" and not o[1].startswith("Cancelled")]
    assert sorted((ref.rsplit("-", 1)[1], sym) for ref, _, sym in working) == sorted(("X", s) for s in SYMBOLS), \
        f"only the exits work at IB, every child cancelled: {book}"
    assert stack.advance(1).startswith("ok as_of=")
    wait_for(lambda: ib_positions(stack) == {}, timeout=20, what="flat at IB")
    assert all(o[1] == "Filled" or o[1].startswith("Cancelled") for o in stack.ib_orders())
    again = stack.request("trading.command", {"action": "flatten", "reason": "twice", "source": "test"}, timeout=40)["payload"]
    assert again["cleanup"] == {"cancelled_intents": [], "exits": [], "problems": []}, again
    assert stack.advance(1).startswith("ok as_of=") and ib_positions(stack) == {}
    stack.close()


CRASH_POINTS = ["before_journal", "after_journal", "after_send", "after_fill"]


@pytest.mark.parametrize("seed", range(20))
def test_sigkill_at_seeded_points_never_duplicates(procs, tmp_path, seed):
    rng = random.Random(seed)
    point = CRASH_POINTS[seed % 4]
    n = rng.randint(1, 4)
    stack = OrderStack(procs, tmp_path, router_env={"CANDLEWICK_TEST_CRASH_AT": f"{point}:{n}"}, hooked_router=True)
    signals = [signal_for(s, f"seed{seed}-{s}") for s in rng.sample(SYMBOLS, len(SYMBOLS))]
    first = stack.router
    done = stack.submit_until_done(f"run-{seed}", signals, deadline_s=60)
    assert {d["outcome"] for d in done.values()} <= {"placed", "duplicate"}, done
    if point == "after_fill":
        stack.advance(1)
        wait_for(lambda: first.poll() is not None, timeout=20, what=f"the crash at {point}:{n}")
        stack.start_router()
        again = stack.submit_until_done(f"run-{seed}", signals, deadline_s=30)
        assert {d["outcome"] for d in again.values()} == {"duplicate"}, again
    assert first.poll() == -signal.SIGKILL, f"the armed crash {point}:{n} did not happen"
    # A full replay of the run after the restart: nothing new is sent.
    replay = stack.submit_until_done(f"run-{seed}", signals, deadline_s=30)
    assert {d["outcome"] for d in replay.values()} == {"duplicate"}, replay
    exactly_one_bracket_each(stack, len(SYMBOLS))
    stack.close()


def test_gateway_restart_mid_run_never_duplicates(procs, tmp_path):
    stack = OrderStack(procs, tmp_path)
    signals = [signal_for(s, f"gw-{s}") for s in SYMBOLS]
    stack.submit_until_done("run-gw", signals[:2], deadline_s=30)
    stack.paper.send_signal(signal.SIGKILL)
    stack.paper.wait(5)
    # While the gateway is down: answers come back (not a hang) and nothing is placed twice.
    for s in signals[2:4]:
        r = stack.submit("run-gw", s, timeout=10)
        assert r is not None, "an answer while the gateway is down, not a hang"
        assert r["payload"]["outcome"] in ("pending", "denied"), r
    time.sleep(1)
    stack.start_paper()
    done = stack.submit_until_done("run-gw", signals, deadline_s=60)
    assert {d["outcome"] for d in done.values()} <= {"placed", "duplicate"}, done
    assert stack.bridge.poll() is None, "gateway-bridge reconnects in-process"
    exactly_one_bracket_each(stack, len(SYMBOLS))
    stack.close()


def test_live_arming(procs, tmp_path):
    live = {"CANDLEWICK_ROUTER_MODE": "live", "CANDLEWICK_ROUTER_ACCOUNT": "U7654321"}
    # 1. live without the flag: refused at start.
    s1 = OrderStack(procs, tmp_path / "1", extra_config=live, paper_args=["--account", "U7654321"])
    assert s1.router.wait(20) == 4
    # 2. the flag, but the gateway is a paper account (paper/live mismatch): refused.
    s2 = OrderStack(procs, tmp_path / "2", extra_config=live, router_args=["--arm-live"])
    assert s2.router.wait(30) == 4
    assert "does not match" in (tmp_path / "2" / "order-router.log").read_text()
    # 3. paper mode against a live account: refused.
    s3 = OrderStack(procs, tmp_path / "3", paper_args=["--account", "U7654321"])
    assert s3.router.wait(30) == 4
    # 4. both: the flag and the matching live account: trading starts.
    s4 = OrderStack(procs, tmp_path / "4", extra_config=live, paper_args=["--account", "U7654321"], router_args=["--arm-live"])
    d = s4.submit_until_done("run-live", [signal_for("SPY", "sig-live")])
    assert list(d.values())[0]["outcome"] == "placed", d
    for s in (s1, s2, s3, s4):
        s.close()
