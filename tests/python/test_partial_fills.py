"""Partial fills reconciled across broker restarts (issue 13): ib-paper with `--max-volume-participation`
fills an order for at most floor(fraction × the day's volume) shares per daily bar. A bracket's entry fills
in two parts with a kill -9 of ib-paper (restarted on its saved state) between them, then its take-profit
fills in parts with another kill -9 between them. At every step the official ibapi client checks what
ib-paper holds (one bracket, the filled quantities, the children's sizes) and order-router's journal and
trades agree, each execution counted once although every reconnect replays the executions."""
import csv
import json
import math
import signal
from decimal import Decimal

from ibapi.execution import ExecutionFilter

from conftest import ROOT, wait_for
from ibapi_harness import App
from orders_stack import OrderStack, request_book, signal_for

SYMBOL = "SPY"
DAYS = ["2017-10-05", "2017-10-06", "2017-10-09", "2017-10-10", "2017-10-11"]  # the trading days after the as-of day
ENTRY, STOP, TAKE_PROFIT, QTY = 254.0, 253.1, 255.0, 10


def bars(symbol):
    with open(ROOT / "deploy" / "data" / "daily" / f"{symbol}.csv", encoding="utf-8-sig") as f:
        return {r["Date"]: {k.lower(): float(v) for k, v in r.items() if k != "Date"} for r in csv.DictReader(f)}


BARS = bars(SYMBOL)
# 6 of the 10 shares on the first day: the fraction is set from that day's volume (as ib-paper reads it, in decimal).
PARTICIPATION = f"{6.5 / BARS[DAYS[0]]['volume']:.15f}"


def cap(day):
    return math.floor(Decimal(PARTICIPATION) * Decimal(int(BARS[day]["volume"])))


def ib_view(port, client_id):
    """From the official ibapi client: {orderRef: order facts} and every execution with its commission report."""
    app = App()
    app.start(port, client_id)
    try:
        request_book(app)
        app.reqExecutions(7, ExecutionFilter())
        app.wait_name("execDetailsEnd")
        status = {a[0]: a for a in app.named("orderStatus")}
        orders = {}
        for order_id, contract, order, state in app.named("openOrder"):
            assert order.orderRef not in orders, f"orderRef {order.orderRef} reported twice at IB"
            s = status[order_id]
            orders[order.orderRef] = dict(id=order_id, parent=order.parentId, oca=order.ocaGroup, status=state.status,
                                          total=float(order.totalQuantity), filled=float(s[2]), remaining=float(s[3]), avg=s[4])
        for contract, order, state in app.named("completedOrder"):
            assert order.orderRef not in orders, f"orderRef {order.orderRef} reported twice at IB"
            orders[order.orderRef] = dict(id=order.orderId, parent=order.parentId, oca=order.ocaGroup, status=state.completedStatus,
                                          total=float(order.totalQuantity))
        comm = {a[0].execId: a[0] for a in app.named("commission")}
        execs = [dict(ref=e.orderRef, exec_id=e.execId, shares=float(e.shares), price=e.price, cum=float(e.cumQty), avg=e.avgPrice,
                      commission=comm[e.execId].commissionAndFees, realized=comm[e.execId].realizedPNL)
                 for _, _, e in app.named("execDetails")]
        assert len({e["exec_id"] for e in execs}) == len(execs), "an execution reported twice by IB"
        for _, _, e in app.named("execDetails"):  # a completed order's id, where its completedOrder leaves it 0
            if orders.get(e.orderRef, {}).get("id") == 0:
                orders[e.orderRef]["id"] = e.orderId
        return orders, execs
    finally:
        app.stop()


def journal(stack):
    return [json.loads(line) for line in (stack.tmp / "router" / "intents.jsonl").read_text().splitlines()]


class Bus:
    """From the bus: the latest `trade` (order-router's aggregate of a leg's executions) per orderRef, and the
    newest connection epoch of gateway-bridge's `broker.snapshot` (published after each reconnect)."""

    def __init__(self, stack):
        self.sub, self.by_ref, self.epoch = stack.subscriber(["trade", "broker.snapshot"]), {}, 0

    def poll(self):
        while self.sub.poll(0):
            m = json.loads(self.sub.recv_multipart()[1])
            if m["type"] == "trade":
                self.by_ref[m["payload"]["order_ref"]] = m["payload"]
            elif m["type"] == "broker.snapshot":
                self.epoch = max(self.epoch, m["payload"]["connection_epoch"])
        return self.by_ref

    def wait_trade(self, ref, quantity):
        def done():
            t = self.poll().get(ref)
            return t is not None and t["total_quantity"] == quantity
        wait_for(done, timeout=30, what=f"order-router's trade {ref} at {quantity} (have {self.by_ref.get(ref)})")
        return self.by_ref[ref]


def restart_paper(stack, bus):
    """kill -9 of ib-paper, restarted on its saved state; returns once gateway-bridge has published the new
    connection's snapshot (every execution again) and order-router answers from it."""
    bus.poll()
    before = bus.epoch
    stack.paper.send_signal(signal.SIGKILL)
    stack.paper.wait(5)
    stack.start_paper()
    wait_for(lambda: bus.poll() is not None and bus.epoch > before, timeout=40, what="gateway-bridge's snapshot of the new connection")

    def reconciled():
        r = stack.submit("run-pf", SIG, timeout=3)
        return r is not None and r["payload"]["outcome"] == "duplicate"
    wait_for(reconciled, timeout=40, what="order-router reconciled after the broker restart")


SIG = dict(signal_for(SYMBOL, "pf-1"), entry_price=ENTRY, stop_loss=STOP, take_profit=TAKE_PROFIT)


def check_bracket(orders, intent):
    legs = {ref.rpartition("-")[2]: o for ref, o in orders.items() if ref.startswith(intent)}
    assert sorted(legs) == ["E", "SL", "TP"] and len(orders) == 3, f"exactly one bracket at IB: {sorted(orders)}"
    e, tp, sl = legs["E"], legs["TP"], legs["SL"]
    assert tp["parent"] == e["id"] and sl["parent"] == e["id"] and tp["oca"] == sl["oca"] != "", legs
    return e, tp, sl


def test_partial_fills_across_broker_restarts(procs, tmp_path):
    caps = [cap(d) for d in DAYS]
    assert caps[0] == 6 and caps[1] >= QTY - 6 and BARS[DAYS[1]]["open"] > ENTRY >= BARS[DAYS[1]]["low"], "the data this test relies on"
    assert max(BARS[d]["high"] for d in DAYS[:3]) < TAKE_PROFIT <= BARS[DAYS[3]]["high"] and BARS[DAYS[4]]["high"] >= TAKE_PROFIT
    assert min(BARS[d]["low"] for d in DAYS) > STOP
    stack = OrderStack(procs, tmp_path, extra_config={"CANDLEWICK_RISK_TIF": "GTC"},
                       paper_args=["--max-volume-participation", PARTICIPATION])
    bus = Bus(stack)
    done = stack.submit_until_done("run-pf", [SIG], deadline_s=60)
    assert done["pf-1"]["outcome"] == "placed", done
    intent = done["pf-1"]["intent_id"]
    ref = lambda leg: f"{intent}-{leg}"  # noqa: E731

    # Day 1: the entry takes 6 of 10 at the open; the children work for the 6 held.
    assert stack.advance(1).startswith("ok as_of=20171005")
    orders, execs = ib_view(stack.ib_port, 91)
    e, tp, sl = check_bracket(orders, intent)
    assert (e["status"], e["filled"], e["remaining"]) == ("Submitted", 6, 4), e
    assert abs(e["avg"] - BARS[DAYS[0]]["open"]) < 1e-6, e
    assert (tp["status"], tp["total"], sl["status"], sl["total"]) == ("Submitted", 6, "Submitted", 6), (tp, sl)
    assert [(x["ref"], x["shares"], x["cum"]) for x in execs] == [(ref("E"), 6, 6)]
    assert execs[0]["commission"] == 1.0
    assert bus.wait_trade(ref("E"), 6)["total_commission"] == 1.0

    # ib-paper killed and restarted on its saved state: the same book, and nothing counted twice after the replay.
    restart_paper(stack, bus)
    assert ib_view(stack.ib_port, 92) == (orders, execs), "the restarted broker holds what it held"

    # Day 2: the rest (4) fills at the limit; the children grow to the full 10.
    assert stack.advance(1).startswith("ok as_of=20171006")
    orders, execs = ib_view(stack.ib_port, 93)
    e, tp, sl = check_bracket(orders, intent)
    assert e["status"] == "Filled", e
    assert (tp["total"], tp["filled"], sl["total"], sl["filled"]) == (10, 0, 10, 0), (tp, sl)
    entry_execs = [x for x in execs if x["ref"] == ref("E")]
    assert [(x["shares"], x["cum"]) for x in entry_execs] == [(6, 6), (4, 10)]
    avg = (6 * BARS[DAYS[0]]["open"] + 4 * ENTRY) / 10
    assert abs(entry_execs[-1]["avg"] - avg) < 1e-6 and entry_execs[-1]["price"] == ENTRY, entry_execs
    assert [x["commission"] for x in entry_execs] == [1.0, 0.0], "IB charges the $1 minimum once per order"
    t = bus.wait_trade(ref("E"), 10)
    assert len(t["executions"]) == 2 and abs(t["average_price"] - avg) < 1e-6 and t["total_commission"] == 1.0, t
    filled = wait_for(lambda: [j for j in journal(stack) if j["kind"] == "filled" and j.get("intent_id") == intent], timeout=20,
                      what="the journal records the entry filled")
    assert filled[0]["broker_ids"] == {ref("E"): e["id"]} and abs(float(filled[0]["message"].split()[-1]) - avg) < 1e-6, filled

    # Days 3-4: the take-profit takes the 4 of day 4's volume cap at 255, with realized P&L; the stop shrinks to 6.
    assert stack.advance(2).startswith("ok as_of=20171010")
    orders, execs = ib_view(stack.ib_port, 94)
    e, tp, sl = check_bracket(orders, intent)
    first = caps[3]
    assert (tp["status"], tp["filled"], tp["remaining"]) == ("Submitted", first, QTY - first), tp
    assert (sl["status"], sl["total"], sl["filled"]) == ("Submitted", QTY - first, 0), sl
    bus.wait_trade(ref("TP"), first)

    # Killed again while the take-profit is part-filled; then day 5 fills 4 more.
    restart_paper(stack, bus)
    assert stack.advance(1).startswith("ok as_of=20171011")
    orders, execs = ib_view(stack.ib_port, 95)
    e, tp, sl = check_bracket(orders, intent)
    sold = first + caps[4]
    assert (tp["filled"], tp["remaining"], sl["total"]) == (sold, QTY - sold, QTY - sold), (tp, sl)
    t = bus.wait_trade(ref("TP"), sold)
    tp_execs = [x for x in execs if x["ref"] == ref("TP")]
    assert len(t["executions"]) == len(tp_execs) == 2 and {x["execution_id"] for x in t["executions"]} == {x["exec_id"] for x in tp_execs}

    # The journal: the intent filled once; each realized execution once, with IB's amounts; the router's P&L is their sum.
    wait_for(lambda: len([j for j in journal(stack) if j["kind"] == "realized"]) >= 2, timeout=20, what="realized in the journal")
    entries = journal(stack)
    assert [j["kind"] for j in entries if j.get("intent_id") == intent and j["kind"] == "filled"] == ["filled"]
    realized = {j["message"]: j["amount"] for j in entries if j["kind"] == "realized"}
    assert len(realized) == len([j for j in entries if j["kind"] == "realized"]), "an execution's P&L journaled twice"
    assert realized.keys() == {x["exec_id"] for x in tp_execs}
    for x in tp_execs:
        assert abs(realized[x["exec_id"]] - x["realized"]) < 1e-6, (x, realized)
    state = stack.request("trading.command", {"action": "status", "source": "test"})["payload"]
    assert abs(state["daily_realized_pnl"] - sum(x["realized"] for x in tp_execs)) < 1e-6, state
    assert stack.submit("run-pf", SIG)["payload"]["outcome"] == "duplicate"
    stack.close()
