"""ib-paper answers as IB documents (issue 17), checked with the official ibapi client.

Each case cites its source in docs/tws.md ("Conformance with IB"); expected values are literals
(dates and prices of deploy/data/daily/AAPL.csv, IB's codes and texts).
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from conftest import ROOT, binary  # noqa: E402
from conftest import wait_for  # noqa: E402
from ibapi_harness import App, admin, start_paper, stock  # noqa: E402

ibapi = pytest.importorskip("ibapi")


@pytest.fixture
def paper(procs, tmp_path):
    proc, port, admin_port = start_paper(binary("ib-paper"), procs, tmp_path, "--as-of", "2017-10-04", "--no-historical-pacing")
    app = App()
    app.start(port, 7)
    app.wait_name("nextValidId")
    app.admin_port = admin_port
    app.port = port
    app.admin_token = tmp_path / "ib-paper-admin.token"  # ib-paper's admin port needs its token (issue 15)
    yield app
    app.stop()


def bars_for(app, req_id, end, duration="3 D", what="TRADES"):
    app.reqHistoricalData(req_id, stock("AAPL"), end, duration, "1 day", what, 1, 1, False, [])
    app.wait(lambda e: (e[0] == "historicalDataEnd" and e[1][0] == req_id)
             or (e[0] == "error" and e[1][0] == req_id and not 2100 <= e[1][2] < 2200), what=f"answer to {req_id}")
    return [a[1] for a in app.named("historicalData") if a[0] == req_id]


# IB "Historical Bar Data": endDateTime "yyyyMMdd HH:mm:ss zone", or "yyyyMMdd-HH:mm:ss" in UTC; a daily
# bar is complete at the 16:00 US/Eastern close, so an end time before the close excludes that day.
END_CASES = [
    ("20170602 00:00:00 UTC", "20170601"),          # 20:00 New York on 06-01: after the close
    ("20170601 08:00:00 US/Eastern", "20170531"),   # before the open: no look-ahead into 06-01
    ("20170601 16:00:00 US/Eastern", "20170601"),   # exactly at the close
    ("20170601 15:59:59 US/Eastern", "20170531"),
    ("20170601-20:00:00", "20170601"),              # dash form = UTC; 20:00 UTC = 16:00 EDT
    ("20170601-19:59:59", "20170531"),
    ("20170601 21:00:00 Europe/London", "20170601"),
    ("20170601", "20170601"),                       # a bare date: the whole day
]


def test_end_date_time_is_honoured_with_time_and_zone(paper):
    for i, (end, last) in enumerate(END_CASES):
        bars = bars_for(paper, 100 + i, end)
        assert [b.date for b in bars][-1:] == [last], end
        assert len(bars) == 3, end
    # The 06-01 bar itself, literal from AAPL.csv (2017-06-01,153.169998,153.330002,152.220001,153.179993,…,16404100).
    b = bars_for(paper, 120, "20170602 00:00:00 UTC", "1 D")[0]
    assert (b.date, b.open, b.high, b.low, b.close, int(b.volume)) == ("20170601", 153.169998, 153.330002, 152.220001, 153.179993, 16404100)
    assert not paper.errors(2174), "a zoned end time must not draw the implied-zone warning"


def test_end_date_time_without_zone_is_read_in_gateway_zone_with_warning_2174(paper):
    bars = bars_for(paper, 130, "20170601 15:59:59")
    assert bars[-1].date == "20170531"
    warn = paper.wait(lambda e: e[0] == "error" and e[1][0] == 130 and e[1][2] == 2174, what="2174")[0][1]
    assert warn[3].startswith("Warning: You submitted request with date-time attributes without explicit time zone.")
    assert bars_for(paper, 131, "20170601 16:00:00")[-1].date == "20170601"


@pytest.mark.parametrize("end", ["20170601 08:00:00 Mars/Olympus", "20170631 08:00:00 UTC", "20170601 24:00:00 UTC",
                                 "20170601-08:00:00 UTC", "2017060108:00:00"])
def test_invalid_end_date_time_gets_10314(paper, end):
    assert bars_for(paper, 140, end) == []
    err = paper.errors(10314)
    assert err and err[0][0] == 140 and err[0][3].startswith("End Date/Time: The date, time, or time-zone entered is invalid.")


def test_unimplemented_requests_get_ibs_error_and_keep_the_connection(paper):
    """[MC] 354 for market data without a subscription, 321 "Error validating request" for the rest;
    before issue 17 each of these reset the connection."""
    aapl = stock("AAPL")
    paper.reqMktData(201, aapl, "", False, False, [])
    paper.reqPnL(202, "DU0000001", "")
    paper.reqMatchingSymbols(203, "AAP")
    paper.reqRealTimeBars(204, aapl, 5, "TRADES", True, [])
    paper.reqSecDefOptParams(205, "AAPL", "", "STK", 265598)
    paper.cancelMktData(201)  # a cancel of an unserved request: nothing, as IB
    paper.reqCurrentTime()
    paper.wait_name("currentTime")  # answered after all of the above: the connection is still up
    got = {(a[0], a[2]) for a in paper.errors() if 200 < a[0] < 210}
    assert got == {(201, 354), (202, 321), (203, 321), (204, 354), (205, 321)}
    assert [a[3] for a in paper.errors(354)][0] == "Requested market data is not subscribed."
    assert any(a[0] == 202 and a[3].startswith("Error validating request.-'reqPnL'") for a in paper.errors(321))
    assert not paper.named("connectionClosed")
    bars_for(paper, 206, "")  # and still serves
    assert paper.named("historicalData")


def test_head_timestamp_is_the_first_bar(paper):
    """reqHeadTimeStamp: the earliest data point. AAPL.csv starts 2004-08-19 (09:30 EDT = 13:30 UTC)."""
    paper.reqHeadTimeStamp(301, stock("AAPL"), "TRADES", 1, 1)
    paper.reqHeadTimeStamp(302, stock("AAPL"), "TRADES", 1, 2)
    paper.reqHeadTimeStamp(303, stock("AAPL"), "MIDPOINT", 1, 1)
    paper.reqHeadTimeStamp(304, stock("ZZZZ"), "TRADES", 1, 1)
    assert paper.wait_name("headTimestamp", r0=301)[0][1] == (301, "20040819-13:30:00")
    assert paper.wait_name("headTimestamp", r0=302)[0][1] == (302, "1092922200")
    paper.wait(lambda e: e[0] == "error" and e[1][0] == 304 and e[1][2] == 200, what="200 for 304")
    assert any(a[0] == 303 for a in paper.errors(162))


def paper_on(procs, tmp_path, symbol, rows, as_of, client_id):
    """ib-paper serving one CSV (`rows`) as `symbol`, and a connected ibapi App."""
    data = tmp_path / "data"
    data.mkdir()
    (data / f"{symbol}.csv").write_text(rows)
    _, port, _ = start_paper(binary("ib-paper"), procs, tmp_path, "--data", str(data), "--as-of", as_of, "--no-historical-pacing")
    app = App()
    app.start(port, client_id)
    app.wait_name("nextValidId")
    return app


# Nine rows of ../shared/data/sp500-daily/TSLA.csv.gz (AlphaVantage, prices as traded; 5:1 split on 2020-08-31).
TSLA_ROWS = """timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient
2020-08-24,2126.275,2129.0,1927.52,2014.2,402.84,20063621,0.0,1.0
2020-08-25,1974.89,2027.95,1968.0,2023.34,404.668,10658893,0.0,1.0
2020-08-26,2060.0,2166.0,2053.6291,2153.17,430.634,14239382,0.0,1.0
2020-08-27,2180.46,2295.6,2142.5,2238.75,447.75,23693043,0.0,1.0
2020-08-28,2295.12,2318.49,2186.52,2213.4,442.68,20081176,0.0,1.0
2020-08-31,444.61,500.14,440.11,498.32,498.32,115847020,0.0,5.0
2020-09-01,502.14,502.49,470.51,475.05,475.05,90119419,0.0,1.0
2020-09-02,478.99,479.04,405.1206,447.37,447.37,96176128,0.0,1.0
2020-09-03,407.23,431.8,402.0,407.0,407.0,87596086,0.0,1.0
"""


def test_trades_history_is_split_adjusted(procs, tmp_path):
    """[HB] TRADES history is adjusted for splits: TSLA's 2020-08-28 close 2213.40 is served as 442.68
    (÷5), its volume ×5; bars from the split day on are as traded. No 80 % 'crash' on 08-31."""
    app = paper_on(procs, tmp_path, "TSLA", TSLA_ROWS, "2020-09-03", 8)
    try:
        app.reqHistoricalData(401, stock("TSLA"), "20200901 16:00:00 US/Eastern", "4 D", "1 day", "TRADES", 1, 1, False, [])
        app.wait_name("historicalDataEnd", r0=401)
        bars = [a[1] for a in app.named("historicalData") if a[0] == 401]
        assert [(b.date, b.open, b.close, int(b.volume)) for b in bars] == [
            ("20200827", 436.092, 447.75, 118465215),
            ("20200828", 459.024, 442.68, 100405880),
            ("20200831", 444.61, 498.32, 115847020),
            ("20200901", 502.14, 475.05, 90119419),
        ]
    finally:
        app.stop()
    assert b"data.split_adjusted" in (tmp_path / "ib-paper.log").read_bytes()


# Seven rows of ../shared/data/sp500-daily/AAPL.csv.gz: $0.82 dividend ex 2020-08-07, 4:1 split 2020-08-31.
AAPL_ROWS = """timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient
2020-08-05,437.51,441.57,435.59,440.25,109.506242486,30497988,0.0,1.0
2020-08-06,441.62,457.65,439.19,455.61,113.326835068,50607225,0.0,1.0
2020-08-07,452.82,454.7,441.17,444.45,110.754899697,49511403,0.82,1.0
2020-08-10,450.4,455.1,440.0,450.91,112.364702042,53100856,0.0,1.0
2020-08-28,504.05,505.77,498.31,499.23,124.405824223,46907479,0.0,1.0
2020-08-31,127.58,131.0,126.0,129.04,128.624702503,223505733,0.0,4.0
2020-09-01,132.76,134.8,130.53,134.18,133.74816012,152470142,0.0,1.0
"""


def test_adjusted_last_is_split_and_dividend_adjusted(procs, tmp_path):
    """[HB] ADJUSTED_LAST: adjusted for splits and dividends; an end date is refused with 321.
    08-06 close 455.61 → ÷4 = 113.9025, × (1 − 0.205/113.9025) for the 08-07 dividend = 113.6975."""
    app = paper_on(procs, tmp_path, "AAPL", AAPL_ROWS, "2020-09-01", 9)
    try:
        closes = {}
        for req, what in ((501, "ADJUSTED_LAST"), (502, "TRADES")):
            app.reqHistoricalData(req, stock("AAPL"), "", "7 D", "1 day", what, 1, 1, False, [])
            app.wait_name("historicalDataEnd", r0=req)
            closes[what] = [(a[1].date, a[1].close) for a in app.named("historicalData") if a[0] == req]
        assert closes["ADJUSTED_LAST"] == [("20200805", 109.8644), ("20200806", 113.6975), ("20200807", 111.1125),
                                           ("20200810", 112.7275), ("20200828", 124.8075), ("20200831", 129.04),
                                           ("20200901", 134.18)]
        assert closes["TRADES"] == [("20200805", 110.0625), ("20200806", 113.9025), ("20200807", 111.1125),
                                    ("20200810", 112.7275), ("20200828", 124.8075), ("20200831", 129.04), ("20200901", 134.18)]
        app.reqHistoricalData(503, stock("AAPL"), "20200901 16:00:00 US/Eastern", "7 D", "1 day", "ADJUSTED_LAST", 1, 1, False, [])
        err = app.wait(lambda e: e[0] == "error" and e[1][0] == 503, what="321 for 503")[0][1]
        assert err[2] == 321 and "End date not supported with adjusted last" in err[3]
    finally:
        app.stop()


def test_duration_over_365_days_weekly_monthly_and_quotes(paper):
    """[HB] N D above 365 → 321 'must be made in years'; 1 week / 1 month bars aggregated from the days
    (the current period partial); MIDPOINT/BID/ASK have no source here → 162 no data (not trade prices)."""
    paper.reqHistoricalData(601, stock("AAPL"), "", "400 D", "1 day", "TRADES", 1, 1, False, [])
    err = paper.wait(lambda e: e[0] == "error" and e[1][0] == 601, what="321 for 601")[0][1]
    assert err[2] == 321 and "durations longer than 365 days must be made in years" in err[3]
    assert len(bars_for(paper, 602, "", "365 D")) > 200

    paper.reqHistoricalData(603, stock("AAPL"), "20170614 16:00:00 US/Eastern", "3 W", "1 week", "TRADES", 1, 1, False, [])
    paper.wait_name("historicalDataEnd", r0=603)
    weeks = [a[1] for a in paper.named("historicalData") if a[0] == 603]
    # Week of 06-05 (AAPL.csv rows 06-05…06-09) and the partial week of 06-12 (06-12…06-14).
    assert [(b.date, b.open, b.high, b.low, b.close, int(b.volume)) for b in weeks[-2:]] == [
        ("20170609", 154.339996, 155.979996, 146.020004, 148.979996, 159159700),
        ("20170614", 145.740005, 147.5, 142.509995, 145.160004, 138003900),
    ]
    paper.reqHistoricalData(604, stock("AAPL"), "20170714 16:00:00 US/Eastern", "2 M", "1 month", "TRADES", 1, 1, False, [])
    paper.wait_name("historicalDataEnd", r0=604)
    months = [a[1] for a in paper.named("historicalData") if a[0] == 604]
    june = [b for b in months if b.date.startswith("201706")]
    assert [(b.date, b.open, b.high, b.low, b.close, int(b.volume)) for b in june] == [
        ("20170630", 153.169998, 155.979996, 142.199997, 144.020004, 684178100)]
    assert months[-1].date == "20170714"

    for req, what in ((605, "MIDPOINT"), (606, "BID"), (607, "ASK")):
        assert bars_for(paper, req, "", "5 D", what=what) == []
        err = [a for a in paper.errors(162) if a[0] == req]
        assert err and "HMDS query returned no data" in err[0][3], what


def test_zero_quantity_gets_434(paper):
    """[MC] 434 'The order size cannot be zero' (ib_async keeps such an order; 201 would cancel it)."""
    from ibapi.order import Order
    o = Order()
    o.action, o.totalQuantity, o.orderType, o.tif = "BUY", 0, "MKT", "DAY"
    oid = paper.named("nextValidId")[0][0]
    paper.placeOrder(oid, stock("AAPL"), o)
    err = paper.wait(lambda e: e[0] == "error" and e[1][0] == oid, what="434")[0][1]
    assert (err[2], err[3]) == (434, "The order size cannot be zero")


def test_admin_connectivity_events_reach_clients_as_1100_1101_1102(paper):
    """[MC] 1100 lost, 1101 restored - data lost, 1102 restored - data maintained (id -1); the
    connection itself stays up, as with a real Gateway losing its link to IB."""
    expected = {"lost": (1100, "Connectivity between IB and Trader Workstation has been lost."),
                "restored-data-lost": (1101, "Connectivity between IB and Trader Workstation has been restored - data lost."),
                "restored": (1102, "Connectivity between IB and Trader Workstation has been restored - data maintained.")}
    for word, (code, text) in expected.items():
        assert admin(paper.admin_port, f"connectivity {word}", token_file=paper.admin_token) == f"ok sent={code} clients=1"
        got = paper.wait(lambda e: e[0] == "error" and e[1][2] == code, what=str(code))[0][1]
        assert (got[0], got[3]) == (-1, text)
    assert admin(paper.admin_port, "connectivity sideways", token_file=paper.admin_token).startswith("error: usage")
    paper.reqCurrentTime()
    paper.wait_name("currentTime")


def test_pacing_applies_to_small_bars_only(procs, tmp_path):
    """[HL] IB "Historical Data Limitations": the 15 s identical / 6-in-2 s / 60-in-10-min rules are for
    bars of 30 seconds or less. Ten identical daily requests at once are all served; a repeated
    5-second-bar request within 15 s gets 162 (ib-paper then refuses the bar size itself with 321)."""
    _, port, _ = start_paper(binary("ib-paper"), procs, tmp_path, "--as-of", "2017-10-04")
    app = App()
    app.start(port, 10)
    try:
        app.wait_name("nextValidId")
        for req in range(701, 711):
            app.reqHistoricalData(req, stock("AAPL"), "", "5 D", "1 day", "TRADES", 1, 1, False, [])
        for req in range(701, 711):
            app.wait_name("historicalDataEnd", r0=req)
        assert not app.errors(162)
        for req in (720, 721):
            app.reqHistoricalData(req, stock("AAPL"), "", "1800 S", "5 secs", "TRADES", 1, 1, False, [])
        app.wait(lambda e: e[0] == "error" and e[1][0] == 721, what="answer to 721")
        assert [a[2] for a in app.errors() if a[0] == 720] == [321]
        paced = [a for a in app.errors(162) if a[0] == 721]
        assert paced and "pacing violation" in paced[0][3]
    finally:
        app.stop()


def test_account_updates_carry_portfolio_and_values_after_a_fill(paper):
    """reqAccountUpdates: updateAccountValue per tag, updatePortfolio per position, updateAccountTime,
    accountDownloadEnd (before issue 17: only the end marker). A 10-share MKT buy fills at the 2017-10-05
    open 154.179993 (+ $1.00 minimum commission) and is marked at that day's close 155.389999."""
    from ibapi.order import Order
    o = Order()
    o.action, o.totalQuantity, o.orderType, o.tif = "BUY", 10, "MKT", "DAY"
    oid = paper.named("nextValidId")[0][0]
    paper.placeOrder(oid, stock("AAPL"), o)
    paper.wait(lambda e: e[0] == "orderStatus" and e[1][0] == oid, what="order accepted")
    assert admin(paper.admin_port, "advance", token_file=paper.admin_token) == "ok as_of=20171005"
    paper.wait(lambda e: e[0] == "orderStatus" and e[1][0] == oid and e[1][1] == "Filled", what="fill")
    paper.reqAccountUpdates(True, "DU0000001")
    paper.wait_name("accountDownloadEnd")
    (contract, position, price, value, avg, unreal, _, account), = paper.named("updatePortfolio")
    assert (contract.symbol, contract.conId, int(position), price, account) == ("AAPL", 265598, 10, 155.389999, "DU0000001")
    assert (round(value, 5), round(avg, 6), round(unreal, 5)) == (1553.89999, 154.279993, 11.10006)
    values = {a[0]: a[1] for a in paper.named("updateAccountValue")}
    assert {"NetLiquidation", "TotalCashValue", "BuyingPower", "GrossPositionValue"} <= set(values)
    assert float(values["GrossPositionValue"]) == 1553.9
    assert paper.named("updateAccountTime") == [("16:00",)]


def test_fifty_open_historical_requests_then_322(paper):
    """[HL] "The maximum number of simultaneous open historical data requests from the API is 50"; the
    51st gets 322 (TWS's text "Error processing request:-'bS' : cause - Only 50 simultaneous API
    historical data requests allowed.") and is not opened. ib-paper counts every client of the session;
    an open id reused → 322 "Duplicate ticker ID…"; cancelling an open request → 162 "…query cancelled"
    and frees its slot. `hmds hold` keeps requests open so the 50 slots fill without racing the answers."""
    def hold():
        return admin(paper.admin_port, "hmds hold", token_file=paper.admin_token)

    def ask(app, req_id):
        app.reqHistoricalData(req_id, stock("AAPL"), "", "3 D", "1 day", "TRADES", 1, 1, False, [])

    assert hold() == "ok holding open=0"
    other = App()
    other.start(paper.port, 8)
    try:
        other.wait_name("nextValidId")
        for i in range(25):  # 25 per connection: under the 50 messages/s rate, 50 open in all
            ask(paper, 800 + i)
            ask(other, 900 + i)
        wait_for(lambda: hold() == "ok holding open=50", what="50 requests open")
        ask(paper, 801)
        dup = paper.wait(lambda e: e[0] == "error" and e[1][0] == 801, what="322 for a duplicate id")[0][1]
        assert (dup[2], dup[3]) == (322, "Error processing request:-'bS' : cause - Duplicate ticker ID for API historical data query")
        ask(paper, 850)
        err = paper.wait(lambda e: e[0] == "error" and e[1][0] == 850, what="322 for the 51st")[0][1]
        assert (err[0], err[2], err[3]) == (850, 322, "Error processing request:-'bS' : cause - Only 50 simultaneous API historical data requests allowed.")
        assert not paper.named("historicalDataEnd") and not other.named("historicalDataEnd"), "held requests are still open"
        other.cancelHistoricalData(900)
        gone = other.wait(lambda e: e[0] == "error" and e[1][0] == 900, what="162 for the cancel")[0][1]
        assert (gone[2], gone[3]) == (162, "Historical Market Data Service error message:API historical data query cancelled: 900")
        wait_for(lambda: hold() == "ok holding open=49", what="the cancelled slot freed")
        ask(paper, 851)  # the freed slot takes a new request
        wait_for(lambda: hold() == "ok holding open=50", what="851 opened")
        assert admin(paper.admin_port, "hmds release", token_file=paper.admin_token) == "ok released=50"
        for req in [*range(800, 825), 851]:
            paper.wait_name("historicalDataEnd", r0=req)
        for req in range(901, 925):
            other.wait_name("historicalDataEnd", r0=req)
        assert [a[0] for a in other.named("historicalDataEnd")].count(900) == 0, "a cancelled request gets no bars"
        assert {a[0] for a in paper.errors(322)} == {801, 850}
        last = [a[1] for a in paper.named("historicalData") if a[0] == 851]
        assert [(b.date, b.close) for b in last][-1] == ("20171004", 153.479996)  # AAPL.csv 2017-10-04 close
        paper.cancelHistoricalData(800)  # finished: IB's 366
        done = paper.wait(lambda e: e[0] == "error" and e[1][0] == 800, what="366")[0][1]
        assert (done[2], done[3]) == (366, "No historical data query found for ticker id:800")
    finally:
        other.stop()


def test_holidays_and_the_early_close_in_hours_and_end_times(procs, tmp_path):
    """[CD] IB "Contract Details": tradingHours / liquidHours list each day, `yyyyMMdd:CLOSED` for a day
    without a session; [NYSE] Thanksgiving 2017-11-23 closed, 2017-11-24 closes at 13:00 (extended hours
    to 17:00). [HB] a daily bar belongs to an end time at or after that day's close: 13:30 New York on
    the half day includes the 11-24 bar (AAPL.csv 2017-11-24 close 174.970001); 12:59 does not."""
    _, port, admin_port = start_paper(binary("ib-paper"), procs, tmp_path, "--as-of", "2017-11-22", "--no-historical-pacing")
    app = App()
    app.start(port, 11)
    try:
        app.wait_name("nextValidId")
        app.reqContractDetails(61, stock("AAPL"))
        app.wait_name("contractDetailsEnd", r0=61)
        (_, details), = app.named("contractDetails")
        assert details.tradingHours == ("20171122:0400-20171122:2000;20171123:CLOSED;20171124:0400-20171124:1700;20171125:CLOSED;"
                                        "20171126:CLOSED;20171127:0400-20171127:2000;20171128:0400-20171128:2000")
        assert details.liquidHours == ("20171122:0930-20171122:1600;20171123:CLOSED;20171124:0930-20171124:1300;20171125:CLOSED;"
                                       "20171126:CLOSED;20171127:0930-20171127:1600;20171128:0930-20171128:1600")
        assert details.timeZoneId == "US/Eastern"
        assert admin(admin_port, "advance", token_file=tmp_path / "ib-paper-admin.token") == "ok as_of=20171124"
        assert [(b.date, b.close) for b in bars_for(app, 62, "20171124 13:30:00 US/Eastern", "2 D")] == [
            ("20171122", 174.960007), ("20171124", 174.970001)]
        assert [b.date for b in bars_for(app, 63, "20171124 12:59:00 US/Eastern", "2 D")] == ["20171121", "20171122"]
        end = [a for a in app.named("historicalDataEnd") if a[0] == 62]
        assert end and end[0][2] == "20171124 13:00:00 US/Eastern"  # the answer's end: the half day's close
    finally:
        app.stop()


def test_account_summary_and_ledger_after_a_buy_and_a_sell(paper):
    """[AS] IB "Account Summary": the AccountSummaryTags (NetLiquidation, TotalCashValue, GrossPositionValue,
    AvailableFunds, BuyingPower, LookAhead*, HighestSeverity, …) and `$LEDGER` (CashBalance, StockMarketValue,
    NetLiquidationByCurrency, UnrealizedPnL, RealizedPnL, … in the base currency); [AU] account updates send
    the ledger per currency and BASE. Literal values: 10 AAPL bought at the 2017-10-05 open 154.179993 + $1.00,
    marked at that close 155.389999; sold at the 2017-10-06 open 154.970001 − $1.00 (IB fixed commission)."""
    from ibapi.account_summary_tags import AccountSummaryTags
    from ibapi.order import Order

    first_id = paper.named("nextValidId")[0][0]

    def trade(action, oid):
        o = Order()
        o.action, o.totalQuantity, o.orderType, o.tif = action, 10, "MKT", "DAY"
        paper.placeOrder(oid, stock("AAPL"), o)
        paper.wait(lambda e: e[0] == "orderStatus" and e[1][0] == oid, what=f"{action} accepted")
        admin(paper.admin_port, "advance", token_file=paper.admin_token)
        paper.wait(lambda e: e[0] == "orderStatus" and e[1][0] == oid and e[1][1] == "Filled", what=f"{action} filled")

    def summary(req_id):
        paper.reqAccountSummary(req_id, "All", AccountSummaryTags.AllTags + ",$LEDGER")
        paper.wait_name("accountSummaryEnd", r0=req_id)
        paper.cancelAccountSummary(req_id)
        return {(a[2], a[4]): a[3] for a in paper.named("accountSummary") if a[0] == req_id}

    trade("BUY", first_id)
    held = summary(31)
    assert {t: held[(t, "USD")] for t in ("NetLiquidation", "TotalCashValue", "GrossPositionValue", "AvailableFunds", "BuyingPower",
                                          "CashBalance", "StockMarketValue", "UnrealizedPnL", "RealizedPnL", "LookAheadAvailableFunds")} == {
        "NetLiquidation": "100011.1", "TotalCashValue": "98457.2", "GrossPositionValue": "1553.9", "AvailableFunds": "99622.63",
        "BuyingPower": "398490.5", "CashBalance": "98457.2", "StockMarketValue": "1553.9", "UnrealizedPnL": "11.1",
        "RealizedPnL": "0", "LookAheadAvailableFunds": "99622.63"}
    assert (held[("HighestSeverity", "")], held[("AccountType", "")]) == ("0", "INDIVIDUAL")
    assert set(AccountSummaryTags.AllTags.split(",")) - {"ReqTEquity", "ReqTMargin"} <= {t for t, _ in held}, "every tag ibapi knows is answered"
    trade("SELL", first_id + 1)
    flat = summary(32)
    assert {t: flat[(t, "USD")] for t in ("NetLiquidation", "TotalCashValue", "GrossPositionValue", "UnrealizedPnL", "RealizedPnL")} == {
        "NetLiquidation": "100005.9", "TotalCashValue": "100005.9", "GrossPositionValue": "0", "UnrealizedPnL": "0", "RealizedPnL": "5.9"}
    paper.reqAccountUpdates(True, "DU0000001")
    paper.wait_name("accountDownloadEnd")
    values = {(a[0], a[2]): a[1] for a in paper.named("updateAccountValue")}
    assert (values[("RealizedPnL", "USD")], values[("RealizedPnL", "BASE")], values[("CashBalance", "BASE")]) == ("5.9", "5.9", "100005.9")
    assert not paper.named("updatePortfolio"), "no position left"


def test_adjusted_last_from_adj_close_without_look_ahead(paper):
    """[HB] ADJUSTED_LAST is adjusted for dividends. The Yahoo AAPL file's Adj Close encodes the $0.63
    dividends of 2017-08-10 and 2017-11-10; as of 2017-10-04 only the August one has gone ex:
    2017-06-01 close 153.179993 × (1 − 0.63 / 161.059998) = 152.5808 (Yahoo's 152.034271 also holds
    November's, a look-ahead ib-paper must not serve). TRADES stays as traded."""
    closes = {}
    for req, what in ((1501, "ADJUSTED_LAST"), (1502, "TRADES")):
        paper.reqHistoricalData(req, stock("AAPL"), "", "100 D", "1 day", what, 1, 1, False, [])
        paper.wait_name("historicalDataEnd", r0=req)
        closes[what] = {a[1].date: a[1].close for a in paper.named("historicalData") if a[0] == req}
    assert (closes["ADJUSTED_LAST"]["20170601"], closes["TRADES"]["20170601"]) == (152.5808, 153.179993)
    assert closes["ADJUSTED_LAST"]["20171004"] == closes["TRADES"]["20171004"] == 153.479996


def test_gzipped_csv_is_served_and_corrupt_gzip_stops_startup(procs, tmp_path):
    """`SYMBOL.csv.gz` (as ../shared/data/sp500-daily ships) is read like the plain file, a CSV with no bar
    columns beside it (sp500-daily's constituents.csv) is skipped with a warning; as of 2018-01-19
    both 2017 dividends are past, so ADJUSTED_LAST for 2017-06-01 is 152.0343 (Yahoo's Adj Close 152.034271).
    A corrupt .gz stops ib-paper at start with a message naming the file, never a crash or a silent skip."""
    import gzip
    import subprocess
    data = tmp_path / "data"
    data.mkdir()
    (data / "AAPL.csv.gz").write_bytes(gzip.compress((ROOT / "deploy" / "data" / "daily" / "AAPL.csv").read_bytes()))
    (data / "constituents.csv").write_text("symbol,name,sector\nAAPL,Apple Inc.,Information Technology\n")  # as in sp500-daily
    _, port, _ = start_paper(binary("ib-paper"), procs, tmp_path, "--data", str(data), "--as-of", "2018-01-19")
    app = App()
    app.start(port, 12)
    try:
        app.wait_name("nextValidId")
        for req, what in ((1601, "ADJUSTED_LAST"), (1602, "TRADES")):
            app.reqHistoricalData(req, stock("AAPL"), "", "200 D", "1 day", what, 1, 1, False, [])
            app.wait_name("historicalDataEnd", r0=req)
        adj = {a[1].date: a[1].close for a in app.named("historicalData") if a[0] == 1601}
        trades = {a[1].date: a[1].close for a in app.named("historicalData") if a[0] == 1602}
        assert (adj["20170601"], trades["20170601"], trades["20180119"]) == (152.0343, 153.179993, 178.460007)
        assert "data.not_bars file=constituents.csv" in (tmp_path / "ib-paper.log").read_text(), "a non-bar CSV is skipped with a warning"
    finally:
        app.stop()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ZZZ.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage, not deflate")
    (tmp_path / "s2").mkdir()
    run = subprocess.run([binary("ib-paper"), "--port", "0", "--state", str(tmp_path / "s2"), "--data", str(bad)],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "ZZZ.csv.gz" in run.stderr and "gzip" in run.stderr, (run.returncode, run.stderr[-500:])
