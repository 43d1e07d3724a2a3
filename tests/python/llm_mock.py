"""Strict local stand-ins for the OpenAI and Anthropic APIs. They check each request as the real
service would (auth, version headers, model, images present and decodable, schema strict-valid) and
answer from a script of scenarios. Every request and every violation is recorded."""
import base64
import json
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A correct answer for SPY as of 2017-12-29 (the bundled series' last day): close 266.86, ATR 1.39,
# daily RSI 61.3, MACD 1.81 below its signal 2.05; weekly RSI 82.0, MACD 6.50 above its signal 5.84.
GOOD = {"action": "BUY", "confidence": "HIGH", "confidence_score": 78, "entry_price": 266.9, "stop_loss": 265.4,
        "take_profit": 268.9, "reasoning": "Uptrend intact above rising averages.", "key_factors": ["SMA 50 above SMA 200"],
        "daily_analysis": "Higher highs.", "weekly_analysis": "Strong weekly trend.",
        "daily_readings": {"close_vs_sma50": "above", "close_vs_sma200": "above", "sma50_vs_sma200": "above",
                           "rsi_zone": "neutral", "macd_vs_signal": "below", "trend": "up"},
        "weekly_readings": {"close_vs_sma50": "above", "close_vs_sma200": "above", "sma50_vs_sma200": "above",
                            "rsi_zone": "overbought", "macd_vs_signal": "above", "trend": "up"}}
UNSUPPORTED_OPENAI = {"allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas"}
UNSUPPORTED_ANTHROPIC = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength"}


def png_size(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def check_schema(schema, unsupported, path="schema"):
    problems = []
    if isinstance(schema, dict):
        for k in schema:
            if k in unsupported:
                problems.append(f"{path}: unsupported keyword {k}")
        if schema.get("type") == "object" or "properties" in schema:
            if schema.get("additionalProperties") is not False:
                problems.append(f"{path}: additionalProperties must be false")
            if set(schema.get("required", [])) != set(schema.get("properties", {})):
                problems.append(f"{path}: every property must be required")
        for k, v in schema.get("properties", {}).items():
            problems += check_schema(v, unsupported, f"{path}.{k}")
        if "items" in schema:
            problems += check_schema(schema["items"], unsupported, f"{path}.items")
    return problems


class MockLLM:
    """kind = "openai" or "anthropic". scenarios: list consumed one per request (the last repeats): a name, or
    {"text": answer} (the answer text, in a normal envelope; in Anthropic tool mode its bytes become the tool
    input verbatim), {"body": envelope dict} or {"raw": envelope text} (sent as is)."""

    def __init__(self, kind, scenarios, key="sk-test-secret-123", model="test-model", version="2023-06-01"):
        self.kind, self.scenarios, self.key, self.model, self.version = kind, list(scenarios), key, model, version
        self.requests, self.violations = [], []
        self.lock = threading.Lock()
        self.release = threading.Event()  # ends the "never" scenario's wait
        # The "overlap" scenario: each request is held until `overlap_target` requests have been in flight at once
        # (at most `overlap_wait` seconds; then it answers anyway and the shortfall is a violation).
        self.overlap_target, self.overlap_wait = 1, 10.0
        self.in_flight = self.max_in_flight = 0
        self.overlap = threading.Condition(self.lock)
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with mock.lock:
                    scenario = mock.scenarios.pop(0) if len(mock.scenarios) > 1 else mock.scenarios[0]
                    mock.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                          "scenario": scenario if isinstance(scenario, str) else "custom"})
                problems = mock.check(self.path, self.headers, body)
                if problems:
                    with mock.lock:
                        mock.violations += problems
                    return self.reply(400, {"error": {"message": "; ".join(problems), "type": "invalid_request_error"}})
                mock.respond(self, scenario)

            def reply(self, status, obj, headers=None):
                data = obj.encode() if isinstance(obj, str) else json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        class Server(ThreadingHTTPServer):
            request_queue_size = 128  # many concurrent clients: do not refuse connections
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()

    def check(self, path, headers, body):
        p = []
        try:
            req = json.loads(body)
        except Exception:
            return ["body is not JSON"]
        if req.get("model") != self.model:
            p.append(f"model {req.get('model')!r} is not {self.model!r}")
        if self.kind == "openai":
            if path != "/v1/chat/completions":
                p.append(f"path {path}")
            if headers.get("authorization") != f"Bearer {self.key}":
                p.append("missing or wrong Authorization")
            if "application/json" not in (headers.get("content-type") or ""):
                p.append("content-type")
            msgs = req.get("messages", [])
            if len(msgs) != 2 or msgs[0].get("role") != "system" or msgs[1].get("role") != "user":
                return p + ["messages must be system + user"]
            images = [c for c in msgs[1]["content"] if c.get("type") == "image_url"]
            texts = [c for c in msgs[1]["content"] if c.get("type") == "text"]
            if len(images) != 2 or not texts:
                p.append("need two images and text")
            for im in images:
                url = im["image_url"]["url"]
                if not url.startswith("data:image/png;base64,"):
                    p.append("image is not a PNG data URL")
                    continue
                if png_size(base64.b64decode(url.split(",", 1)[1])) != (1920, 1080):
                    p.append("image is not 1920x1080")
                if im["image_url"].get("detail") not in ("low", "high", "auto", "original"):
                    p.append("bad detail")
            rf = req.get("response_format", {})
            if rf.get("type") == "json_schema":
                js = rf["json_schema"]
                if js.get("strict") is not True or not js.get("name"):
                    p.append("json_schema must be strict and named")
                p += check_schema(js["schema"], UNSUPPORTED_OPENAI)
            elif rf.get("type") != "json_object":
                p.append("response_format missing")
            if "max_completion_tokens" not in req:
                p.append("max_completion_tokens missing")
        else:
            if path != "/v1/messages":
                p.append(f"path {path}")
            if headers.get("x-api-key") != self.key:
                p.append("missing or wrong x-api-key")
            if headers.get("anthropic-version") != self.version:
                p.append("anthropic-version")
            if not isinstance(req.get("max_tokens"), int):
                p.append("max_tokens")
            content = req.get("messages", [{}])[0].get("content", [])
            images = [c for c in content if c.get("type") == "image"]
            if len(images) != 2 or content[-1].get("type") != "text":
                p.append("need two image blocks before the text")
            for im in images:
                src = im["source"]
                if src.get("type") != "base64" or src.get("media_type") != "image/png" or src["data"].startswith("data:"):
                    p.append("bad image source")
                elif png_size(base64.b64decode(src["data"])) != (1920, 1080):
                    p.append("image is not 1920x1080")
            if "tools" in req:
                tool = req["tools"][0]
                if req.get("tool_choice") != {"type": "tool", "name": tool.get("name")}:
                    p.append("tool_choice must force the tool")
                p += check_schema(tool.get("input_schema", {}), UNSUPPORTED_ANTHROPIC)
                self.tool_mode = True
            else:
                fmt = req.get("output_config", {}).get("format", {})
                if fmt.get("type") != "json_schema":
                    p.append("output_config.format missing")
                else:
                    p += check_schema(fmt["schema"], UNSUPPORTED_ANTHROPIC)
        return p

    def respond(self, h, scenario):
        if isinstance(scenario, dict):
            if "text" in scenario:
                return h.reply(200, self.ok_body(scenario["text"]))
            return h.reply(200, scenario["body"] if "body" in scenario else scenario["raw"])
        text = json.dumps(GOOD)
        if scenario == "slow":
            time.sleep(1.0)
            return h.reply(200, self.ok_body(text))
        if scenario == "overlap":
            with self.overlap:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
                self.overlap.notify_all()
                reached = self.overlap.wait_for(lambda: self.max_in_flight >= self.overlap_target, timeout=self.overlap_wait)
                if not reached:
                    self.violations.append(f"only {self.max_in_flight} of {self.overlap_target} requests were ever in flight at once")
                    self.overlap_target = 0  # the rest answer at once
                    self.overlap.notify_all()
            try:
                return h.reply(200, self.ok_body(text))
            finally:
                with self.overlap:
                    self.in_flight -= 1
        if scenario == "hang":
            time.sleep(5)
            return h.reply(200, self.ok_body(text))
        if scenario == "never":  # holds the request until the mock closes (then no answer), at most 120 s
            if self.release.wait(120):
                return None
            return h.reply(200, self.ok_body(text))
        if scenario == "429":
            return h.reply(429, self.error("rate_limit_error", "slow down"), {"retry-after": "1"})
        if scenario in ("500", "529", "400", "401"):
            return h.reply(int(scenario), self.error("api_error", f"status {scenario}"))
        if scenario == "quota":
            return h.reply(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                           "code": "insufficient_quota"}})
        if scenario == "malformed":
            text = '{"action": "BUY", "confidence": '
        elif scenario == "prose":
            text = "Sure! Here is the signal: " + json.dumps(GOOD)
        elif scenario == "far_levels":
            text = json.dumps(dict(GOOD, entry_price=150.0, stop_loss=140.0, take_profit=160.0))
        return h.reply(200, self.ok_body(text, refusal=scenario == "refusal", truncated=scenario == "truncated"))

    def error(self, type_, message):
        if self.kind == "openai":
            return {"error": {"message": message, "type": type_, "code": None}}
        return {"type": "error", "error": {"type": type_, "message": message}}

    def ok_body(self, text, refusal=False, truncated=False):
        """The envelope as text; in Anthropic tool mode the answer's bytes are the tool input verbatim."""
        if self.kind == "openai":
            msg = {"role": "assistant", "content": None if refusal else text, "refusal": "I can't help with that." if refusal else None}
            return {"id": "chatcmpl-1", "object": "chat.completion", "model": self.model,
                    "choices": [{"index": 0, "finish_reason": "length" if truncated else "stop", "message": msg}],
                    "usage": {"prompt_tokens": 1800, "completion_tokens": 120, "total_tokens": 1920,
                              "prompt_tokens_details": {"image_tokens": 1530}}}
        stop = "refusal" if refusal else "max_tokens" if truncated else "end_turn"
        content = [] if refusal else [{"type": "text", "text": text}]
        tool = getattr(self, "tool_mode", False) and not refusal
        if tool:
            content, stop = [{"type": "tool_use", "id": "toolu_1", "name": "emit_signal", "input": "@INPUT@"}], "tool_use"
        body = json.dumps({"id": "msg_1", "type": "message", "role": "assistant", "model": self.model,
                           "content": content, "stop_reason": stop,
                           "usage": {"input_tokens": 1700, "output_tokens": 110, "cache_read_input_tokens": 0,
                                     "cache_creation_input_tokens": 0}})
        return body.replace('"@INPUT@"', text) if tool else body
