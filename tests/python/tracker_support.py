"""Helpers for the tracker tests: a real MLflow server, the bus proxy and tracker, and a pyzmq
publisher that frames messages exactly as the Swift side does ([topic, envelope JSON, attachment…])."""
import contextlib
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

import zmq

import buskeys
from conftest import ROOT, binary, free_port, wait_for


def bus_directory(pub):
    """The bus directory of an ipc:// endpoint: its keys are in <directory>/keys."""
    return str(pathlib.Path(pub[len("ipc://"):]).parent)

MLFLOW = str(pathlib.Path(sys.executable).parent / "mlflow")
CHARTS = ROOT / "docs" / "charts"


@contextlib.contextmanager
def running_mlflow(prefix):
    """A real MLflow server over a fresh folder under /tmp, stopped and removed afterwards (a module fixture's body)."""
    root = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    s = MLflowServer(root)
    s.start()
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(root, ignore_errors=True)


class MLflowServer:
    """`mlflow server` with a SQLite backend and proxied artifacts in `root`; stop() and start() again keep the data."""

    def __init__(self, root: pathlib.Path, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self, timeout=90):
        env = dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
        self.log = open(self.root / "mlflow-server.log", "ab")
        self.proc = subprocess.Popen(
            [MLFLOW, "server", "--host", "127.0.0.1", "--port", str(self.port),
             "--backend-store-uri", f"sqlite:///{self.root}/mlflow.db",
             "--serve-artifacts", "--artifacts-destination", str(self.root / "mlartifacts"), "--workers", "1"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)

        def healthy():
            assert self.proc.poll() is None, (self.root / "mlflow-server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.uri + "/health", timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_for(healthy, timeout=timeout, interval=0.25, what="mlflow server /health")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


def start_proxy(procs, pub, sub):
    return procs([binary("candlewick"), "proxy", "--instance", "proxy.test", "--bus-publish", pub, "--bus-subscribe", sub],
                 env=dict(os.environ, CANDLEWICK_BUS_DIRECTORY=bus_directory(pub)))


def start_tracker(procs, pub, sub, env_extra, instance="tracker.test", log=None):
    env = dict(os.environ, CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S="0.5", CANDLEWICK_BUS_DIRECTORY=bus_directory(pub), **env_extra)
    env.pop("MLFLOW_TRACKING_URI", None)
    return procs([binary("tracker"), "--instance", instance, "--bus-publish", pub, "--bus-subscribe", sub],
                 env=env, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)


class BusClient:
    """Publishes like a Swift BusPublisher and watches heartbeats."""

    def __init__(self, pub, sub, source="python.pub"):
        self.ctx = zmq.Context.instance()
        self.pub = self.ctx.socket(zmq.PUB)
        self.pub.setsockopt(zmq.LINGER, 2000)
        keys = pathlib.Path(bus_directory(pub)) / "keys"
        buskeys.client(self.pub, keys, "operator", "bus.publish")
        self.pub.connect(pub)
        self.sub = self.ctx.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, b"heartbeat")
        buskeys.client(self.sub, keys, "observer", "bus.subscribe")
        self.sub.connect(sub)
        self.source = source
        self.seq = 0
        self.heartbeats = {}

    def close(self):
        self.pub.close()
        self.sub.close()

    def envelope(self, type_, payload, run_id, attachments=()):
        self.seq += 1
        infos = [{"index": i, "name": name, "content_type": "image/png", "size": len(data),
                  "sha256": hashlib.sha256(data).hexdigest()} for i, (name, data) in enumerate(attachments)]
        return {"v": 1, "id": str(uuid.uuid4()), "type": type_, "source": self.source, "seq": self.seq,
                "ts": now_iso(), "run_id": run_id, "causation_id": None, "attachments": infos, "payload": payload}

    def publish(self, type_, payload, run_id, attachments=()):
        env = self.envelope(type_, payload, run_id, attachments)
        self.send_frames([type_.encode(), json.dumps(env).encode()] + [d for _, d in attachments])
        return env

    def send_frames(self, frames):
        self.pub.send_multipart(frames)
        time.sleep(0.01)

    def poll_heartbeats(self, ms=100):
        while self.sub.poll(ms):
            frames = self.sub.recv_multipart()
            env = json.loads(frames[1])
            self.heartbeats[env["source"]] = env["payload"]
            ms = 0
        return self.heartbeats

    def counters(self, instance):
        self.poll_heartbeats()
        hb = self.heartbeats.get(instance)
        return hb["counters"] if hb else None

    def wait_ready(self, instance, timeout=20):
        wait_for(lambda: self.poll_heartbeats(200).get(instance), timeout=timeout, what=f"a heartbeat from {instance}")
        time.sleep(0.5)  # the subscription has reached the proxy; let the PUB side settle too


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def pngs(symbol):
    """Real chart PNGs, made unique per symbol by bytes after IEND (which decoders ignore)."""
    tail = f"candlewick-test-{symbol}".encode()
    return [("daily_chart.png", (CHARTS / "SPY_daily.png").read_bytes() + tail),
            ("weekly_chart.png", (CHARTS / "SPY_weekly.png").read_bytes() + tail)]


SIGNALS = {
    "AAPL": dict(action="BUY", confidence="HIGH", confidence_score=82.0, entry_price=190.0, stop_loss=180.0, take_profit=215.0),
    "MSFT": dict(action="HOLD", confidence="LOW", confidence_score=25.0),
    "SPY": dict(action="SELL", confidence="MEDIUM", confidence_score=55.0, entry_price=500.0, stop_loss=510.0, take_profit=480.0),
    "GOOG": dict(action="BUY", confidence="MEDIUM", confidence_score=61.0, entry_price=150.0, stop_loss=145.0, take_profit=160.0),
}
PRICES = {"AAPL": 189.5, "MSFT": 410.25, "SPY": 501.0, "GOOG": 150.5}


def symbol_payload(run_id, symbol):
    s = SIGNALS[symbol]
    signal = {"signal_id": f"sig-{run_id}-{symbol}", "symbol": symbol, "reasoning": f"test reasoning for {symbol}",
              "key_factors": ["trend", "rsi"], "provider": "rules", "model": "rules-v1", "prompt_version": "p-7",
              "timestamp": now_iso(), **s}
    return {"run_id": run_id, "symbol": symbol, "signal": signal, "raw_answer": json.dumps({"answer": symbol}),
            "reasons": [], "llm_provider": "rules", "llm_model": "rules-v1", "prompt_version": "p-7",
            "input_tokens": 1200, "output_tokens": 150, "llm_latency_ms": 42.5, "cost_usd": 0.0045, "latest_price": PRICES[symbol],
            "stage_timings": {"charts": 1.25, "analysis": 0.5}}


def order_payload(symbol, ref, side="BUY", qty=10):
    return {"symbol": symbol, "side": side, "quantity": qty, "order_type": "LIMIT", "limit_price": PRICES[symbol],
            "order_ref": ref, "status": "submitted"}


def trade_payload(symbol, exec_id, side="BUY", qty=10):
    return {"symbol": symbol, "side": side, "order_ref": f"ord-{symbol}", "executions": [
        {"execution_id": exec_id, "symbol": symbol, "side": side, "quantity": qty, "price": PRICES[symbol], "commission": 1,
         "timestamp": now_iso()}]}


PORTFOLIO = {"account": "DU1", "cash": 10000, "timestamp": "2026-01-03T00:00:00Z", "positions": [
    {"symbol": "AAPL", "quantity": 10, "average_cost": 189.5, "market_price": 190}]}
PORTFOLIO_VALUE = 10000 + 10 * 190


def publish_run(bus, run_id, symbols, *, finish=True, start=True, params=None):
    """A whole run: started, one record per symbol, orders (BUY/SELL signals), a fill for the first, portfolio, finished."""
    if start:
        bus.publish("run.started", {"run_id": run_id, "symbols": symbols, "started_at": now_iso(),
                                    "params": params or {"position_size": "10", "llm_provider": "rules", "source": "test"}}, run_id)
    for sym in symbols:
        bus.publish("run.symbol", symbol_payload(run_id, sym), run_id, pngs(sym))
    publish_broker(bus, run_id, symbols)
    if finish:
        bus.publish("run.finished", {"run_id": run_id, "status": "FINISHED", "finished_at": now_iso(),
                                     "totals": {"symbols": len(symbols), "failed": 0}}, run_id)


def publish_broker(bus, run_id, symbols):
    ordered = [s for s in symbols if SIGNALS[s]["action"] != "HOLD"]
    for sym in ordered:
        # order_ref deliberately does not start with the symbol: matching is by Order.symbol.
        bus.publish("order.update", order_payload(sym, f"ord-{sym}", side=SIGNALS[sym]["action"]), run_id)
    if ordered:
        bus.publish("trade", trade_payload(ordered[0], f"exec-{run_id}-{ordered[0]}"), run_id)
    bus.publish("portfolio", PORTFOLIO, run_id)


def expected_child(run_id, sym, parent_id):
    s = SIGNALS[sym]
    ordered = s["action"] != "HOLD"
    params = {"symbol": sym, "llm_provider": "rules", "model": "rules-v1", "prompt_version": "p-7", "signal_action": s["action"],
              "signal_confidence": s["confidence"], "signal_id": f"sig-{run_id}-{sym}", "position_size": "10"}
    metrics = {"latest_price": PRICES[sym], "confidence_score": s["confidence_score"], "llm_latency_ms": 42.5,
               "llm_input_tokens": 1200, "llm_output_tokens": 150, "llm_cost_usd": 0.0045, "llm_refused": 0.0,
               "order_placed": 1.0 if ordered else 0.0,
               "stage_charts_s": 1.25, "stage_analysis_s": 0.5, "portfolio_value": PORTFOLIO_VALUE}
    if "entry_price" in s:
        metrics.update(entry_price=s["entry_price"], stop_loss=s["stop_loss"], take_profit=s["take_profit"],
                       risk_reward_ratio=abs(s["take_profit"] - s["entry_price"]) / abs(s["entry_price"] - s["stop_loss"]))
    tags = {"candlewick_run_id": run_id, "candlewick_kind": "symbol", "candlewick_symbol": sym, "workflow_type": "trading_signal",
            "mlflow.source.name": "candlewick-tracker", "mlflow.source.type": "LOCAL", "symbol": sym, "signal_action": s["action"],
            "signal_confidence": s["confidence"], "order_placed": "true" if ordered else "false", "mlflow.parentRunId": parent_id,
            "mlflow.runName": sym}
    artifacts = {"daily_chart.png", "weekly_chart.png", "trading_signal.json", "raw_model_answer.txt", "portfolio.json"}
    if ordered:
        artifacts.add(f"orders/ord-{sym}.json")
    return params, metrics, tags, artifacts


def many_symbols(n):
    """n extra symbols (S001…) with a BUY signal each, registered in SIGNALS/PRICES for expected_child."""
    out = []
    for i in range(1, n + 1):
        sym = f"S{i:03d}"
        SIGNALS[sym] = dict(action="BUY", confidence="MEDIUM", confidence_score=50.0 + i % 10, entry_price=100.0 + i,
                            stop_loss=95.0 + i, take_profit=112.0 + i)
        PRICES[sym] = 100.0 + i
        out.append(sym)
    return out


class OutboxRun:
    """Publishes a run's numbered records the way `candlewick run` does (RunOutbox.swift): each
    record carries `trail` {seq, outbox[, symbols]} and is written to `<folder>/outbox/` as
    `<seq:06d>.json` (the envelope) and `<seq>-<i>.bin` (attachments) before it is sent."""

    def __init__(self, bus, run_id, folder: pathlib.Path, symbols, params=None):
        self.bus, self.run_id, self.symbols = bus, run_id, symbols
        self.outbox = folder / "outbox"
        self.outbox.mkdir(parents=True, exist_ok=True)
        self.params = params or {"position_size": "10", "llm_provider": "rules", "source": "test"}
        self.seq = 0
        self.recorded = []

    def _send(self, type_, payload, attachments=(), send=True):
        self.seq += 1
        payload["trail"] = {"seq": self.seq, "outbox": str(self.outbox)}
        if type_ == "run.finished":
            payload["trail"]["symbols"] = list(self.recorded)
        env = self.bus.envelope(type_, payload, self.run_id, attachments)
        body = json.dumps(env).encode()
        self.outbox.mkdir(parents=True, exist_ok=True)
        for i, (_, data) in enumerate(attachments):
            (self.outbox / f"{self.seq:06d}-{i}.bin").write_bytes(data)
        (self.outbox / f"{self.seq:06d}.json").write_bytes(body)
        if send:
            self.bus.send_frames([type_.encode(), body] + [d for _, d in attachments])

    def started(self):
        self._send("run.started", {"run_id": self.run_id, "symbols": self.symbols, "started_at": now_iso(), "params": self.params})

    def symbol(self, sym, send=True):
        """send=False: kept in the outbox but lost on the bus (as a PUB socket drops at its high-water mark)."""
        self.recorded.append(sym)
        self._send("run.symbol", symbol_payload(self.run_id, sym), pngs(sym), send=send)

    def finished(self):
        self._send("run.finished", {"run_id": self.run_id, "status": "FINISHED", "finished_at": now_iso(),
                                    "totals": {"symbols": len(self.recorded), "failed": 0}})
