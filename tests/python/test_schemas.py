"""docs/schemas matches the Swift models: every message type Swift encodes validates against its
schema, invalid payloads that Swift refuses are refused by the schema too, and the committed
schemas are what scripts/gen-schemas.py generates."""
import json
import pathlib
import subprocess
import sys

import jsonschema
import pytest

from conftest import ROOT, binary

SCHEMAS = ROOT / "docs" / "schemas"

SAMPLES = {
    "heartbeat": {"process": "chart-worker", "instance": "chart-worker.1", "pid": 42, "host": "h",
                  "started_at": "2024-01-01T00:00:00Z", "state": "running", "interval_s": 2, "counters": {"jobs": 3},
                  "alerts": [{"kind": "intent_unknown", "id": "cw-0123456789abcdef0123", "detail": "SPY: not confirmed at IB"}]},
    "bus.probe": {"n": 3, "body": "x"},
    "market_data": {"symbol": "AAPL", "bars": [
        {"timestamp": "2024-01-02", "open": 10, "high": 12, "low": 9, "close": 11, "volume": 100},
        {"timestamp": "2024-01-03", "open": 11, "high": 12.5, "low": 10.5, "close": 12, "volume": 0}],
        "fetched_at": "2024-01-04T00:00:00Z"},
    "indicators": {"symbol": "AAPL", "timestamp": "2024-01-03", "sma_20": 10.5, "rsi_14": 61.2, "bb_upper": 12,
                   "bb_middle": 11, "bb_lower": 10},
    "chart.result": {"job_id": "j1", "symbol": "AAPL", "status": "ok", "worker": "chart-worker.1", "render_ms": 11.5,
                     "charts": [{"symbol": "AAPL", "timeframe": "daily", "width": 1920, "height": 1080, "attachment": 0,
                                 "byte_size": 1234, "sha256": "ab" * 32, "indicators_drawn": ["rsi"], "bars_shown": 60,
                                 "rendered_at": "2024-01-03T00:00:00Z"},
                                {"symbol": "AAPL", "timeframe": "weekly", "width": 1920, "height": 1080, "attachment": 1,
                                 "byte_size": 1000, "sha256": "cd" * 32, "indicators_drawn": [], "bars_shown": 52,
                                 "rendered_at": "2024-01-03T00:00:00Z"}],
                     "indicators": {"symbol": "AAPL", "timestamp": "2024-01-03", "rsi_14": 50}},
    "chart.job": {"job_id": "j1", "market_data": {"symbol": "AAPL", "bars": [
        {"timestamp": "2024-01-02", "open": 10, "high": 12, "low": 9, "close": 11, "volume": 100}],
        "fetched_at": "2024-01-04T00:00:00Z"},
        "daily": {"symbol": "AAPL", "timeframe": "daily"}, "weekly": {"symbol": "AAPL", "timeframe": "weekly"}},
    "analysis.job": {"job_id": "a1", "symbol": "AAPL", "last_close": 101.5, "chart_low": 90, "chart_high": 110,
                     "indicators": {"symbol": "AAPL", "timestamp": "2024-01-03", "rsi_14": 50}},
    "analysis.result": {"job_id": "a1", "input_tokens": 10, "output_tokens": 5, "latency_ms": 3.5, "attempts": 1,
                        "cached": False, "worker": "llm-worker.1", "reasons": ["x"], "raw_answer": "not json",
                        "signal": {"signal_id": "s1", "symbol": "AAPL", "action": "HOLD", "confidence": "LOW",
                                   "confidence_score": 0, "reasoning": "refused", "timestamp": "2024-01-03T00:00:00Z"}},
    "signal": {"signal_id": "s1", "symbol": "AAPL", "action": "SELL", "confidence": "MEDIUM", "confidence_score": 55,
               "entry_price": 100, "stop_loss": 104, "take_profit": 92, "reasoning": "r", "key_factors": ["k"],
               "timestamp": "2024-01-03T00:00:00Z"},
    "order.update": {"symbol": "AAPL", "side": "BUY", "quantity": 10, "order_type": "STOP_LIMIT", "limit_price": 101,
                     "stop_price": 100, "order_ref": "cw-1", "status": "submitted"},
    "trade": {"symbol": "AAPL", "side": "BUY", "executions": [
        {"execution_id": "e1", "symbol": "AAPL", "side": "BUY", "quantity": 4, "price": 100, "commission": 1,
         "timestamp": "2024-01-03T15:00:00Z"}]},
    "portfolio": {"account": "DU1", "cash": 1000, "timestamp": "2024-01-03T00:00:00Z", "positions": [
        {"symbol": "AAPL", "quantity": 5, "average_cost": 100, "market_price": 101}]},
}

INTENT = "cw-3f2a9c1b7d4e5f60a1b2"
BUY_SIGNAL = {"signal_id": "s2", "symbol": "MSFT", "action": "BUY", "confidence": "HIGH", "confidence_score": 78,
              "entry_price": 400.5, "stop_loss": 390, "take_profit": 425, "reasoning": "breakout above the 50-day SMA",
              "key_factors": ["volume", "rsi 62"], "model": "claude", "provider": "anthropic", "prompt_version": "v3",
              "timestamp": "2024-01-03T21:00:00.000Z"}
BRACKET = {"intent_id": INTENT, "run_id": "run-20240103-1", "symbol": "MSFT", "signal_id": "s2", "legs": [
    {"role": "entry", "order_ref": f"{INTENT}-E", "side": "BUY", "order_type": "LIMIT", "quantity": 10, "limit_price": 400.5,
     "tif": "DAY", "outside_rth": False},
    {"role": "take_profit", "order_ref": f"{INTENT}-TP", "side": "SELL", "order_type": "LIMIT", "quantity": 10,
     "limit_price": 425, "tif": "GTC", "outside_rth": False},
    {"role": "stop_loss", "order_ref": f"{INTENT}-SL", "side": "SELL", "order_type": "STOP", "quantity": 10, "stop_price": 390,
     "tif": "GTC", "outside_rth": False}],
    "oca_group": INTENT, "account": "DU1", "notional": 4005, "opening": True, "received_at": "2024-01-03T21:00:01.250Z"}
BROKER_ORDER = {"order_ref": f"{INTENT}-E", "broker_order_id": 7, "perm_id": 1234567, "symbol": "MSFT", "side": "BUY",
                "order_type": "LMT", "quantity": 10, "filled": 4, "avg_fill_price": 400.25, "status": "Submitted",
                "parent_id": 0, "oca_group": ""}
EXECUTION = {"execution_id": "0000e0d5.65a4b1c2.01.01", "symbol": "MSFT", "side": "BUY", "quantity": 4, "price": 400.25,
             "commission": 1.0, "order_ref": f"{INTENT}-E", "broker_order_id": 7, "exchange": "ISLAND",
             "timestamp": "2024-01-03T21:00:02.000Z"}

# Every type of MessageCatalog.standard beyond the original twelve (orders, router, trading state, run tracking).
SAMPLES |= {
    "order.place": BRACKET,
    "order.ack": {"intent_id": INTENT, "broker_ids": {f"{INTENT}-E": 7, f"{INTENT}-TP": 8, f"{INTENT}-SL": 9},
                  "duplicate": False, "signal_to_socket_us": 850},
    "order.rejected": {"intent_id": INTENT, "order_ref": f"{INTENT}-E", "code": 201,
                       "message": "Order rejected - reason: insufficient buying power", "outcome_unknown": False},
    "order.cancel": {"intent_id": INTENT, "reason": "halt"},
    "broker.sync": {"reason": "reconnect"},
    "broker.order": BROKER_ORDER,
    "broker.execution": dict(EXECUTION, realized_pnl=0),
    "broker.snapshot": {"accounts": ["DU1"], "orders": [BROKER_ORDER], "executions": [EXECUTION],
                        "portfolio": {"account": "DU1", "cash": 96000, "timestamp": "2024-01-03T21:00:03Z", "positions": [
                            {"symbol": "MSFT", "quantity": 4, "average_cost": 400.25, "market_price": 401}]},
                        "account_values": {"NetLiquidation": "97604.00", "TotalCashValue": "96000.00"},
                        "connection_epoch": 1, "taken_at": "2024-01-03T21:00:03.000Z", "ib_time": "2024-01-03T21:00:03.000Z"},
    "broker.time": {"ib_time": "2017-10-04T20:00:05.000Z"},
    "portfolio.request": {"reason": "after fill"},
    "signal.submit": {"run_id": "run-20240103-1", "signal": BUY_SIGNAL, "last_price": 400.1, "source": "candlewick-run"},
    "router.decision": {"run_id": "run-20240103-1", "symbol": "MSFT", "signal_id": "s2", "intent_id": INTENT,
                        "outcome": "placed", "clamps": [{"code": "order_notional_clamped",
                                                         "detail": "quantity 25 -> 10 (max order notional 5000)"}],
                        "plan": BRACKET, "broker_ids": {f"{INTENT}-E": 7, f"{INTENT}-TP": 8, f"{INTENT}-SL": 9},
                        "signal_to_socket_us": 850},
    "trading.command": {"action": "halt", "reason": "manual kill switch", "source": "alice"},
    "trading.state": {"state": "HALTED", "reason": "manual kill switch", "changed_at": "2024-01-03T21:05:00.000Z",
                      "daily_notional": 4005, "daily_realized_pnl": -12.5,
                      "cleanup": {"cancelled_intents": [INTENT], "problems": [],
                                  "exits": [{"intent_id": INTENT, "symbol": "MSFT", "side": "SELL", "quantity": 10, "outcome": "placed"}]}},
    "run.started": {"run_id": "run-20240103-1", "symbols": ["AAPL", "MSFT", "BRK.B"],
                    "params": {"llm_provider": "anthropic", "position_size": "0.05"}, "started_at": "2024-01-03T21:00:00Z"},
    "run.symbol": {"run_id": "run-20240103-1", "symbol": "MSFT", "signal": BUY_SIGNAL, "raw_answer": "{\"action\": \"BUY\"}",
                   "reasons": [], "llm_provider": "anthropic", "llm_model": "claude", "prompt_version": "v3",
                   "input_tokens": 1800, "output_tokens": 240, "llm_latency_ms": 2350.5, "latest_price": 400.1,
                   "stage_timings": {"charts": 0.42, "analysis": 2.4}, "trail": {"seq": 2, "outbox": "/srv/runs/run-20240103-1/outbox"}},
    "run.finished": {"run_id": "run-20240103-1", "status": "FINISHED", "totals": {"symbols": 3, "actionable": 1, "failed": 0},
                     "finished_at": "2024-01-03T21:10:00Z",
                     "trail": {"seq": 3, "outbox": "/srv/runs/run-20240103-1/outbox", "symbols": ["MSFT"]}},
    "live.symbol": {"run_id": "run-20240103-1", "symbol": "MSFT", "signal": BUY_SIGNAL, "reasons": [], "llm_provider": "anthropic",
                    "llm_model": "claude", "prompt_version": "v3", "input_tokens": 1800, "output_tokens": 240, "llm_latency_ms": 2350.5,
                    "latest_price": 400.1, "stage_timings": {"charts": 0.42, "analysis": 2.4}, "run_folder": "run-20240103-1",
                    "chart_files": {"daily": "charts/MSFT/MSFT_daily.png", "weekly": "charts/MSFT/MSFT_weekly.png"}},
}

# gateway-bridge's command messages (in MessageCatalog.standard, so Swift encodes them like the rest).
SAMPLES |= {
    "market_data.request": {"symbol": "AAPL", "duration_days": 365},
    "gateway.error": {"symbol": "-", "code": 162, "message": "Historical Market Data Service error message:HMDS query returned no data"},
}

INVALID = {
    "market_data.request": dict(SAMPLES["market_data.request"], duration_days=0),   # must be in 1...10000
    "gateway.error": {"symbol": "AAPL", "code": 200},                                  # message missing
    "analysis.job": dict(SAMPLES["analysis.job"], last_close=0),
    "signal": dict(SAMPLES["signal"], confidence_score=75),          # outside MEDIUM band
    "order.update": {k: v for k, v in SAMPLES["order.update"].items() if k != "limit_price"},
    "market_data": dict(SAMPLES["market_data"], symbol="aapl"),
    "chart.result": dict(SAMPLES["chart.result"], status="failed"),  # failed without an error
    "heartbeat": dict(SAMPLES["heartbeat"], pid=0),
    "portfolio": dict(SAMPLES["portfolio"], positions=[dict(SAMPLES["portfolio"]["positions"][0], quantity=0)]),
    "order.place": dict(BRACKET, legs=[BRACKET["legs"][0], BRACKET["legs"][2], BRACKET["legs"][1]]),  # bracket out of order
    "order.ack": {k: v for k, v in SAMPLES["order.ack"].items() if k != "duplicate"},
    "order.rejected": {k: v for k, v in SAMPLES["order.rejected"].items() if k != "outcome_unknown"},
    "order.cancel": dict(SAMPLES["order.cancel"], intent_id=" "),
    "broker.sync": {},
    "broker.order": dict(BROKER_ORDER, side="HOLD"),
    "broker.execution": dict(EXECUTION, commission=-1),
    "broker.snapshot": {k: v for k, v in SAMPLES["broker.snapshot"].items() if k != "portfolio"},
    "broker.time": {"ib_time": "yesterday"},
    "signal.submit": dict(SAMPLES["signal.submit"], last_price=0),
    "router.decision": dict(SAMPLES["router.decision"], outcome="maybe"),
    "trading.command": {"action": "halt", "source": "alice"},                      # halt needs a reason
    "trading.state": dict(SAMPLES["trading.state"], state="PAUSED"),
    "run.started": dict(SAMPLES["run.started"], symbols=["AAPL", "msft"]),
    "run.symbol": dict(SAMPLES["run.symbol"], input_tokens=-1),
    "run.finished": dict(SAMPLES["run.finished"], status="DONE"),
    "live.symbol": dict(SAMPLES["live.symbol"], chart_files={"daily": "../../etc/passwd"}),   # escapes the run folder
}

# More refusals for the order path, where a mistake costs money: (type, what is wrong, payload).
INVALID_MORE = [
    ("order.place", "leg quantity 0", dict(BRACKET, legs=[dict(BRACKET["legs"][0], quantity=0)] + BRACKET["legs"][1:])),
    ("order.place", "two legs", dict(BRACKET, legs=BRACKET["legs"][:2])),
    ("order.place", "no legs", dict(BRACKET, legs=[])),
    ("order.place", "lower-case symbol", dict(BRACKET, symbol="msft")),
    ("order.place", "bad tif", dict(BRACKET, legs=[dict(BRACKET["legs"][0], tif="FOK")] + BRACKET["legs"][1:])),
    ("order.place", "take-profit LIMIT leg without limit_price",
     dict(BRACKET, legs=[BRACKET["legs"][0], {k: v for k, v in BRACKET["legs"][1].items() if k != "limit_price"}, BRACKET["legs"][2]])),
    ("order.place", "negative stop price", dict(BRACKET, legs=BRACKET["legs"][:2] + [dict(BRACKET["legs"][2], stop_price=-5)])),
    ("order.place", "a single entry without its bracket", dict(BRACKET, legs=BRACKET["legs"][:1], oca_group=None)),
    ("order.place", "negative notional", dict(BRACKET, notional=-1)),
    ("order.place", "empty run_id", dict(BRACKET, run_id="")),
    ("signal.submit", "empty source", dict(SAMPLES["signal.submit"], source="")),
    ("signal.submit", "signal outside its band", dict(SAMPLES["signal.submit"], signal=dict(BUY_SIGNAL, confidence_score=50))),
    ("trading.command", "unknown action", dict(SAMPLES["trading.command"], action="pause")),
    ("trading.command", "flatten without a reason", {"action": "flatten", "source": "alice"}),
    ("trading.command", "cancel_all with a blank reason", {"action": "cancel_all", "reason": " ", "source": "alice"}),
    ("router.decision", "clamps missing", {k: v for k, v in SAMPLES["router.decision"].items() if k != "clamps"}),
    ("router.decision", "unknown note code", dict(SAMPLES["router.decision"], note={"code": "too_risky", "detail": "x"})),
    ("run.started", "empty parameter name", dict(SAMPLES["run.started"], params={"": "x"})),
    ("run.symbol", "latest_price 0", dict(SAMPLES["run.symbol"], latest_price=0)),
    ("run.symbol", "trail seq 0", dict(SAMPLES["run.symbol"], trail={"seq": 0})),
    ("run.finished", "trail outbox relative", dict(SAMPLES["run.finished"], trail={"seq": 3, "outbox": "runs/x/outbox"})),
    ("live.symbol", "absolute chart path", dict(SAMPLES["live.symbol"], chart_files={"daily": "/srv/runs/x/charts/MSFT_daily.png"})),
    ("live.symbol", "unknown chart timeframe", dict(SAMPLES["live.symbol"], chart_files={"monthly": "charts/MSFT/MSFT_monthly.png"})),
    ("live.symbol", "run folder with a slash", dict(SAMPLES["live.symbol"], run_folder="runs/run-20240103-1")),
    ("live.symbol", "latest_price 0", dict(SAMPLES["live.symbol"], latest_price=0)),
]


def schema(name):
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text())


def validate(instance, name):
    """Validates with $refs to sibling schemas resolved from docs/schemas."""
    from referencing import Registry, Resource
    registry = Registry().with_resources(
        (f"candlewick/{p.name}", Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.schema.json"))
    jsonschema.Draft202012Validator(schema(name), registry=registry).validate(instance)


def swift_encode(type_, payload):
    r = subprocess.run([binary("candlewick"), "send", "--dry-run", "--type", type_, "--payload", json.dumps(payload)],
                       capture_output=True, timeout=30)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


@pytest.mark.parametrize("type_", sorted(SAMPLES))
def test_swift_encoded_messages_validate(type_):
    rc, out, err = swift_encode(type_, SAMPLES[type_])
    assert rc == 0, err
    env = json.loads(out.splitlines()[0])
    jsonschema.validate(env, schema("envelope"))
    assert env["type"] == type_
    validate(env["payload"], type_)


@pytest.mark.parametrize("type_", sorted(INVALID))
def test_invalid_payloads_refused_by_swift_and_schema(type_):
    rc, out, err = swift_encode(type_, INVALID[type_])
    assert rc != 0 and "invalid" in err
    with pytest.raises(jsonschema.ValidationError):
        validate(INVALID[type_], type_)


@pytest.mark.parametrize("type_,why,payload", INVALID_MORE, ids=[f"{t}:{w}" for t, w, _ in INVALID_MORE])
def test_more_invalid_order_path_payloads_refused_by_swift_and_schema(type_, why, payload):
    rc, out, err = swift_encode(type_, payload)
    assert rc != 0 and "invalid" in err, f"Swift accepted {type_} with {why}"
    with pytest.raises(jsonschema.ValidationError):
        validate(payload, type_)


def swift_catalog():
    """MessageCatalog.standard's type names, as `candlewick send` lists them when refusing an unknown type."""
    rc, out, err = swift_encode("no.such.type", {})
    assert rc != 0 and "known: " in err, err
    return set(err.split("known: ", 1)[1].splitlines()[0].split(", "))


def test_every_catalog_type_has_a_schema():
    catalog = swift_catalog()
    assert "heartbeat" in catalog and "order.place" in catalog, catalog
    assert set(SAMPLES) == catalog, "every catalog type needs a Swift-checked sample"
    names = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    assert names == catalog | {"envelope"}


def test_committed_schemas_are_generated(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen-schemas.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.OUT = tmp_path
    gen.main()
    for f in tmp_path.iterdir():
        assert f.read_text() == (SCHEMAS / f.name).read_text(), f"{f.name} is stale: run scripts/gen-schemas.py"
