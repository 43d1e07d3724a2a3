"""Fills oracle: ib-paper's order matching against backtrader's broker on the same daily bars (docs/fills-oracle.md).

Each scenario places the same orders in both: ib-paper through the official ibapi client (a GTC LMT parent, a take-profit
LMT and a STP child with parentId, transmit on the last child only), then the simulated day advanced one bar at a time
over the admin port; backtrader with its own bracket orders on the same CSV. ib-paper must fill exactly what backtrader
filled (day, side, price, shares per order), except where a named rule of fills_oracle.py says ib-paper differs on
purpose; the test then asserts the rule's result. Anything else fails.
"""
import csv
import datetime
import decimal
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from conftest import ROOT, binary  # noqa: E402
from fills_oracle import Fill, Plan, backtrader_fills, expected_ib_paper, read_bars  # noqa: E402
from ibapi_harness import App, admin, start_paper, stock  # noqa: E402

from ibapi.execution import ExecutionFilter  # noqa: E402
from ibapi.order import Order  # noqa: E402

# --- Crafted bars: every matching branch ---------------------------------------------------------------------------------

QUIET = (100.0, 100.5, 99.5, 100.0)  # touches no level below
LONG = dict(side="BUY", entry=99.0, target=104.0, stop=96.0)
SHORT = dict(side="SELL", entry=101.0, target=96.0, stop=104.0)
DAYS = [datetime.date(2021, 3, 1) + datetime.timedelta(days=i) for i in range(14)]
DAYS = [d for d in DAYS if d.weekday() < 5]  # 2021-03-01 … 03-12, ten trading days
AS_OF = DAYS[2]  # two lead bars; the orders are placed on the third, D0 (backtrader's next() on that bar)

# key: (plan fields, bars from D1 on (the rest QUIET), what ib-paper must do — the branch labels the scenario exists for)
CRAFTED = {
    # Entry at the open on a gap below the limit; its own bar goes through the target (children wait a bar); target at its limit.
    "LGAPT": (LONG, [(98.0, 105.0, 97.5, 100.0), (101.0, 104.5, 100.0, 102.0)], {"entry@open", "target@limit", "child_waits"}),
    # Entry at the limit; its own bar goes through the stop (ignored); next bar touches the stop.
    "LLIMS": (LONG, [(100.0, 100.5, 95.5, 98.0), (98.0, 98.5, 95.0, 96.0)], {"entry@limit", "stop@stop", "child_waits"}),
    # The limit is never reached: no fill at all.
    "LNEVR": (LONG, [(101.0, 102.0, 100.0, 101.0)] * 3, {"entry_never"}),
    # Gap through the stop: filled at the open, below the stop.
    "LGAPS": (LONG, [(100.0, 100.5, 98.8, 99.5), (95.0, 97.0, 94.0, 96.0)], {"entry@limit", "stop@open"}),
    # Stop and target both inside the bar, the open between them: the stop (pessimistic), as backtrader.
    "LBOTH": (LONG, [(100.0, 100.5, 98.8, 99.5), (100.0, 105.0, 95.0, 100.0)], {"stop@stop", "both_in_bar"}),
    # Both inside, the open through the target: ib-paper fills the target at the open (rule OPEN_REACHES_TARGET_FIRST).
    "LBOTO": (LONG, [(100.0, 100.5, 98.8, 99.5), (104.5, 105.0, 95.5, 100.0)], {"target@open", "both_in_bar"}),
    # Both inside, the open through the stop: the stop at the open.
    "LBOTS": (LONG, [(100.0, 100.5, 98.8, 99.5), (95.0, 105.0, 94.0, 100.0)], {"stop@open", "both_in_bar"}),
    # The entry works two quiet bars (GTC), fills on the third; the target fills at the open on a gap.
    "LLATE": (LONG, [QUIET, QUIET, (99.5, 100.0, 98.5, 99.0), (105.0, 106.0, 104.5, 105.0)], {"entry@limit", "target@open"}),
    # Short bracket: entry at the open on a gap above the limit; its bar reaches the target (ignored); target next bar.
    "SGAPT": (SHORT, [(102.0, 103.0, 95.0, 100.0), (99.0, 99.5, 95.5, 97.0)], {"entry@open", "target@limit", "child_waits"}),
    # Short: entry at the limit, then a gap through the buy stop.
    "SGAPS": (SHORT, [(100.0, 101.2, 99.5, 100.8), (105.0, 106.0, 104.5, 105.0)], {"entry@limit", "stop@open"}),
    # Short: both inside, the open through the target (rule OPEN_REACHES_TARGET_FIRST).
    "SBOTO": (SHORT, [(100.0, 101.2, 99.5, 100.8), (95.5, 104.5, 95.0, 100.0)], {"target@open", "both_in_bar"}),
    # Short: both inside, the open between them: the stop.
    "SBOTH": (SHORT, [(100.0, 101.2, 99.5, 100.8), (100.0, 105.0, 95.0, 100.0)], {"stop@stop", "both_in_bar"}),
    # Short: the buy stop touched inside the bar.
    "SSTOP": (SHORT, [(100.0, 101.2, 99.5, 100.8), (102.0, 104.5, 101.5, 103.0)], {"stop@stop"}),
    # Market orders, BUY and SELL (short): the next bar's open.
    "MBUY": (dict(side="BUY", kind="market"), [(100.25, 101.0, 99.8, 100.5)], {"market"}),
    "MSELL": (dict(side="SELL", kind="market"), [(99.75, 100.2, 99.0, 99.5)], {"market"}),
}
BRANCHES = {"entry@open", "entry@limit", "entry_never", "target@limit", "target@open", "stop@stop", "stop@open",
            "both_in_bar", "child_waits", "market"}


def write_csv(path, rows):
    """rows: [(date, open, high, low, close, volume)] → `date,open,high,low,close,volume`; every bar checked consistent."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["date", "open", "high", "low", "close", "volume"])
        for d, o, h, l, c, v in rows:
            assert float(l) <= min(float(o), float(c)) and float(h) >= max(float(o), float(c)), f"{path.name} {d}: bad bar"
            w.writerow([d.isoformat(), o, h, l, c, v])


def crafted_data(data_dir):
    plans = []
    for key, (fields, bars, _) in CRAFTED.items():
        after = bars + [QUIET] * (len(DAYS) - 3 - len(bars))
        all_bars = [QUIET, QUIET, QUIET] + after
        write_csv(data_dir / f"{key}.csv", [(d, *b, 100000) for d, b in zip(DAYS, all_bars)])
        plans.append(Plan(key=key, symbol=key, day=AS_OF, **fields))
    return plans


# --- Real bars: the bundled Yahoo/Stock.Indicators files, 60 days of 2017 -------------------------------------------------

REAL = ["AAPL", "GOOG", "MSFT", "SPY"]
REAL_FROM, REAL_DAYS, PLACE_EVERY = datetime.date(2017, 6, 1), 60, 5


def iso(d):
    if "/" in d:  # the bundled MSFT file: m/d/yyyy
        m, dd, y = d.split("/")
        return datetime.date(int(y), int(m), int(dd))
    return datetime.date.fromisoformat(d[:10])


def real_data(data_dir):
    """Writes 60 days of each bundled file (prices as their text) and returns brackets placed every 5th day at levels
    from that day's close: long entry ×0.99, stop ×0.97, target ×1.02; short entry ×1.01, stop ×1.03, target ×0.98."""
    days = None
    plans = []
    for sym in REAL:
        with open(ROOT / "deploy" / "data" / "daily" / f"{sym}.csv", newline="", encoding="utf-8-sig") as f:
            rows = [{k.lower(): v for k, v in r.items()} for r in csv.DictReader(f)]
        rows = sorted(((iso(r["date"]), r) for r in rows if iso(r["date"]) >= REAL_FROM), key=lambda x: x[0])[:REAL_DAYS]
        if days is None:
            days = [d for d, _ in rows]
        assert [d for d, _ in rows] == days, f"{sym}: trading days differ from {REAL[0]}'s"
        write_csv(data_dir / f"{sym}.csv", [(d, r["open"], r["high"], r["low"], r["close"], r["volume"]) for d, r in rows])
        for i in range(2, REAL_DAYS - 5, PLACE_EVERY):
            close = float(rows[i][1]["close"])
            for side, e, s, t in (("BUY", 0.99, 0.97, 1.02), ("SELL", 1.01, 1.03, 0.98)):
                plans.append(Plan(key=f"{sym}-{days[i]}-{side}", symbol=sym, day=days[i], side=side,
                                  entry=round(close * e, 2), stop=round(close * s, 2), target=round(close * t, 2)))
    return days, plans


# --- ib-paper through ibapi -------------------------------------------------------------------------------------------------

def ib_order(action, otype, qty, lmt=None, aux=None, parent=0, transmit=True):
    o = Order()
    o.action, o.orderType, o.totalQuantity, o.tif, o.parentId, o.transmit = action, otype, decimal.Decimal(qty), "GTC", parent, transmit
    if lmt is not None:
        o.lmtPrice = lmt
    if aux is not None:
        o.auxPrice = aux
    return o


def ib_paper_fills(procs, state_dir, data_dir, first_day, plans):
    """Runs ib-paper from `first_day` (the first plan day) to the end of the data, placing each plan on its day; returns
    {(plan key, role): Fill} from reqExecutions at the end."""
    state_dir.mkdir()
    _, port, admin_port = start_paper(binary("ib-paper"), procs, state_dir, "--data", str(data_dir), "--as-of", first_day.isoformat(),
                                  "--max-messages-per-second", "1000")  # pacing is not under test here
    token = state_dir / "ib-paper-admin.token"
    app = App()
    app.start(port, 1)
    try:
        next_id = app.wait_name("nextValidId")[0][1][0]
        roles, day = {}, first_day
        while True:
            for p in (p for p in plans if p.day == day):
                ids = range(next_id, next_id + (1 if p.kind == "market" else 3))
                next_id += len(ids)
                if p.kind == "market":
                    legs = [ib_order(p.side, "MKT", p.qty)]
                else:
                    exit_side = "SELL" if p.side == "BUY" else "BUY"
                    legs = [ib_order(p.side, "LMT", p.qty, lmt=p.entry, transmit=False),
                            ib_order(exit_side, "LMT", p.qty, lmt=p.target, parent=ids[0], transmit=False),
                            ib_order(exit_side, "STP", p.qty, aux=p.stop, parent=ids[0], transmit=True)]
                for oid, leg, role in zip(ids, legs, ("entry", "target", "stop")):
                    roles[oid] = (p.key, role)
                    app.placeOrder(oid, stock(p.symbol), leg)
                app.wait_name("orderStatus", r0=ids[-1])  # the transmitted order's status: all legs are live
            reply = admin(admin_port, "advance", token_file=token)
            if reply.startswith("error: end of data"):
                break
            m = re.fullmatch(r"ok as_of=(\d{8})", reply)
            assert m, f"admin advance: {reply}"
            day = datetime.datetime.strptime(m.group(1), "%Y%m%d").date()
        assert not app.errors(110) and not app.errors(201) and not app.errors(200), f"rejected orders: {app.errors()}"
        app.reqExecutions(7, ExecutionFilter())
        app.wait_name("execDetailsEnd", r0=7)
        fills = {}
        for _, _, ex in (a for a in app.named("execDetails") if a[0] == 7):
            key = roles[ex.orderId]
            assert key not in fills, f"ib-paper filled {key} twice (partial fills are off)"
            fills[key] = Fill(datetime.datetime.strptime(ex.time[:8], "%Y%m%d").date(), {"BOT": "BUY", "SLD": "SELL"}[ex.side],
                              ex.price, int(ex.shares))
        return fills
    finally:
        app.stop()


def branches(plan, fills, bars):
    """The matching branches `fills` (ib-paper's, as expected) exercise for one plan: for the crafted data's coverage check."""
    got = set()
    entry = fills.get((plan.key, "entry"))
    if plan.kind == "market":
        return {"market"} if entry else set()
    if entry is None:
        return {"entry_never"}
    o, h, l, c = bars[plan.symbol][entry.day]
    got.add("entry@open" if entry.price == o else "entry@limit")
    # A child level inside the entry's own bar that did not fill there: children wait for the next bar.
    if (l <= plan.stop if plan.side == "BUY" else h >= plan.stop) or (h >= plan.target if plan.side == "BUY" else l <= plan.target):
        got.add("child_waits")
    for role in ("target", "stop"):
        f = fills.get((plan.key, role))
        if f:
            assert f.day > entry.day, f"{plan.key}: {role} filled on the entry's bar"
            got.add(f"{role}@{'open' if f.price == bars[plan.symbol][f.day][0] else role_price(role)}")
            o, h, l, c = bars[plan.symbol][f.day]
            if l <= min(plan.stop, plan.target) and h >= max(plan.stop, plan.target):
                got.add("both_in_bar")
    return got


def role_price(role):
    return "limit" if role == "target" else "stop"


def check(plans, data_dir, bt_fills, ib_fills):
    bars = {p.symbol: read_bars(data_dir / f"{p.symbol}.csv") for p in plans}
    expected, fired = expected_ib_paper(plans, bt_fills, bars)
    diff = {k: (expected.get(k), ib_fills.get(k)) for k in sorted(set(expected) | set(ib_fills)) if expected.get(k) != ib_fills.get(k)}
    assert not diff, f"ib-paper differs from backtrader + rules {fired} (expected, ib-paper): {diff}"
    return expected, fired, bars


def test_crafted_bars_every_branch_matches_backtrader(procs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    plans = crafted_data(data)
    bt_fills = backtrader_fills(data, [p.symbol for p in plans], plans)
    ib_fills = ib_paper_fills(procs, tmp_path / "state", data, AS_OF, plans)
    expected, fired, bars = check(plans, data, bt_fills, ib_fills)
    # The data does what it was made for: each scenario's branches, all branches, and the rule exactly where planned.
    for p in plans:
        assert CRAFTED[p.key][2] <= branches(p, expected, bars), f"{p.key}: {branches(p, expected, bars)}"
    assert set().union(*(branches(p, expected, bars) for p in plans)) == BRANCHES
    assert fired == {"OPEN_REACHES_TARGET_FIRST": ["LBOTO", "SBOTO"]}


def test_real_bars_brackets_match_backtrader(procs, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _, plans = real_data(data)
    bt_fills = backtrader_fills(data, REAL, plans)
    ib_fills = ib_paper_fills(procs, tmp_path / "state", data, plans[0].day, plans)
    expected, fired, bars = check(plans, data, bt_fills, ib_fills)
    # Real prices reach the branches too (88 brackets: 70 entries, 9 at the open; 27 stops, 5 at the open; 22 targets).
    seen = set().union(*(branches(p, expected, bars) for p in plans))
    assert BRANCHES - {"both_in_bar", "market"} <= seen, seen
