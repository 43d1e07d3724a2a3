"""A small order stack for the order tests: ib-paper, the bus proxy, gateway-bridge and order-router
as real processes, a DEALER to order-router, and an independent check of what ib-paper holds
through the official ibapi client."""
import csv
import json
import os
import signal
import socket
import subprocess
import time
import uuid

import zmq

import buskeys
from conftest import ROOT, binary, free_port, hooked_binary, wait_for
from ibapi_harness import App, admin

AS_OF = "2017-10-04"
SYMBOLS = ["AAPL", "GOOG", "MSFT", "SPY"]  # the bundled series that cover the as-of day (INTC ends in 2004)


def last_close(symbol, day=AS_OF):
    with open(ROOT / "deploy" / "data" / "daily" / f"{symbol}.csv", encoding="utf-8-sig") as f:
        rows = [{k.lower(): v for k, v in r.items()} for r in csv.DictReader(f)]
    def iso(d):
        if "/" in d:
            m, dd, y = d.split("/")
            return f"{int(y):04d}-{int(m):02d}-{int(dd):02d}"
        return d[:10]
    rows = sorted((r for r in rows if iso(r["date"]) <= day), key=lambda r: iso(r["date"]))
    return float(rows[-1]["close"])


def signal_for(symbol, signal_id, action="BUY", confidence="HIGH", score=80.0):
    """A signal whose limit entry fills at the next open (1% through the last close)."""
    sign = 1 if action == "BUY" else -1
    entry = round(last_close(symbol) * (1 + 0.01 * sign), 2)
    return {"signal_id": signal_id, "symbol": symbol, "action": action, "confidence": confidence, "confidence_score": score,
            "entry_price": entry, "stop_loss": round(entry * (1 - 0.05 * sign), 2), "take_profit": round(entry * (1 + 0.08 * sign), 2),
            "reasoning": "test signal", "key_factors": ["test"], "timestamp": "2017-10-04T20:00:00Z"}


def envelope(kind, payload, seq, run_id=None, source="candlewick-run.py", expires_in=30.0):
    """An envelope; `expires` (the request's deadline) is required on trading.command and order.cancel."""
    expires = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + expires_in))
    return {"v": 1, "id": str(uuid.uuid4()), "type": kind, "source": source, "seq": seq, "ts": "2026-01-01T00:00:00Z",
            "run_id": run_id, "causation_id": None, "attachments": [], "payload": payload, "expires": expires}


# Who sends each request to order-router (MessageAuthority): the run owner submits, an operator commands.
REQUEST_ROLE = {"signal.submit": "run-owner", "trading.command": "operator", "order.cancel": "operator"}


def request_book(app):
    """Asks IB (through a started ibapi App) for every open and completed order and waits for both ends."""
    app.wait_name("nextValidId")
    app.reqAllOpenOrders()
    app.wait_name("openOrderEnd")
    app.reqCompletedOrders(False)
    app.wait_name("completedOrdersEnd")


class OrderStack:
    def __init__(self, procs, tmp_path, router_env=None, extra_config=None, paper_args=(), router_args=(), proxy=None, hooked_router=False):
        """`proxy(ib_port)`, when given, makes a TWS proxy (tests/python/fault_proxy.py) that gateway-bridge connects through.
        `hooked_router`: the first order-router is the debug build, which honours the test hooks (CANDLEWICK_TEST_CRASH_AT);
        every other process, and any order-router started later, is the release build."""
        self.procs, self.tmp = procs, tmp_path
        self.ib_port, self.admin_port = free_port(), free_port()
        self.tws_proxy = proxy(self.ib_port) if proxy else None
        bridge_port = self.tws_proxy.port if self.tws_proxy else self.ib_port
        self.gateway_cmd = f"tcp://127.0.0.1:{free_port()}"
        self.router_cmd = f"tcp://127.0.0.1:{free_port()}"
        (tmp_path / "bus").mkdir(parents=True, exist_ok=True)
        self.env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(bridge_port), "CANDLEWICK_GATEWAY_COMMANDS": self.gateway_cmd,
                    "CANDLEWICK_ROUTER_COMMANDS": self.router_cmd, "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / "bus"),
                    "CANDLEWICK_ROUTER_JOURNAL": str(tmp_path / "router" / "intents.jsonl"),
                    "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "test,candlewick-run", "CANDLEWICK_IB_RECONNECT_MAX_S": "1",
                    "CANDLEWICK_ROUTER_PLACE_TIMEOUT_S": "5",
                    "CANDLEWICK_IB_PAPER_ADMIN_TOKEN_FILE": str(tmp_path / "ib-paper-admin.token"), **(extra_config or {})}
        self.env = {k: v for k, v in self.env.items() if v is not None}
        self.router_env = router_env or {}
        self.paper_args = list(paper_args)
        self.seq = 0
        self.ctx = zmq.Context.instance()
        self.keys = tmp_path / "bus" / "keys"
        self.dealers = {}
        self.start_paper()
        self.proxy = procs([binary("candlewick"), "proxy"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.bridge = procs([binary("gateway-bridge")], env=self.env, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / "gateway-bridge.log", "ab"))
        self.router = None
        self.start_router(self.router_env, router_args, hooked=hooked_router)

    def start_paper(self):
        self.admin_token = self.tmp / "ib-paper-admin.token"  # ib-paper makes it (0600); the run owner reads it
        self.paper = self.procs([binary("ib-paper"), "--port", str(self.ib_port), "--admin-port", str(self.admin_port), "--state",
                                 str(self.tmp), "--as-of", AS_OF, "--admin-token-file", str(self.admin_token), *self.paper_args], cwd=str(ROOT), stdout=subprocess.DEVNULL,
                                stderr=open(self.tmp / "ib-paper.log", "ab"))
        wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", self.ib_port)) == 0, what="ib-paper listening")

    def start_router(self, extra_env=None, args=(), hooked=False):
        env = {**self.env, **(extra_env or {})}
        self.router_args = list(args)
        exe = hooked_binary("order-router") if hooked else binary("order-router")
        self.router = self.procs([exe, *args], env=env, stdout=subprocess.DEVNULL,
                                 stderr=open(self.tmp / "order-router.log", "ab"))
        self.reconnect_dealer()
        return self.router

    def reconnect_dealer(self):
        for d in self.dealers.values():
            d.close(0)
        self.dealers = {}

    def dealer(self, role):
        """A DEALER to order-router holding `role`'s CURVE key (one per role)."""
        if role not in self.dealers:
            d = self.ctx.socket(zmq.DEALER)
            d.setsockopt(zmq.LINGER, 0)
            buskeys.client(d, self.keys, role, "router.commands")
            d.connect(self.router_cmd)
            self.dealers[role] = d
        return self.dealers[role]

    def request(self, kind, payload, run_id=None, timeout=10.0, role=None):
        """One request to order-router with the key of the role allowed to send it; None when no reply came in time."""
        self.seq += 1
        role = role or REQUEST_ROLE.get(kind, "run-owner")
        env = envelope(kind, payload, self.seq, run_id, source=buskeys.SOURCE[role], expires_in=timeout + 5)
        dealer = self.dealer(role)
        dealer.send_multipart([kind.encode(), json.dumps(env).encode()])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dealer.poll(100):
                frames = dealer.recv_multipart()
                reply = json.loads(frames[1])
                if reply.get("causation_id") == env["id"]:
                    return reply
            if self.router.poll() is not None:
                return None
        return None

    def submit(self, run_id, sig, source="test", timeout=10.0):
        payload = {"run_id": run_id, "signal": sig, "last_price": sig.get("entry_price"), "source": source}
        return self.request("signal.submit", payload, run_id=run_id, timeout=timeout)

    def submit_until_done(self, run_id, signals, deadline_s=60):
        """Submits every signal until each has a final answer (placed or duplicate of a placed one), as a coordinator would."""
        done = {}
        deadline = time.monotonic() + deadline_s
        while len(done) < len(signals) and time.monotonic() < deadline:
            for s in signals:
                if s["signal_id"] in done:
                    continue
                if self.router.poll() is not None:
                    self.start_router(args=self.router_args)
                reply = self.submit(run_id, s, timeout=8)
                if reply is None:
                    continue
                out = reply["payload"]["outcome"]
                if out in ("placed", "duplicate", "denied", "rejected") and not (
                        out == "denied" and reply["payload"]["note"]["code"] == "not_reconciled"):
                    done[s["signal_id"]] = reply["payload"]
                else:
                    time.sleep(0.3)
        return done

    def advance(self, days=1):
        return admin(self.admin_port, f"advance {days}", token_file=self.admin_token)

    def ib_orders(self):
        """Every order ib-paper holds, open and completed, seen by the official ibapi client: [(orderRef, status, symbol)], one per order."""
        self.checks = getattr(self, "checks", 70) + 1
        app = App()
        app.start(self.ib_port, self.checks)
        try:
            request_book(app)
            out = [(e[2].orderRef, e[3].status, e[1].symbol) for e in app.named("openOrder")]
            out += [(e[1].orderRef, e[2].completedStatus or e[2].status, e[0].symbol) for e in app.named("completedOrder")]
            return out
        finally:
            app.stop()

    def kill_router(self):
        if self.router and self.router.poll() is None:
            self.router.send_signal(signal.SIGKILL)
            self.router.wait(5)

    def subscriber(self, topics, role="observer"):
        """A SUB on the bus with `role`'s key, subscribed to `topics`."""
        sub = self.ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        for t in topics:
            sub.setsockopt(zmq.SUBSCRIBE, t.encode())
        buskeys.client(sub, self.keys, role, "bus.subscribe")
        sub.connect(f"ipc://{self.tmp / 'bus' / 'bus-sub.sock'}")
        return sub

    def close(self):
        self.reconnect_dealer()
        if self.tws_proxy is not None:
            self.tws_proxy.close()


def brackets_by_intent(refs):
    """Groups orderRefs `<intent>-<leg>` by intent: {intent: [legs]}."""
    out = {}
    for ref in refs:
        intent, _, leg = ref.rpartition("-")
        out.setdefault(intent, []).append(leg)
    return out


def run_stack(procs, tmp_path, extra_config=None):
    """An OrderStack a `candlewick run` can trade through: market entries (also while the market is closed), GTC, the run
    owner's source allowed, the work sockets on free tcp ports, ib-paper's admin port for `run.paper_advance_days` = 1.
    Its order-router is restarted so that it reads the same configuration as the run. Returns the stack and the env for
    the run's processes (without unset keys)."""
    stack = OrderStack(procs, tmp_path, extra_config={
        "CANDLEWICK_IB_PAPER_ADMIN": None, "CANDLEWICK_RISK_ENTRY_TYPE": "MARKET", "CANDLEWICK_RISK_MARKET_ORDERS_WHEN_CLOSED": "true",
        "CANDLEWICK_RISK_TIF": "GTC", "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run,test", **(extra_config or {})})
    env = {k: v for k, v in stack.env.items() if v is not None}
    env.update({f"CANDLEWICK_{k}": f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")})
    env["CANDLEWICK_IB_PAPER_ADMIN"] = f"127.0.0.1:{stack.admin_port}"
    env["CANDLEWICK_RUN_PAPER_ADVANCE_DAYS"] = "1"
    stack.env = env
    stack.kill_router()
    stack.start_router()
    return stack, env
