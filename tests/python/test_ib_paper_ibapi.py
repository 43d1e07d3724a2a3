"""ib-paper driven by the official ibapi client (the oracle for the wire protocol).

Expected prices come from the bundled CSV files and the matching rules documented in docs/tws.md
(market/limit orders fill at the next bar's open when it is through the limit, else at the limit;
bracket children work from the bar after the parent's fill; commission $0.005/share, min $1).
"""
import csv
import decimal
import json
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from conftest import ROOT, binary, wait_for  # noqa: E402
from ibapi_harness import App, Capture, admin, start_paper, stock  # noqa: E402

import ibapi  # noqa: E402,F401  (installed by ensure_venv: missing is an error, not a skip)
from ibapi.execution import ExecutionFilter  # noqa: E402
from ibapi.order import Order  # noqa: E402
from ibapi.order_cancel import OrderCancel  # noqa: E402

DATA = ROOT / "deploy" / "data" / "daily"
AS_OF = "2017-10-04"


def csv_rows(symbol):
    with open(DATA / f"{symbol}.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        r = {k.lower(): v for k, v in r.items()}
        out.append((r["date"].replace("-", ""), r))
    return out


def next_rows(symbol, day, n):
    return [r for d, r in csv_rows(symbol) if d > day][:n]


def order(action, qty, otype, lmt=None, aux=None, parent=0, transmit=True, ref="", tif="GTC"):
    o = Order()
    o.action, o.totalQuantity, o.orderType, o.tif = action, decimal.Decimal(qty), otype, tif
    if lmt is not None:
        o.lmtPrice = lmt
    if aux is not None:
        o.auxPrice = aux
    o.parentId, o.transmit, o.orderRef = parent, transmit, ref
    return o


def connected(port, client_id):
    app = App()
    app.start(port, client_id)
    app.wait_name("nextValidId")
    return app


def test_full_session_with_ibapi(procs, tmp_path):
    exe = binary("ib-paper")
    proc, port, admin_port = start_paper(exe, procs, tmp_path, "--as-of", AS_OF)
    app = connected(port, 1)
    try:
        assert app.named("managedAccounts")[0][0] == "DU0000001"
        assert {2104, 2106, 2158} <= {e[2] for e in app.errors()}
        first_id = app.named("nextValidId")[0][0]

        # Contract qualification.
        app.reqContractDetails(1, stock("AAPL"))
        app.wait_name("contractDetailsEnd", r0=1)
        d = app.named("contractDetails")[0][1]
        assert (d.contract.conId, d.contract.primaryExchange, d.minTick) == (265598, "NASDAQ", 0.01)

        # Daily bars, compared with the CSV (last 30 rows up to the as-of day).
        app.reqHistoricalData(2, stock("AAPL"), "", "30 D", "1 day", "TRADES", 1, 1, False, [])
        app.wait_name("historicalDataEnd", r0=2)
        bars = [a[1] for a in app.named("historicalData") if a[0] == 2]
        expected = [r for d_, r in csv_rows("AAPL") if d_ <= AS_OF.replace("-", "")][-30:]
        assert len(bars) == 30
        for bar, row in zip(bars, expected):
            assert bar.date == row["date"].replace("-", "")
            assert (bar.open, bar.high, bar.low, bar.close) == tuple(float(row[k]) for k in ("open", "high", "low", "close"))
            assert bar.volume == decimal.Decimal(row["volume"])

        # Unknown symbol → 200, for both requests.
        app.reqHistoricalData(3, stock("ZZZZ"), "", "30 D", "1 day", "TRADES", 1, 1, False, [])
        app.reqContractDetails(4, stock("ZZZZ"))
        app.wait(lambda e: e[0] == "error" and e[1][0] == 4 and e[1][2] == 200, what="error 200")
        assert any(e[0] == 3 for e in app.errors(200))

        # Invalid orders: price off the tick (110), negative quantity (201), cancel of an unknown id (10147).
        oid = first_id
        app.placeOrder(oid, stock("AAPL"), order("BUY", 10, "LMT", lmt=150.123))
        app.wait(lambda e: e[0] == "error" and e[1][0] == oid and e[1][2] == 110, what="error 110")
        app.placeOrder(oid + 1, stock("AAPL"), order("BUY", -5, "MKT"))
        app.wait(lambda e: e[0] == "error" and e[1][0] == oid + 1 and e[1][2] == 201, what="error 201")
        app.placeOrder(oid, stock("AAPL"), order("BUY", 1, "MKT"))
        app.wait(lambda e: e[0] == "error" and e[1][0] == oid and e[1][2] == 103, what="error 103 (id reuse)")
        app.cancelOrder(99999, OrderCancel())
        app.wait(lambda e: e[0] == "error" and e[1][0] == 99999 and e[1][2] == 10147, what="error 10147")

        # Bracket: parent LMT through the next open, TP at the second day's high, SL far below.
        day0 = AS_OF.replace("-", "")
        r1, r2 = next_rows("AAPL", day0, 2)
        entry = float(r1["open"])
        parent_lmt = round(entry + 1.0, 2)
        tp = round(float(r2["high"]), 2)
        sl = round(min(float(r1["low"]), float(r2["low"])) - 5.0, 2)
        p, t, s = oid + 2, oid + 3, oid + 4
        app.placeOrder(p, stock("AAPL"), order("BUY", 10, "LMT", lmt=parent_lmt, transmit=False, ref="b-entry"))
        app.placeOrder(t, stock("AAPL"), order("SELL", 10, "LMT", lmt=tp, parent=p, transmit=False, ref="b-tp"))
        # A later request on the same connection as a marker: ib-paper answers in order, so once its answer is here any
        # status for the two untransmitted orders would be here too (no quiet window).
        times = len(app.named("currentTime"))
        app.reqCurrentTime()
        wait_for(lambda: len(app.named("currentTime")) > times, what="the currentTime marker")
        assert not [a for a in app.named("orderStatus") if a[0] in (p, t)], "untransmitted orders must get no status"
        app.placeOrder(s, stock("AAPL"), order("SELL", 10, "STP", aux=sl, parent=p, transmit=True, ref="b-sl"))
        app.wait_name("orderStatus", r0=s)
        status = {a[0]: a[1] for a in app.named("orderStatus")}
        assert (status[p], status[t], status[s]) == ("Submitted", "PreSubmitted", "PreSubmitted")
        opened = {a[0]: a[2] for a in app.named("openOrder")}
        assert opened[t].parentId == p and opened[s].auxPrice == sl and opened[p].orderRef == "b-entry"

        # A plain market order in SPY that stays open as a position across the restart.
        m = oid + 5
        app.placeOrder(m, stock("SPY"), order("BUY", 5, "MKT", tif="DAY"))
        app.wait_name("orderStatus", r0=m)
        app.reqPositions()
        app.wait_name("positionEnd")
        app.reqAccountSummary(9, "All", "NetLiquidation,TotalCashValue,BuyingPower")
        app.wait_name("accountSummaryEnd", r0=9)
        cash0 = float([a for a in app.named("accountSummary") if a[2] == "TotalCashValue"][-1][3])
        assert cash0 == 100000.0

        # Day 1: parent and SPY fill at the open; children become Submitted.
        assert admin(admin_port, "advance", token_file=tmp_path / "ib-paper-admin.token").startswith("ok as_of=" + r1["date"].replace("-", ""))
        app.wait(lambda e: e[0] == "orderStatus" and e[1][0] == p and e[1][1] == "Filled", what="parent filled")
        app.wait(lambda e: e[0] == "orderStatus" and e[1][0] == m and e[1][1] == "Filled", what="SPY filled")
        app.wait(lambda e: e[0] == "orderStatus" and e[1][0] == t and e[1][1] == "Submitted", what="TP working")
        fills = {a[2].orderId: a[2] for a in app.named("execDetails")}
        assert fills[p].price == entry and fills[p].side == "BOT" and fills[p].shares == decimal.Decimal(10)
        spy_open = float(next_rows("SPY", day0, 1)[0]["open"])
        assert fills[m].price == spy_open
        app.wait(lambda e: e[0] == "commission" and e[1][0].execId == fills[p].execId, what="commission report")
        comm = {a[0].execId: a[0] for a in app.named("commission")}
        assert comm[fills[p].execId].commissionAndFees == 1.0  # 10 shares × $0.005 < $1 minimum
        positions = {a[1].symbol: a[2] for a in app.named("position")}
        assert positions["AAPL"] == decimal.Decimal(10) and positions["SPY"] == decimal.Decimal(5)
        app.wait(lambda e: e[0] == "accountSummary" and e[1][2] == "TotalCashValue" and float(e[1][3]) != cash0, what="cash update")
        cash1 = float([a for a in app.named("accountSummary") if a[2] == "TotalCashValue"][-1][3])
        assert cash1 == pytest.approx(100000 - 10 * entry - 1 - 5 * spy_open - 1, abs=0.011)

        # Day 2: take-profit fills at its limit (the day's high), stop-loss is cancelled as its OCA sibling.
        admin(admin_port, "advance", token_file=tmp_path / "ib-paper-admin.token")
        app.wait(lambda e: e[0] == "orderStatus" and e[1][0] == t and e[1][1] == "Filled", what="TP filled")
        app.wait(lambda e: e[0] == "orderStatus" and e[1][0] == s and e[1][1] == "Cancelled", what="SL cancelled")
        # IB sends the 202 right after the status; ibapi's reader may hand it over a moment later.
        app.wait(lambda e: e[0] == "error" and e[1][0] == s and e[1][2] == 202, what="202 for the cancelled stop-loss")
        tp_fill = [a[2] for a in app.named("execDetails") if a[2].orderId == t][0]
        assert tp_fill.price == (float(r2["open"]) if float(r2["open"]) >= tp else tp) and tp_fill.side == "SLD"
        app.wait(lambda e: e[0] == "position" and e[1][1].symbol == "AAPL" and e[1][2] == 0, what="AAPL flat")

        # Executions and completed orders on request.
        app.reqExecutions(20, ExecutionFilter())
        app.wait_name("execDetailsEnd", r0=20)
        assert len([a for a in app.named("execDetails") if a[0] == 20]) == 3
        app.reqCompletedOrders(False)
        app.wait_name("completedOrdersEnd")
        done = {a[1].orderRef: a[2].status for a in app.named("completedOrder")}
        assert done["b-entry"] == "Filled" and done["b-sl"] == "Cancelled"

        # A second connection with the same clientId gets 326.
        dup = App()
        dup.start(port, 1)
        dup.wait(lambda e: e[0] == "error" and e[1][2] == 326, what="error 326")
        dup.stop()
        highest = m
    finally:
        app.stop()

    # Restart: ids keep growing, positions survive.
    proc.terminate()
    proc.wait(10)
    proc2, port2, _ = start_paper(exe, procs, tmp_path)
    app2 = connected(port2, 1)
    try:
        assert app2.named("nextValidId")[0][0] > highest
        app2.reqPositions()
        app2.wait_name("positionEnd")
        positions = {a[1].symbol: a[2] for a in app2.named("position")}
        assert positions["SPY"] == decimal.Decimal(5) and positions["AAPL"] == 0
    finally:
        app2.stop()


def test_ibapi_encoding_matches_swift():
    """The bytes ibapi sends for the same calls equal, field for field, what CandlewickTWS encodes."""
    ours = json.loads(subprocess.run([binary("ib-paper"), "encode-sample", "--all"], check=True, capture_output=True).stdout)
    cap = Capture()
    app = App()
    app.connect("127.0.0.1", cap.port, 3)
    aapl = stock("AAPL", "NASDAQ")
    calls = []

    def call(name, fn):
        calls.append(name)
        fn()

    call("startApi", lambda: None)  # sent by connect()
    call("reqIds", lambda: app.reqIds(-1))
    call("reqCurrentTime", app.reqCurrentTime)
    call("reqManagedAccts", app.reqManagedAccts)
    call("reqContractDetails", lambda: app.reqContractDetails(7, aapl))
    call("reqHistoricalData", lambda: app.reqHistoricalData(4001, aapl, "20250131 16:00:00 US/Eastern", "200 D", "1 day",
                                                             "TRADES", 1, 1, False, []))
    call("cancelHistoricalData", lambda: app.cancelHistoricalData(4001))
    call("placeOrder-parent", lambda: app.placeOrder(100, aapl, order("BUY", 10, "LMT", lmt=185.5, transmit=False, ref="strat1-entry")))
    call("placeOrder-tp", lambda: app.placeOrder(101, aapl, order("SELL", 10, "LMT", lmt=200.0, parent=100, transmit=False, ref="strat1-tp")))
    call("placeOrder-sl", lambda: app.placeOrder(102, aapl, order("SELL", 10, "STP", aux=175.0, parent=100, transmit=True, ref="strat1-sl")))
    mkt = order("BUY", 5, "MKT", ref="mkt-1", tif="DAY")
    mkt.ocaGroup, mkt.ocaType, mkt.account, mkt.outsideRth = "OCA_1", 1, "DU123456", True
    call("placeOrder-mkt", lambda: app.placeOrder(103, aapl, mkt))
    call("placeOrder-stplmt", lambda: app.placeOrder(104, aapl, order("SELL", 3, "STP LMT", lmt=170.25, aux=171.0, tif="DAY")))
    call("cancelOrder", lambda: app.cancelOrder(100, OrderCancel()))
    call("reqGlobalCancel", lambda: app.reqGlobalCancel(OrderCancel()))
    call("reqOpenOrders", app.reqOpenOrders)
    call("reqAllOpenOrders", app.reqAllOpenOrders)
    call("reqCompletedOrders", lambda: app.reqCompletedOrders(False))
    call("reqExecutions", lambda: app.reqExecutions(9, ExecutionFilter()))
    call("reqPositions", app.reqPositions)
    call("cancelPositions", app.cancelPositions)
    call("reqAccountSummary", lambda: app.reqAccountSummary(11, "All", "NetLiquidation,TotalCashValue,BuyingPower"))
    call("cancelAccountSummary", lambda: app.cancelAccountSummary(11))
    call("reqAccountUpdatesMulti", lambda: app.reqAccountUpdatesMulti(12, "DU123456", "", True))
    call("reqHeadTimeStamp", lambda: app.reqHeadTimeStamp(13, aapl, "TRADES", 1, 1))
    frames = cap.wait_count(len(calls))
    app.disconnect()
    assert set(calls) == set(ours), "every Swift sample is checked against ibapi"
    for name, fields in zip(calls, frames):
        assert fields == ours[name], f"{name}: ibapi {fields} != swift {ours[name]}"
