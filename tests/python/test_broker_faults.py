"""Exactly-once orders under broker faults: ib-paper killed (SIGKILL, restarted on its saved state) or
the TCP connection dropped (ib-paper stays up) at seeded points of the order flow — before each leg,
between legs, with IB's acknowledgement withheld or half delivered, after it, and during the re-sync
that follows a reconnect. The faults are injected by an independent TWS-frame proxy
(tests/python/fault_proxy.py) between gateway-bridge and ib-paper. After each, an independent client
(the official ibapi) checks at ib-paper: exactly one complete bracket per actionable intent (entry,
take-profit and stop-loss, children of the entry, one OCA group), and order-router's journal agrees
(every intent `placed` with IB's order ids)."""
import json
import random
import signal
import time

import pytest

from fault_proxy import (OPEN_ORDER, ORDER_STATUS, PLACE_ORDER, REQ_ALL_OPEN_ORDERS, REQ_COMPLETED_ORDERS, REQ_EXECUTIONS,
                         FaultProxy, Trigger, first_after, nth, on_connection_after_first_fault)
from conftest import wait_for
from ibapi_harness import App
from orders_stack import SYMBOLS, OrderStack, signal_for

POINTS = ["before_entry", "before_take_profit", "before_stop_loss", "ack_withheld", "ack_half_delivered", "after_ack", "during_resync"]


def triggers_for(point, bracket, action):
    """The fault of `point` at the `bracket`-th bracket (0-based) of the run."""
    k = 3 * bracket
    before, after = f"{action}_before", f"{action}_after"
    if point == "before_entry":
        return [Trigger(nth("c2s", PLACE_ORDER, k + 1), before, point)]
    if point == "before_take_profit":
        return [Trigger(nth("c2s", PLACE_ORDER, k + 2), before, point)]
    if point == "before_stop_loss":
        return [Trigger(nth("c2s", PLACE_ORDER, k + 3), before, point)]
    if point == "ack_withheld":
        return [Trigger(first_after("s2c", OPEN_ORDER, "c2s", PLACE_ORDER, k + 3), before, point)]
    if point == "ack_half_delivered":
        return [Trigger(first_after("s2c", ORDER_STATUS, "c2s", PLACE_ORDER, k + 3), after, point)]
    if point == "after_ack":
        # The last of the three legs' status reports passed to the bridge, then the fault.
        def third_status(frame, history, k=k):
            if frame.direction != "s2c" or frame.msg_id != ORDER_STATUS:
                return False
            placed = [f for f in history if f.direction == "c2s" and f.msg_id == PLACE_ORDER]
            if len(placed) < k + 3:
                return False
            mark = history.index(placed[k + 2])
            return sum(1 for f in history[mark + 1:] if f.direction == "s2c" and f.msg_id == ORDER_STATUS and f.conn == frame.conn) == 2
        return [Trigger(third_status, after, point)]
    if point == "during_resync":
        # First a fault between the legs, then another while the next connection re-syncs.
        return [Trigger(nth("c2s", PLACE_ORDER, k + 2), before, "before_take_profit"),
                Trigger(on_connection_after_first_fault("c2s", random.choice([REQ_ALL_OPEN_ORDERS, REQ_COMPLETED_ORDERS, REQ_EXECUTIONS]), 1),
                        before, point)]
    raise ValueError(point)


def broker_view(port, client_id):
    """Every order ib-paper holds, open and completed, from the official ibapi client: {orderRef: (orderId, parentId, ocaGroup, status)}."""
    app = App()
    app.start(port, client_id)
    try:
        app.wait(lambda e: e[0] == "nextValidId", what="nextValidId")
        app.reqAllOpenOrders()
        app.wait(lambda e: e[0] == "openOrderEnd", what="openOrderEnd")
        app.reqCompletedOrders(False)
        app.wait(lambda e: e[0] == "completedOrdersEnd", what="completedOrdersEnd")
        out = {}
        for _, (order_id, contract, order, state) in [e for e in app.events if e[0] == "openOrder"]:
            assert order.orderRef not in out, f"orderRef {order.orderRef} reported twice at IB"
            out[order.orderRef] = (order_id, order.parentId, order.ocaGroup, state.status, contract.symbol)
        for _, (contract, order, state) in [e for e in app.events if e[0] == "completedOrder"]:
            assert order.orderRef not in out, f"orderRef {order.orderRef} reported twice at IB"
            out[order.orderRef] = (order.orderId, order.parentId, order.ocaGroup, state.completedStatus or state.status, contract.symbol)
        return out
    finally:
        app.stop()


def journal_phases(path):
    """order-router's journal folded: {intent_id: (last order kind, broker ids)}."""
    phases, ids = {}, {}
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if e.get("intent_id") and e["kind"] in ("planned", "sent", "placed", "rejected", "filled", "cancelled", "unknown"):
            phases[e["intent_id"]] = e["kind"]
            ids.setdefault(e["intent_id"], {}).update(e.get("broker_ids") or {})
    return phases, ids


def assert_exactly_one_bracket_each(stack, decisions, client_id):
    view = broker_view(stack.ib_port, client_id)
    by_intent = {}
    for ref, o in view.items():
        intent, _, leg = ref.rpartition("-")
        by_intent.setdefault(intent, {})[leg] = o
    intents = {d["intent_id"] for d in decisions.values()}
    assert set(by_intent) == intents, f"IB holds intents {sorted(by_intent)}, the router decided {sorted(intents)}"
    phases, ids = journal_phases(stack.tmp / "router" / "intents.jsonl")
    for intent, legs in by_intent.items():
        assert sorted(legs) == ["E", "SL", "TP"], (intent, sorted(legs))
        entry, tp, sl = legs["E"], legs["TP"], legs["SL"]
        assert tp[1] == entry[0] and sl[1] == entry[0], f"{intent}: children must hang on the entry {entry[0]}: TP {tp[1]}, SL {sl[1]}"
        assert tp[2] == sl[2] != "", f"{intent}: take-profit and stop-loss must share one OCA group: {tp[2]!r} {sl[2]!r}"
        assert {entry[3], tp[3], sl[3]} <= {"Submitted", "PreSubmitted"}, f"{intent}: every leg working at IB: {legs}"
        assert phases.get(intent) == "placed", f"{intent}: the journal says {phases.get(intent)}, IB holds the whole bracket"
        assert ids[intent] == {f"{intent}-{leg}": o[0] for leg, o in legs.items()}, \
            f"{intent}: journal ids {ids[intent]} differ from IB's {({leg: o[0] for leg, o in legs.items()})}"
    for d in decisions.values():
        assert d["outcome"] in ("placed", "duplicate"), d


def make_stack(procs, tmp_path):
    holder = {}

    def kill():
        p = holder["stack"].paper
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(5)

    def restart():
        holder["stack"].start_paper()

    stack = OrderStack(procs, tmp_path, proxy=lambda upstream: FaultProxy(upstream, kill, restart))
    holder["stack"] = stack
    return stack


CASES = [(seed, POINTS[seed % len(POINTS)], "kill") for seed in range(14)] + \
        [(seed, POINTS[seed % len(POINTS)], "drop") for seed in range(14, 24)]


@pytest.mark.parametrize("seed,point,action", CASES, ids=[f"{a}-{p}-{s}" for s, p, a in CASES])
def test_broker_fault_at_seeded_point_leaves_exactly_one_bracket_each(procs, tmp_path, seed, point, action):
    random.seed(seed)
    rng = random.Random(seed)
    stack = make_stack(procs, tmp_path)
    bracket = rng.randrange(len(SYMBOLS))
    triggers = [stack.tws_proxy.add(t) for t in triggers_for(point, bracket, action)]
    signals = [signal_for(s, f"fault{seed}-{s}") for s in rng.sample(SYMBOLS, len(SYMBOLS))]
    done = stack.submit_until_done(f"run-fault-{seed}", signals, deadline_s=90)
    assert len(done) == len(signals), f"no final answer for {len(signals) - len(done)} signal(s): {done}"
    for t in triggers:
        assert t.fired.is_set(), f"the fault {t.label} ({action}) never happened"
    assert stack.bridge.poll() is None, "gateway-bridge reconnects in-process"
    wait_for(lambda: stack.tws_proxy.pending_restarts == 0, timeout=30, what="ib-paper restarted after the fault")
    assert_exactly_one_bracket_each(stack, done, client_id=90 + seed % 5)
    # A replay of the whole run changes nothing at IB.
    again = stack.submit_until_done(f"run-fault-{seed}", signals, deadline_s=30)
    assert {d["outcome"] for d in again.values()} == {"duplicate"}, again
    assert_exactly_one_bracket_each(stack, done, client_id=95 + seed % 4)
    stack.close()
