#!/usr/bin/env python3
"""Writes docs/schemas/*.schema.json: one JSON Schema (draft 2020-12) per bus message type plus the
envelope. The Swift models are the source of truth; tests/python/test_schemas.py checks that
Swift-encoded messages validate and that invalid ones do not. Run after changing a model."""
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parents[1] / "docs" / "schemas"
TS = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$"}
PRICE = {"type": "number", "exclusiveMinimum": 0}
OPT_PRICE = {"type": ["number", "null"], "exclusiveMinimum": 0}
SYMBOL = {"type": "string", "pattern": r"^[A-Z0-9./ -]{1,32}$"}
NONEMPTY = {"type": "string", "minLength": 1, "pattern": r"\S"}
NUM_OR_NULL = {"type": ["number", "null"]}


def obj(props, required, extra=True):
    return {"type": "object", "properties": props, "required": required, "additionalProperties": extra}


BAR = obj({"timestamp": TS, "open": PRICE, "high": PRICE, "low": PRICE, "close": PRICE,
           "volume": {"type": "number", "minimum": 0}}, ["timestamp", "open", "high", "low", "close", "volume"])
SIDE = {"enum": ["BUY", "SELL"]}
CHART_RESULT = obj({
        "symbol": SYMBOL, "timeframe": {"enum": ["daily", "weekly"]}, "width": {"type": "integer", "minimum": 1},
        "height": {"type": "integer", "minimum": 1}, "file_path": {"type": "string", "minLength": 1},
        "attachment": {"type": "integer", "minimum": 0}, "byte_size": {"type": "integer", "minimum": 1},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "indicators_drawn": {"type": "array", "items": {"type": "string"}},
        "bars_shown": {"type": "integer", "minimum": 1}, "rendered_at": TS,
    }, ["symbol", "timeframe", "width", "height", "byte_size", "sha256", "bars_shown", "rendered_at"])

CHART_CONFIG = obj({
    "symbol": SYMBOL, "timeframe": {"enum": ["daily", "weekly"]}, "lookback_periods": {"type": "integer", "minimum": 1},
    "width": {"type": "integer", "minimum": 320, "maximum": 8192}, "height": {"type": "integer", "minimum": 240, "maximum": 8192},
    "indicators": {"type": "array", "items": {"enum": ["sma_20", "sma_50", "sma_200", "bollinger", "volume", "rsi", "macd"]}},
}, ["symbol", "timeframe"])

PAYLOADS = {
    "heartbeat": obj({
        "process": NONEMPTY, "instance": NONEMPTY, "pid": {"type": "integer", "minimum": 1}, "host": {"type": "string"},
        "started_at": TS, "state": {"type": "string"}, "interval_s": {"type": "number", "exclusiveMinimum": 0},
        "counters": {"type": "object", "additionalProperties": {"type": "number"}},
    }, ["process", "instance", "pid", "host", "started_at", "state", "interval_s"]),
    "bus.probe": obj({"n": {"type": "integer", "minimum": 0}, "body": {"type": "string", "maxLength": 1048576}}, ["n", "body"]),
    "market_data": obj({
        "symbol": SYMBOL, "exchange": NONEMPTY, "currency": NONEMPTY, "timeframe": {"enum": ["daily", "weekly"]},
        "bars": {"type": "array", "minItems": 1, "items": BAR}, "fetched_at": TS, "latest_price": PRICE,
    }, ["symbol", "bars", "fetched_at"]),
    "indicators": obj(dict({"symbol": SYMBOL, "timestamp": TS, "rsi_14": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
                            "atr_14": {"type": ["number", "null"], "minimum": 0}},
                           **{k: NUM_OR_NULL for k in ["sma_20", "sma_50", "sma_200", "macd", "macd_signal", "macd_histogram",
                                                       "bb_upper", "bb_middle", "bb_lower"]}), ["symbol", "timestamp"]),
    "chart.job": obj({
        "job_id": NONEMPTY, "market_data": {"$ref": "market_data.schema.json"}, "daily": CHART_CONFIG, "weekly": CHART_CONFIG,
        "artifact_dir": {"type": ["string", "null"]},
    }, ["job_id", "market_data", "daily", "weekly"]),
    "chart.result": obj({
        "job_id": NONEMPTY, "symbol": {"type": "string"}, "status": {"enum": ["ok", "failed"]},
        "charts": {"type": "array", "items": CHART_RESULT, "maxItems": 2},
        "indicators": {"anyOf": [{"$ref": "indicators.schema.json"}, {"type": "null"}]},
        "weekly_indicators": {"anyOf": [{"$ref": "indicators.schema.json"}, {"type": "null"}]},
        "error": {"type": ["string", "null"]}, "worker": NONEMPTY, "render_ms": {"type": "number", "minimum": 0},
        "last_close": {"type": ["number", "null"], "exclusiveMinimum": 0},
    }, ["job_id", "symbol", "status", "worker", "render_ms"]) | {
        "allOf": [
            {"if": {"properties": {"status": {"const": "ok"}}}, "then": {"required": ["charts", "indicators"],
                                                                          "properties": {"charts": {"minItems": 2}}}},
            {"if": {"properties": {"status": {"const": "failed"}}}, "then": {"required": ["error"],
                                                                              "properties": {"error": NONEMPTY}}},
        ],
    },
    "analysis.job": obj({
        "job_id": NONEMPTY, "symbol": SYMBOL, "last_close": PRICE, "chart_low": PRICE, "chart_high": PRICE,
        "indicators": {"$ref": "indicators.schema.json"},
        "weekly_indicators": {"anyOf": [{"$ref": "indicators.schema.json"}, {"type": "null"}]},
        "position": {"type": ["number", "null"]},
    }, ["job_id", "symbol", "last_close", "chart_low", "chart_high", "indicators"]),
    "analysis.result": obj({
        "job_id": NONEMPTY, "signal": {"$ref": "signal.schema.json"}, "reasons": {"type": "array", "items": {"type": "string"}},
        "raw_answer": {"type": "string"}, "input_tokens": {"type": "integer", "minimum": 0},
        "output_tokens": {"type": "integer", "minimum": 0}, "image_tokens": {"type": ["integer", "null"]},
        "latency_ms": {"type": "number", "minimum": 0}, "attempts": {"type": "integer", "minimum": 0},
        "cached": {"type": "boolean"}, "worker": NONEMPTY,
    }, ["job_id", "signal", "input_tokens", "output_tokens", "latency_ms", "attempts", "cached", "worker"]),
    "signal": obj({
        "signal_id": NONEMPTY, "symbol": SYMBOL, "action": {"enum": ["BUY", "SELL", "HOLD"]},
        "confidence": {"enum": ["HIGH", "MEDIUM", "LOW"]}, "confidence_score": {"type": "number", "minimum": 0, "maximum": 100},
        "entry_price": OPT_PRICE, "stop_loss": OPT_PRICE, "take_profit": OPT_PRICE, "reasoning": NONEMPTY,
        "key_factors": {"type": "array", "items": NONEMPTY}, "daily_analysis": {"type": ["string", "null"]},
        "weekly_analysis": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]},
        "provider": {"type": ["string", "null"]}, "prompt_version": {"type": ["string", "null"]}, "timestamp": TS,
        "is_actionable": {"type": "boolean"}, "risk_reward_ratio": NUM_OR_NULL,
    }, ["signal_id", "symbol", "action", "confidence", "confidence_score", "reasoning", "timestamp"]) | {
        "description": "Confidence bands: HIGH 70-100, MEDIUM 40-69.99, LOW 0-39.99. BUY: stop_loss < entry_price < take_profit; SELL: take_profit < entry_price < stop_loss.",
        "allOf": [
            {"if": {"properties": {"confidence": {"const": "HIGH"}}}, "then": {"properties": {"confidence_score": {"minimum": 70}}}},
            {"if": {"properties": {"confidence": {"const": "MEDIUM"}}}, "then": {"properties": {"confidence_score": {"minimum": 40, "exclusiveMaximum": 70}}}},
            {"if": {"properties": {"confidence": {"const": "LOW"}}}, "then": {"properties": {"confidence_score": {"exclusiveMaximum": 40}}}},
        ],
    },
    "order.update": obj({
        "symbol": SYMBOL, "side": SIDE, "quantity": PRICE,
        "order_type": {"enum": ["MARKET", "LIMIT", "STOP", "STOP_LIMIT"]}, "limit_price": PRICE, "stop_price": PRICE,
        "tif": {"enum": ["DAY", "GTC", "IOC", "OPG"]},
        "status": {"enum": ["pending", "submitted", "partially_filled", "filled", "cancelled", "rejected"]},
        "filled_quantity": {"type": "number", "minimum": 0}, "avg_fill_price": PRICE, "order_ref": NONEMPTY,
        "broker_order_id": {"type": "integer"}, "parent_id": {"type": "integer"}, "oca_group": {"type": "string"},
        "outside_rth": {"type": "boolean"}, "created_at": TS, "remaining_quantity": {"type": "number", "minimum": 0},
    }, ["symbol", "side", "quantity", "order_type"]) | {
        "allOf": [
            {"if": {"properties": {"order_type": {"enum": ["LIMIT", "STOP_LIMIT"]}}}, "then": {"required": ["limit_price"]}},
            {"if": {"properties": {"order_type": {"enum": ["STOP", "STOP_LIMIT"]}}}, "then": {"required": ["stop_price"]}},
        ],
    },
    "trade": obj({
        "symbol": SYMBOL, "side": SIDE, "order_ref": {"type": ["string", "null"]},
        "executions": {"type": "array", "items": obj({
            "execution_id": NONEMPTY, "symbol": SYMBOL, "side": SIDE, "quantity": PRICE, "price": PRICE,
            "commission": {"type": "number", "minimum": 0}, "order_ref": {"type": "string"},
            "broker_order_id": {"type": "integer"}, "exchange": {"type": "string"}, "timestamp": TS,
        }, ["execution_id", "symbol", "side", "quantity", "price", "timestamp"])},
        "total_quantity": {"type": "number"}, "average_price": NUM_OR_NULL, "total_commission": {"type": "number"},
        "notional": {"type": "number"},
    }, ["symbol", "side", "executions"]),
    "portfolio": obj({
        "account": {"type": ["string", "null"]}, "cash": {"type": "number"}, "timestamp": TS,
        "positions": {"type": "array", "items": obj({
            "symbol": SYMBOL, "quantity": {"type": "number", "not": {"const": 0}}, "average_cost": PRICE,
            "market_price": PRICE, "realized_pnl": {"type": "number"}, "market_value": {"type": "number"},
            "unrealized_pnl": {"type": "number"},
        }, ["symbol", "quantity", "average_cost", "market_price"])},
        "total_value": {"type": "number"}, "cash_percentage": {"type": "number"}, "unrealized_pnl": {"type": "number"},
        "realized_pnl": {"type": "number"},
    }, ["cash", "positions", "timestamp"]),
}

ENVELOPE = obj({
    "v": {"const": 1}, "id": NONEMPTY, "type": NONEMPTY, "source": NONEMPTY, "seq": {"type": "integer", "minimum": 1},
    "ts": TS, "run_id": {"type": ["string", "null"]}, "causation_id": {"type": ["string", "null"]},
    "attachments": {"type": "array", "items": obj({
        "index": {"type": "integer", "minimum": 0}, "name": NONEMPTY, "content_type": NONEMPTY,
        "size": {"type": "integer", "minimum": 0}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }, ["index", "name", "content_type", "size", "sha256"])},
    "payload": {"type": "object"},
}, ["v", "id", "type", "source", "seq", "ts", "payload"])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    docs = {"envelope": ENVELOPE}
    for t, schema in PAYLOADS.items():
        docs[t] = schema
    for name, schema in docs.items():
        full = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"candlewick/{name}.schema.json",
                "title": f"Candlewick {name}"} | schema
        (OUT / f"{name}.schema.json").write_text(json.dumps(full, indent=2, sort_keys=False) + "\n")
    print(f"wrote {len(docs)} schemas to {OUT}")


if __name__ == "__main__":
    main()
