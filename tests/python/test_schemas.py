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
                  "started_at": "2024-01-01T00:00:00Z", "state": "running", "interval_s": 2, "counters": {"jobs": 3}},
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

INVALID = {
    "analysis.job": dict(SAMPLES["analysis.job"], last_close=0),
    "signal": dict(SAMPLES["signal"], confidence_score=75),          # outside MEDIUM band
    "order.update": {k: v for k, v in SAMPLES["order.update"].items() if k != "limit_price"},
    "market_data": dict(SAMPLES["market_data"], symbol="aapl"),
    "chart.result": dict(SAMPLES["chart.result"], status="failed"),  # failed without an error
    "heartbeat": dict(SAMPLES["heartbeat"], pid=0),
    "portfolio": dict(SAMPLES["portfolio"], positions=[dict(SAMPLES["portfolio"]["positions"][0], quantity=0)]),
}


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


def test_every_catalog_type_has_a_schema():
    names = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    assert names == set(SAMPLES) | {"envelope"}


def test_committed_schemas_are_generated(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen-schemas.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.OUT = tmp_path
    gen.main()
    for f in tmp_path.iterdir():
        assert f.read_text() == (SCHEMAS / f.name).read_text(), f"{f.name} is stale: run scripts/gen-schemas.py"
