"""The backtrader side of the fills oracle (test_fills_oracle.py): orders, backtrader's fills on the same bars, and the
named rules that turn backtrader's result into what ib-paper must do where the two differ on purpose (docs/fills-oracle.md).

backtrader (PyPI `backtrader` 1.9.78.123) imports under Python 3.11 / numpy 2 / matplotlib 3.11 as is: it only touches
matplotlib when plotting, and this module never plots. Its broker is run with cheat-on-open and cheat-on-close off,
no commission, no slippage and enough cash that no order is refused for margin.
"""
import csv
import dataclasses
import datetime

import backtrader as bt

CASH = 1e9


@dataclasses.dataclass(frozen=True)
class Plan:
    """One order or bracket, placed at the end of `day` (ib-paper's as-of day; backtrader's `next()` on that bar).

    kind "bracket": a GTC LMT entry at `entry`, a take-profit LMT at `target` and a STP at `stop` (children of the entry);
    kind "market": a GTC MKT order. `side` is the entry's action (BUY, or SELL = a short bracket)."""
    key: str
    symbol: str
    day: datetime.date
    side: str
    kind: str = "bracket"
    entry: float | None = None
    target: float | None = None
    stop: float | None = None
    qty: int = 10


@dataclasses.dataclass(frozen=True)
class Fill:
    """One execution, compared exactly between the two brokers (prices as the floats both parse from the CSV text)."""
    day: datetime.date
    side: str  # BUY / SELL
    price: float
    qty: int


def read_bars(path):
    """{date: (open, high, low, close)} of a `date,open,high,low,close,volume` CSV as written by the test."""
    with open(path, newline="") as f:
        return {datetime.date.fromisoformat(r["date"]): tuple(float(r[k]) for k in ("open", "high", "low", "close"))
                for r in csv.DictReader(f)}


class _Placer(bt.Strategy):
    params = (("plans", ()),)

    def __init__(self):
        self.roles, self.fills = {}, {}

    def next(self):
        today = self.datas[0].datetime.date(0)
        for p in self.p.plans:
            if p.day != today:
                continue
            data = self.getdatabyname(p.symbol)
            if p.kind == "market":
                send = self.buy if p.side == "BUY" else self.sell
                self.roles[send(data=data, size=p.qty, exectype=bt.Order.Market).ref] = (p.key, "entry")
                continue
            # backtrader's own bracket: entry, then the stop, then the take-profit (submitted in that order; its broker
            # activates the children on the bar after the entry's fill and tries pending orders in submission order).
            bracket = self.buy_bracket if p.side == "BUY" else self.sell_bracket
            entry, stop, target = bracket(data=data, size=p.qty, exectype=bt.Order.Limit, price=p.entry, valid=None,
                                          stopprice=p.stop, limitprice=p.target)
            for order, role in ((entry, "entry"), (stop, "stop"), (target, "target")):
                self.roles[order.ref] = (p.key, role)

    def notify_order(self, order):
        if order.status == order.Completed:
            key = self.roles[order.ref]
            assert key not in self.fills, f"backtrader filled {key} twice"
            # The execution's own price: `executed.price` is backtrader's running average (size × price / size), which
            # can be off by one unit in the last place.
            (bit,) = order.executed.exbits
            self.fills[key] = Fill(bt.num2date(bit.dt).date(), "BUY" if order.isbuy() else "SELL", bit.price, int(abs(bit.size)))


def backtrader_fills(data_dir, symbols, plans):
    """backtrader's fills {(plan key, role): Fill} for `plans` on the bars of `data_dir/<symbol>.csv`."""
    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=False)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=0.0)
    cerebro.broker.set_coc(False)
    cerebro.broker.set_coo(False)
    cerebro.broker.set_slippage_perc(0.0)
    for sym in symbols:
        cerebro.adddata(bt.feeds.GenericCSVData(dataname=str(data_dir / f"{sym}.csv"), dtformat="%Y-%m-%d", datetime=0,
                                                open=1, high=2, low=3, close=4, volume=5, openinterest=-1), name=sym)
    cerebro.addstrategy(_Placer, plans=tuple(plans))
    return cerebro.run()[0].fills


# --- Named rules: where ib-paper deliberately differs from backtrader ---------------------------------------------------

def rule_open_reaches_target_first(plan, fills, bars):
    """OPEN_REACHES_TARGET_FIRST. When both bracket children can fill on one bar, backtrader fills the one it tries first
    (its bracket submits the stop first), at the stop price even when the bar opened through the target. ib-paper fills
    the child the open reaches first (a gap through the target is a fill at the open, before the price could come back
    to the stop); only when the open reaches neither does it take the stop. So: a backtrader stop fill that is not at
    the open, on a bar whose open is through the target, is a target fill at that open in ib-paper (the stop cancelled).
    Returns the changed fills, or None when the rule does not apply."""
    stop = fills.get((plan.key, "stop"))
    if plan.kind != "bracket" or stop is None:
        return None
    o = bars[plan.symbol][stop.day][0]
    through = o >= plan.target if plan.side == "BUY" else o <= plan.target
    if not through or stop.price == o:
        return None
    out = {k: v for k, v in fills.items() if k != (plan.key, "stop")}
    out[(plan.key, "target")] = Fill(stop.day, stop.side, o, stop.qty)
    return out


RULES = {"OPEN_REACHES_TARGET_FIRST": rule_open_reaches_target_first}


def expected_ib_paper(plans, bt_fills, bars, rules=RULES):
    """What ib-paper must fill: backtrader's fills with each named rule applied per plan. Returns (fills, {rule: [keys]})."""
    fills, fired = dict(bt_fills), {name: [] for name in rules}
    for plan in plans:
        for name, rule in rules.items():
            changed = rule(plan, fills, bars)
            if changed is not None:
                fills = changed
                fired[name].append(plan.key)
    return fills, fired
