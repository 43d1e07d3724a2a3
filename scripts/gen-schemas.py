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


def nullable(schema):
    """An optional field Swift decodes with decodeIfPresent: absent or null both mean "not given"."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return schema | {"type": types + ["null"]}


def ref(name):
    return {"$ref": f"{name}.schema.json"}


BAR = obj({"timestamp": TS, "open": PRICE, "high": PRICE, "low": PRICE, "close": PRICE,
           "volume": {"type": "number", "minimum": 0}}, ["timestamp", "open", "high", "low", "close", "volume"])
SIDE = {"enum": ["BUY", "SELL"]}
ORDER_TYPE = {"enum": ["MARKET", "LIMIT", "STOP", "STOP_LIMIT"]}
TIF = {"enum": ["DAY", "GTC", "IOC", "OPG"]}
INT_MAP = {"type": "object", "additionalProperties": {"type": "integer"}}
NUM_MAP = {"type": "object", "additionalProperties": {"type": "number"}}
STR_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
# A path segment a reader may join to a directory: not empty, not starting with '.', no '/', '\\' or NUL.
_SEGMENT = r"[^./\\\x00][^/\\\x00]*"
PLAIN_SEGMENT = {"type": "string", "pattern": "^" + _SEGMENT + "$"}
PLAIN_PATH = f"^{_SEGMENT}(/{_SEGMENT})*$"
# A run.* record's place in its run's audit trail (docs/tracking.md): seq 1…n, the run owner's outbox
# directory, and on run.finished the symbols that have a record.
TRAIL = nullable(obj({"seq": {"type": "integer", "minimum": 1}, "outbox": nullable({"type": "string", "pattern": "^/"}),
                      "symbols": nullable({"type": "array", "items": SYMBOL})}, ["seq"]))
# TradeExecution: a fill (inside `trade`, alone as `broker.execution`, listed in `broker.snapshot`).
EXECUTION = obj({
    "execution_id": NONEMPTY, "symbol": SYMBOL, "side": SIDE, "quantity": PRICE, "price": PRICE,
    "commission": {"type": "number", "minimum": 0}, "order_ref": nullable({"type": "string"}),
    "broker_order_id": nullable({"type": "integer"}), "exchange": nullable({"type": "string"}),
    "realized_pnl": NUM_OR_NULL, "timestamp": TS,
}, ["execution_id", "symbol", "side", "quantity", "price", "timestamp"])
# PlannedLeg: one order of an OrderPlan. Swift checks only quantity > 0 and the ref prefix (in OrderPlan).
PLANNED_LEG = obj({
    "role": {"enum": ["entry", "take_profit", "stop_loss", "exit"]}, "order_ref": NONEMPTY, "side": SIDE,
    "order_type": ORDER_TYPE, "quantity": PRICE, "limit_price": OPT_PRICE, "stop_price": OPT_PRICE, "tif": TIF,
    "outside_rth": {"type": "boolean"},
}, ["role", "order_ref", "side", "order_type", "quantity", "tif", "outside_rth"]) | {
    "allOf": [  # a limit (stop) price exactly for the order types that use one
        {"if": {"properties": {"order_type": {"enum": ["LIMIT", "STOP_LIMIT"]}}},
         "then": {"required": ["limit_price"], "properties": {"limit_price": PRICE}},
         "else": {"properties": {"limit_price": {"type": "null"}}}},
        {"if": {"properties": {"order_type": {"enum": ["STOP", "STOP_LIMIT"]}}},
         "then": {"required": ["stop_price"], "properties": {"stop_price": PRICE}},
         "else": {"properties": {"stop_price": {"type": "null"}}}},
    ],
}
RISK_NOTE = obj({
    "code": {"enum": ["not_actionable", "halted", "reducing_only", "missing_levels", "levels_collapse", "no_price",
                      "already_long", "already_short", "short_not_allowed", "order_pending", "max_open_positions",
                      "size_zero", "order_notional_clamped", "order_notional", "position_limit_clamped", "position_limit",
                      "daily_budget_clamped", "daily_budget", "daily_loss", "rate_limit", "market_closed",
                      "duplicate_signal", "duplicate_symbol", "unknown_symbol", "invalid_signal", "not_reconciled",
                      "gateway_rejected", "gateway_unavailable", "unknown_source", "stop_too_close", "reward_risk_low",
                      "entry_too_far", "broker_unconfirmed", "broker_clock_unavailable"]},
    "detail": {"type": "string"},
}, ["code", "detail"])
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
        "alerts": {"type": "array", "maxItems": 50, "items": obj({
            "kind": {"type": "string", "minLength": 1,
                     "description": "intent_unknown | order_not_in_journal | audit_incomplete (a newer process may send another)"},
            "id": NONEMPTY, "detail": {"type": "string", "maxLength": 500},
        }, ["kind", "id"])},
        # The process's metrics, Prometheus text format 0.0.4 (docs/metrics.md); at most 256 KiB (PrometheusExposition.maxBytes).
        "metrics": {"type": "string", "maxLength": 262144,
                    "description": "Prometheus text exposition of the process's metrics (labels process, instance)"},
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
        "cost_usd": nullable({"type": "number", "minimum": 0}), "shadow": nullable({"type": "boolean"}),
    }, ["job_id", "signal", "input_tokens", "output_tokens", "latency_ms", "attempts", "cached", "worker"]) | {
        "description": "Each entry of reasons starts with a refusal rule id (docs/signals.md), e.g. \"json.duplicate_key: ...\". "
                       "cost_usd: USD of the model call from llm.prices (0: no call; absent/null: no price). "
                       "shadow: llm.shadow was on; the signal is recorded, never submitted.",
    },
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
        "order_type": ORDER_TYPE, "limit_price": PRICE, "stop_price": PRICE, "tif": TIF,
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
        "executions": {"type": "array", "items": EXECUTION},
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
    "order.place": obj({
        "intent_id": NONEMPTY, "run_id": NONEMPTY, "symbol": SYMBOL, "signal_id": NONEMPTY,
        "legs": {"type": "array", "minItems": 1, "items": PLANNED_LEG, "anyOf": [
            {"maxItems": 1, "prefixItems": [{"properties": {"role": {"const": "exit"}}}]},
            {"minItems": 3, "maxItems": 3, "prefixItems": [
                {"properties": {"role": {"const": role}}} for role in ["entry", "take_profit", "stop_loss"]]},
        ]},
        "oca_group": nullable({"type": "string"}), "account": nullable({"type": "string"}),
        "notional": {"type": "number", "minimum": 0}, "opening": {"type": "boolean"}, "received_at": TS,
    }, ["intent_id", "run_id", "symbol", "signal_id", "legs", "notional", "opening", "received_at"]) | {
        "description": "One exit leg, or a bracket of exactly entry, take_profit, stop_loss in that order. Not expressible "
                       "here, checked by Swift: every leg's order_ref is <intent_id>-<E|TP|SL|X>; a bracket's children are on "
                       "the entry's opposite side with its quantity, and the bracket has a non-empty oca_group.",
    },
    "order.ack": obj({
        "intent_id": {"type": "string"}, "broker_ids": INT_MAP, "duplicate": {"type": "boolean"},
        "signal_to_socket_us": nullable({"type": "integer"}),
    }, ["intent_id", "broker_ids", "duplicate"]),
    "order.rejected": obj({
        "intent_id": {"type": "string"}, "order_ref": nullable({"type": "string"}), "code": nullable({"type": "integer"}),
        "message": {"type": "string"}, "outcome_unknown": {"type": "boolean"},
    }, ["intent_id", "message", "outcome_unknown"]),
    "order.cancel": obj({
        "intent_id": NONEMPTY, "order_ref": nullable({"type": "string"}), "reason": nullable({"type": "string"}),
    }, ["intent_id"]),
    "broker.sync": obj({"reason": {"type": "string"}}, ["reason"]),
    "broker.order": obj({
        "order_ref": {"type": "string"}, "broker_order_id": {"type": "integer"}, "perm_id": {"type": "integer"},
        "symbol": {"type": "string"}, "side": SIDE, "order_type": {"type": "string"}, "quantity": {"type": "number"},
        "filled": {"type": "number"}, "avg_fill_price": NUM_OR_NULL, "status": {"type": "string"},
        "parent_id": {"type": "integer"}, "oca_group": {"type": "string"},
    }, ["order_ref", "broker_order_id", "perm_id", "symbol", "side", "order_type", "quantity", "filled", "status",
        "parent_id", "oca_group"]) | {
        "description": "An order as IB reports it: order_type and status are IB's words (LMT, STP, MKT; PreSubmitted, "
                       "Submitted, Filled, Cancelled, Inactive, ...). Swift does not validate any field beyond its type.",
    },
    "broker.execution": EXECUTION,
    "broker.snapshot": obj({
        "accounts": {"type": "array", "items": {"type": "string"}},
        "orders": {"type": "array", "items": ref("broker.order")},
        "executions": {"type": "array", "items": ref("broker.execution")},
        "portfolio": ref("portfolio"), "account_values": STR_MAP, "connection_epoch": {"type": "integer"}, "taken_at": TS,
        "ib_time": nullable(TS),
    }, ["accounts", "orders", "executions", "portfolio", "account_values", "connection_epoch", "taken_at"]),
    # One type both ways: the request has no ib_time, gateway-bridge's answer has it.
    "broker.time": obj({"ib_time": nullable(TS)}, []),
    "portfolio.request": obj({"reason": {"type": "string"}}, ["reason"]),
    "signal.submit": obj({
        "run_id": NONEMPTY, "signal": ref("signal"), "last_price": OPT_PRICE, "source": NONEMPTY,
    }, ["run_id", "signal", "source"]),
    "router.decision": obj({
        "run_id": {"type": "string"}, "symbol": {"type": "string"}, "signal_id": {"type": "string"},
        "intent_id": {"type": "string"}, "outcome": {"enum": ["placed", "duplicate", "denied", "rejected", "pending"]},
        "note": nullable(RISK_NOTE), "clamps": {"type": "array", "items": RISK_NOTE},
        "plan": nullable(ref("order.place")), "broker_ids": INT_MAP, "signal_to_socket_us": nullable({"type": "integer"}),
    }, ["run_id", "symbol", "signal_id", "intent_id", "outcome", "clamps", "broker_ids"]),
    "trading.command": obj({
        "action": {"enum": ["halt", "reduce", "resume", "status", "cancel_all", "flatten"]}, "reason": nullable({"type": "string"}),
        "source": NONEMPTY,
    }, ["action", "source"]) | {
        "allOf": [{"if": {"properties": {"action": {"enum": ["halt", "reduce", "resume", "cancel_all", "flatten"]}}},
                   "then": {"required": ["reason"], "properties": {"reason": NONEMPTY}}}],
    },
    "trading.state": obj({
        "state": {"enum": ["ACTIVE", "REDUCING", "HALTED"]}, "reason": {"type": "string"}, "changed_at": TS,
        "refused": nullable({"type": "string"}), "daily_notional": {"type": "number"},
        "daily_realized_pnl": {"type": "number"},
        "cleanup": nullable(obj({
            "cancelled_intents": {"type": "array", "items": NONEMPTY},
            "exits": {"type": "array", "items": obj({
                "intent_id": NONEMPTY, "symbol": SYMBOL, "side": {"enum": ["BUY", "SELL"]}, "quantity": {"type": "number", "exclusiveMinimum": 0},
                "outcome": {"type": "string"},
            }, ["intent_id", "symbol", "side", "quantity", "outcome"])},
            "problems": {"type": "array", "items": {"type": "string"}},
        }, ["cancelled_intents", "exits", "problems"])),
    }, ["state", "reason", "changed_at", "daily_notional", "daily_realized_pnl"]),
    "run.started": obj({
        "run_id": NONEMPTY, "symbols": {"type": "array", "items": SYMBOL},
        "params": nullable(STR_MAP | {"propertyNames": NONEMPTY}), "started_at": TS, "trail": TRAIL,
    }, ["run_id", "symbols", "started_at"]),
    "run.symbol": obj({
        "run_id": NONEMPTY, "symbol": SYMBOL, "signal": ref("signal"),
        "raw_answer": nullable({"type": "string"}), "reasons": nullable({"type": "array", "items": {"type": "string"}}),
        "llm_provider": {"type": "string"}, "llm_model": {"type": "string"}, "prompt_version": {"type": "string"},
        "input_tokens": nullable({"type": "integer", "minimum": 0}), "output_tokens": nullable({"type": "integer", "minimum": 0}),
        "llm_latency_ms": nullable({"type": "number", "minimum": 0}), "latest_price": PRICE,
        "stage_timings": nullable(NUM_MAP), "cost_usd": nullable({"type": "number", "minimum": 0}), "trail": TRAIL,
    }, ["run_id", "symbol", "signal", "llm_provider", "llm_model", "prompt_version", "latest_price"]) | {
        "description": "Not expressible here, checked by Swift: signal.symbol equals symbol. The daily and weekly chart "
                       "PNGs travel as attachments named daily_chart.png and weekly_chart.png.",
    },
    "run.finished": obj({
        "run_id": NONEMPTY, "status": {"enum": ["FINISHED", "FAILED"]}, "totals": nullable(NUM_MAP), "finished_at": TS, "trail": TRAIL,
    }, ["run_id", "status", "finished_at"]),
    # For live observers (the console): run.symbol without raw_answer, trail and the PNG attachments, under a topic no
    # `run.` subscription matches, so the charts never cross the bus to an observer.
    "live.symbol": obj({
        "run_id": NONEMPTY, "symbol": SYMBOL, "signal": ref("signal"),
        "reasons": nullable({"type": "array", "items": {"type": "string"}}),
        "llm_provider": {"type": "string"}, "llm_model": {"type": "string"}, "prompt_version": {"type": "string"},
        "input_tokens": nullable({"type": "integer", "minimum": 0}), "output_tokens": nullable({"type": "integer", "minimum": 0}),
        "llm_latency_ms": nullable({"type": "number", "minimum": 0}), "latest_price": PRICE,
        "stage_timings": nullable(NUM_MAP), "cost_usd": nullable({"type": "number", "minimum": 0}),
        "run_folder": nullable(PLAIN_SEGMENT),
        "chart_files": nullable({"type": "object", "propertyNames": {"enum": ["daily", "weekly"]},
                                 "additionalProperties": {"type": "string", "pattern": PLAIN_PATH}}),
    }, ["run_id", "symbol", "signal", "llm_provider", "llm_model", "prompt_version", "latest_price"]) | {
        "description": "Not expressible here, checked by Swift: signal.symbol equals symbol. chart_files: daily / weekly "
                       "chart PNG paths relative to the run folder named run_folder (plain segments: no '..', no absolute path).",
    },
    # Commands to gateway-bridge (in MessageCatalog.standard since the run owner moved to CandlewickRun).
    "market_data.request": obj({
        "symbol": SYMBOL, "duration_days": nullable({"type": "integer", "minimum": 1, "maximum": 10000}),
        "end_day": nullable({"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
    }, ["symbol"]),
    "gateway.error": obj({
        "symbol": {"type": "string"}, "code": nullable({"type": "integer"}), "message": {"type": "string"},
    }, ["symbol", "message"]) | {
        "description": "symbol is the requested symbol, or \"-\" when the failure is not about one symbol.",
    },
}

ENVELOPE = obj({
    "v": {"const": 1}, "id": NONEMPTY, "type": NONEMPTY, "source": NONEMPTY, "seq": {"type": "integer", "minimum": 1},
    "ts": TS, "run_id": {"type": ["string", "null"]}, "causation_id": {"type": ["string", "null"]},
    "attachments": {"type": "array", "items": obj({
        "index": {"type": "integer", "minimum": 0}, "name": NONEMPTY, "content_type": NONEMPTY,
        "size": {"type": "integer", "minimum": 0}, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    }, ["index", "name", "content_type", "size", "sha256"])},
    "payload": {"type": "object"},
    "expires": TS | {"description": "when a request stops being valid (its deadline); required on trading.command and "
                                    "order.cancel, whose id is then a nonce: a second use is refused as a replay"},
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
