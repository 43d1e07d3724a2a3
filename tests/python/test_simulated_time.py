"""Simulated time for a backtest: ib-paper's reqCurrentTime is the as-of day's close (plus wall seconds since the day
moved), order-router with router.clock = broker judges each signal on that time (so the daily budget comes back with
each simulated day), and ib-paper's admin commands setdate / reset move the simulation (docs/tws.md §3, docs/orders.md)."""
import calendar
import time

from ibapi_harness import App, admin
from orders_stack import OrderStack, signal_for

# ib-paper's close of 2017-10-04 (16:00 EDT) as epoch seconds.
CLOSE_20171004 = calendar.timegm((2017, 10, 4, 20, 0, 0))
DAY = 86_400


def ib_time(port, client_id):
    """reqCurrentTime through the official ibapi client."""
    app = App()
    app.start(port, client_id)
    try:
        app.wait_name("nextValidId")
        app.reqCurrentTime()
        return app.wait_name("currentTime")[0][1][0]
    finally:
        app.stop()


def decide(stack, run_id, sig):
    done = stack.submit_until_done(run_id, [sig], deadline_s=40)
    assert sig["signal_id"] in done, f"no final answer for {sig['signal_id']}"
    return done[sig["signal_id"]]


def test_daily_budget_follows_the_simulated_day_and_admin_moves_it(procs, tmp_path):
    # 10 AAPL at ~155 fit in 2,000; what is left then buys not one GOOG share at ~975 (an order may not exceed the budget).
    stack = OrderStack(procs, tmp_path, extra_config={"CANDLEWICK_ROUTER_CLOCK": "broker",
                                                      "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "2000",
                                                      "CANDLEWICK_RISK_MAX_ORDER_NOTIONAL": "2000",
                                                      "CANDLEWICK_RISK_CHILD_TIF": "GTC"})
    try:
        t = ib_time(stack.ib_port, 81)
        assert CLOSE_20171004 <= t < CLOSE_20171004 + 300, f"reqCurrentTime {t} is not 2017-10-04's close"

        first = decide(stack, "bt-1", signal_for("AAPL", "d0-aapl"))
        assert first["outcome"] == "placed", first
        assert [leg["tif"] for leg in first["plan"]["legs"]] == ["DAY", "GTC", "GTC"], "risk.child_tif = GTC"
        second = decide(stack, "bt-1", signal_for("GOOG", "d0-goog"))
        assert second["outcome"] == "denied" and second["note"]["code"] == "daily_budget", second

        assert stack.advance(1) == "ok as_of=20171005"
        t = ib_time(stack.ib_port, 82)
        assert CLOSE_20171004 + DAY <= t < CLOSE_20171004 + DAY + 300
        # The same kind of signal on the next simulated day: the budget is back (2 shares: what one order of 2,000 buys).
        third = decide(stack, "bt-1", signal_for("GOOG", "d1-goog"))
        assert third["outcome"] == "placed", third
        assert third["plan"]["legs"][0]["quantity"] == 2 and [c["code"] for c in third["clamps"]] == ["order_notional_clamped"]

        # The DAY entry filled at the open; its GTC children keep working on the days after.
        assert stack.advance(1) == "ok as_of=20171006"
        aapl = {ref.rsplit("-", 1)[1]: status for ref, status, _ in stack.ib_orders() if ref.startswith(first["intent_id"])}
        assert aapl == {"E": "Filled", "TP": "Submitted", "SL": "Submitted"}, aapl

        token = stack.admin_token
        assert admin(stack.admin_port, "setdate 20171005", token_file=token).startswith("error: 20171005 is before as_of=20171006")
        assert "not a trading day" in admin(stack.admin_port, "setdate 20171007", token_file=token)
        assert "past the end of data" in admin(stack.admin_port, "setdate 20990104", token_file=token)
        assert admin(stack.admin_port, "asof", token_file=token) == "as_of=20171006", "a refused setdate changes nothing"
        assert admin(stack.admin_port, "setdate 20171012", token_file=token) == "ok as_of=20171012"
        t = ib_time(stack.ib_port, 83)
        assert CLOSE_20171004 + 8 * DAY <= t < CLOSE_20171004 + 8 * DAY + 300

        assert stack.ib_orders(), "orders before the reset"
        assert admin(stack.admin_port, "reset", token_file=token) == "ok as_of=20171004"
        assert stack.ib_orders() == [], "a reset leaves no orders"
        t = ib_time(stack.ib_port, 84)
        assert CLOSE_20171004 <= t < CLOSE_20171004 + 300
        assert admin(stack.admin_port, "reset 20180102", token_file=token) == "ok as_of=20180102"
        assert "not a trading day" in admin(stack.admin_port, "reset 20180101", token_file=token)
    finally:
        stack.close()


def test_broker_clock_denies_when_the_broker_time_cannot_be_read(procs, tmp_path):
    """gateway-bridge up but IB gone: the signal is denied broker_clock_unavailable, never judged on the wall clock."""
    stack = OrderStack(procs, tmp_path, extra_config={"CANDLEWICK_ROUTER_CLOCK": "broker"})
    try:
        first = decide(stack, "bt-2", signal_for("AAPL", "a"))
        assert first["outcome"] == "placed", first
        stack.paper.terminate()
        stack.paper.wait(10)
        deadline = time.monotonic() + 30
        reply = None
        while time.monotonic() < deadline:
            reply = stack.submit("bt-2", signal_for("MSFT", "b"), timeout=30)
            if reply and reply["payload"]["note"] and reply["payload"]["note"]["code"] == "broker_clock_unavailable":
                break
            time.sleep(0.5)
        assert reply and reply["payload"]["outcome"] == "denied", reply
        assert reply["payload"]["note"]["code"] == "broker_clock_unavailable", reply["payload"]
    finally:
        stack.close()
