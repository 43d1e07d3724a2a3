"""Alerts, not only logs: an intent order-router journals `unknown` and an order at ib-paper with a
Candlewick orderRef that the journal does not know (placed directly with the official ibapi client)
show in `candlewick status` (table and --json), and `--fail-on-alerts` exits 3 while they are there."""
import decimal
import json
import subprocess

from ibapi.order import Order

from conftest import binary, wait_for
from ibapi_harness import App, stock
from orders_stack import OrderStack, signal_for

STRANGER = "cw-0000000000000000beef-E"  # a Candlewick-looking ref no journal of this test holds
GHOST = "cw-ffffffffffffffffffff"        # an intent the journal says is placed; IB never saw it


def status(stack, *args):
    return subprocess.run([binary("candlewick"), "status", "--seconds", "1.2", *args], env=stack.env, capture_output=True,
                          text=True, timeout=30)


def router_row(stack):
    """order-router's row of `candlewick status --json` (None while its heartbeat is not in)."""
    out = status(stack, "--json")
    rows = [r for r in json.loads(out.stdout or "[]") if r["process"] == "order-router" and r["state"] == "running"]
    return rows[0] if rows else None


def place_stranger(port):
    """A resting buy far under the market, with a cw- orderRef, from a TWS client that is not gateway-bridge."""
    app = App()
    app.start(port, 93)
    try:
        oid = app.wait_name("nextValidId")[0][1][0]
        o = Order()
        o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.tif, o.orderRef = "BUY", decimal.Decimal(1), "LMT", 1.0, "GTC", STRANGER
        app.placeOrder(oid, stock("MSFT"), o)
        app.wait_name("orderStatus", r0=oid)
    finally:
        app.stop()


def test_unknown_intent_and_order_not_in_journal_are_alerts_in_status(procs, tmp_path):
    stack = OrderStack(procs, tmp_path, extra_config={"CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S": "0.3"})
    try:
        done = stack.submit_until_done("run-alerts", [signal_for("AAPL", "s1")])
        placed = done["s1"]
        assert placed["outcome"] == "placed", placed
        intent = placed["intent_id"]

        # All is well: no alerts, and --fail-on-alerts exits 0.
        row = wait_for(lambda: router_row(stack), what="order-router heartbeat")
        assert row["alerts"] == [] and row["counters"]["alerts.intents_unknown"] == 0, row
        clean = status(stack, "--fail-on-alerts")
        assert clean.returncode == 0 and "ALERTS: none" in clean.stdout, clean.stdout + clean.stderr

        # An order with a cw- ref at IB that no journal knows, and an intent the journal holds as placed that IB never saw.
        place_stranger(stack.ib_port)
        stack.kill_router()
        journal = tmp_path / "router" / "intents.jsonl"
        lines = journal.read_text().splitlines()
        ghost = [ln.replace(intent, GHOST) for ln in lines if intent in ln]
        assert any('"placed"' in ln for ln in ghost), ghost
        journal.write_text("\n".join(lines + ghost) + "\n")
        stack.start_router()

        def alerted():
            r = router_row(stack)
            return r if r and len(r["alerts"]) >= 2 else None
        row = wait_for(alerted, timeout=30, what="both alerts in order-router's heartbeat")
        kinds = {(a["kind"], a["id"]) for a in row["alerts"]}
        assert kinds == {("intent_unknown", GHOST), ("order_not_in_journal", STRANGER)}, row["alerts"]
        assert not any(intent in a["id"] for a in row["alerts"]), "the real intent is at IB whole: no alert"
        assert row["counters"]["alerts.intents_unknown"] == 1 and row["counters"]["alerts.orders_not_in_journal"] == 1, row["counters"]
        detail = {a["kind"]: a["detail"] for a in row["alerts"]}
        assert "IB reports none" in detail["intent_unknown"] and "MSFT" in detail["order_not_in_journal"], detail

        table = status(stack)
        assert table.returncode == 0, table.stderr
        assert "ALERTS (2)" in table.stdout and GHOST in table.stdout and STRANGER in table.stdout, table.stdout
        failing = status(stack, "--fail-on-alerts", "--json")
        assert failing.returncode == 3, failing.stdout + failing.stderr
    finally:
        stack.close()
