"""Who may place an order: the attacks of issue 15 against a live stack (ib-paper, proxy, gateway-bridge,
order-router), from separate clients speaking only pyzmq and the documented formats — without CURVE,
with a key on no allow-list, with a worker's key, with an allowed key of the wrong role, with a
lying `source`, replayed and expired commands, another uid on the ipc sockets, ib-paper's admin port
without its token. Each is refused, counted in `candlewick status`, logged and audited with the key
id; ib-paper (asked with the official ibapi client) holds exactly the orders it held before, the
live stop-loss still works, and `candlewick trading status` is unchanged."""
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import uuid

import zmq

import buskeys
from conftest import binary, wait_for
from ibapi_harness import admin
from orders_stack import OrderStack, envelope, signal_for

SERVER = buskeys.SERVER


def key_id(public):
    """The short key id the processes log: sha256 of the Z85 public key, 12 hex digits."""
    return hashlib.sha256(public).hexdigest()[:12]


def attacker(stack, endpoint, endpoint_name, who):
    """A DEALER to `endpoint` as `who`: "plain" (no CURVE), "stranger" (a key on no allow-list) or a role."""
    s = stack.ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    public = None
    if who == "stranger":
        public, secret = zmq.curve_keypair()
        s.curve_publickey, s.curve_secretkey = public, secret
        s.curve_serverkey = buskeys.key(stack.keys, SERVER[endpoint_name])[0]
    elif who != "plain":
        buskeys.client(s, stack.keys, who, endpoint_name)
        public = buskeys.key(stack.keys, who)[0]
    s.connect(endpoint)
    return s, public


def ask(sock, kind, payload, source, timeout=1.5, expires_in=30.0, raw=None):
    """Sends one request; returns (reply or None, the frames sent)."""
    frames = raw or [kind.encode(), json.dumps(envelope(kind, payload, 1, source=source, expires_in=expires_in)).encode()]
    try:
        sock.send_multipart(frames, zmq.NOBLOCK)
    except zmq.Again:
        return None, frames  # no connection was admitted, so there is nowhere to queue the request
    if sock.poll(int(timeout * 1000)):
        return json.loads(sock.recv_multipart()[1]), frames
    return None, frames


def trading_status(stack):
    out = subprocess.run([binary("candlewick"), "trading", "status", "--source", "test"], env=stack.env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def counters(stack):
    """Every process's heartbeat counters, from `candlewick status --json`."""
    out = subprocess.run([binary("candlewick"), "status", "--json", "--seconds", "1.5"], env=stack.env, capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return {r["process"]: r["counters"] for r in json.loads(out.stdout)}


def order_plan(symbol="GOOG", qty=5000):
    intent = f"evil-{uuid.uuid4().hex[:8]}"
    return {"intent_id": intent, "run_id": "evil", "symbol": symbol, "signal_id": "evil", "oca_group": None,
            "account": "DU0000001", "notional": 4_700_000, "opening": True, "received_at": "2026-01-01T00:00:00Z",
            "legs": [{"role": "exit", "order_ref": f"{intent}-X", "side": "BUY", "order_type": "MARKET", "quantity": qty,
                      "limit_price": None, "stop_price": None, "tif": "DAY", "outside_rth": False}]}


OTHER_UID = textwrap.dedent("""
    import json, os, socket, sys
    import zmq
    bus_dir, router_tcp, server_key = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    out = {"uid": os.getuid(), "ipc": {}}
    for name in ("bus-pub.sock", "bus-sub.sock", "gateway-events.sock"):
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(os.path.join(bus_dir, name))
            out["ipc"][name] = "connected"
        except OSError as e:
            out["ipc"][name] = type(e).__name__
        finally:
            s.close()
    try:
        os.listdir(os.path.join(bus_dir, "keys"))
        out["keys"] = "readable"
    except OSError as e:
        out["keys"] = type(e).__name__
    d = zmq.Context().socket(zmq.DEALER)
    d.linger = 0
    public, secret = zmq.curve_keypair()
    d.curve_publickey, d.curve_secretkey = public, secret
    d.curve_serverkey = server_key
    d.connect(router_tcp)
    env = {"v": 1, "id": "uid-attack", "type": "trading.command", "source": "candlewick-trading.x", "seq": 1,
           "ts": "2026-01-01T00:00:00Z", "run_id": None, "causation_id": None, "attachments": [],
           "payload": {"action": "halt", "reason": "from another user", "source": "test"}, "expires": "2099-01-01T00:00:00Z"}
    try:
        d.send_multipart([b"trading.command", json.dumps(env).encode()], zmq.NOBLOCK)
        out["tcp_reply"] = bool(d.poll(1500))
    except zmq.Again:
        out["tcp_reply"] = False
    out["key_id"] = __import__("hashlib").sha256(public).hexdigest()[:12]
    print(json.dumps(out))
""")


def test_every_attack_is_refused_counted_logged_and_changes_nothing(procs, tmp_path):
    stack = OrderStack(procs, tmp_path, extra_config={"CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S": "0.5"})
    # A legitimate bracket whose entry fills: its stop-loss is the live order the attacks go after.
    done = stack.submit_until_done("run-live", [signal_for("SPY", "sig-live")], deadline_s=40)
    decision = done["sig-live"]
    assert decision["outcome"] == "placed", decision
    intent = decision["intent_id"]
    assert stack.advance(1).startswith("ok")
    wait_for(lambda: any(r == f"{intent}-E" and s == "Filled" for r, s, _ in stack.ib_orders()), timeout=20, what="the entry filled")
    before_orders = sorted(stack.ib_orders())
    assert (f"{intent}-SL", "Submitted", "SPY") in before_orders, before_orders
    before_state = trading_status(stack)
    assert before_state.startswith("trading: ACTIVE"), before_state
    before_audit = (tmp_path / "bus" / "audit" / "order-router.jsonl").read_text()

    keys_used = {}
    # 1. signal.submit to order-router with a made-up source.
    for who, source in [("plain", "candlewick-run"), ("stranger", "candlewick-run"), ("chart-worker", "candlewick-run.x"),
                        ("operator", "candlewick-trading.x"), ("run-owner", "cli")]:
        sock, public = attacker(stack, stack.router_cmd, "router.commands", who)
        keys_used[who] = public
        sig = signal_for("GOOG", f"evil-{who}")
        reply, _ = ask(sock, "signal.submit", {"run_id": "evil", "signal": sig, "last_price": sig["entry_price"], "source": "candlewick-run"},
                       source)
        assert reply is None, f"signal.submit as {who} was answered: {reply}"
        sock.close()
    # 2./3. order.place (BUY 5,000 GOOG at market) and order.cancel of the live stop-loss straight to gateway-bridge.
    for who in ["plain", "stranger", "chart-worker", "operator", "run-owner"]:
        sock, _ = attacker(stack, stack.gateway_cmd, "gateway.commands", who)
        source = buskeys.SOURCE.get(who, "order-router.1")
        reply, _ = ask(sock, "order.place", order_plan(), "order-router.1" if who in ("plain", "stranger") else source)
        assert reply is None, f"order.place as {who} was answered: {reply}"
        reply, _ = ask(sock, "order.cancel", {"intent_id": intent, "order_ref": f"{intent}-SL", "reason": "evil"}, source)
        assert reply is None, f"order.cancel as {who} was answered: {reply}"
        sock.close()
    # 4. A fake broker.execution with a loss of 99,999 on the bus: without a key the proxy refuses it; with a
    #    worker's key it reaches the bus, but order-router believes broker events only from gateway-bridge's socket.
    execution = {"execution_id": "evil-1", "symbol": "SPY", "side": "SELL", "quantity": 10, "price": 1.0, "commission": 1.0,
                 "order_ref": f"{intent}-SL", "broker_order_id": 1, "realized_pnl": -99999, "timestamp": "2017-10-05T15:00:00Z"}
    #    An observer on the bus proves the worker's fakes really went out (else "nothing changed" below would prove nothing);
    #    the plain client's refusal is proven by the proxy's handshake counter (want_proxy below).
    observer = stack.ctx.socket(zmq.SUB)
    observer.setsockopt(zmq.LINGER, 0)
    observer.subscribe(b"broker.execution")
    buskeys.client(observer, stack.keys, "observer", "bus.subscribe")
    observer.connect(f"ipc://{tmp_path / 'bus' / 'bus-sub.sock'}")
    for who in ["plain", "chart-worker"]:
        pub = stack.ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 500)
        if who != "plain":
            buskeys.client(pub, stack.keys, who, "bus.publish")
        pub.connect(f"ipc://{tmp_path / 'bus' / 'bus-pub.sock'}")

        def send_fakes():
            for n in range(3):
                env = envelope("broker.execution", dict(execution, execution_id=f"evil-{who}-{n}"), n + 1, source="gateway-bridge.1")
                pub.send_multipart([b"broker.execution", json.dumps(env).encode()])
        if who == "plain":
            send_fakes()
        else:
            # Sent again until the observer sees one (a PUB drops what it sends before its connection is up).
            def seen_on_bus():
                send_fakes()
                while observer.poll(100):
                    if json.loads(observer.recv_multipart()[1])["payload"]["execution_id"].startswith("evil-chart-worker-"):
                        return True
                return False
            wait_for(seen_on_bus, timeout=15, interval=0.1, what="the worker-keyed fake execution on the bus")
        pub.close()
    observer.close()
    # A worker's key cannot even subscribe to gateway-bridge's broker-event socket.
    sub = stack.ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.subscribe(b"")
    buskeys.client(sub, stack.keys, "chart-worker", "gateway.events")
    sub.connect(f"ipc://{tmp_path / 'bus' / 'gateway-events.sock'}")
    # 5. trading.command halt with source "cli": without a key, as a stranger, a worker, the read-only observer.
    for who, source in [("plain", "candlewick-trading.x"), ("stranger", "candlewick-trading.x"), ("chart-worker", "chart-worker.x"),
                        ("observer", "tap.x")]:
        sock, _ = attacker(stack, stack.router_cmd, "router.commands", who)
        reply, _ = ask(sock, "trading.command", {"action": "halt", "reason": "evil", "source": "test"}, source)
        assert reply is None, f"trading.command halt as {who} was answered: {reply}"
        sock.close()
    # An operator's command that expired, and one without an expiry: refused.
    op, _ = attacker(stack, stack.router_cmd, "router.commands", "operator")
    assert ask(op, "trading.command", {"action": "halt", "reason": "old", "source": "test"}, "candlewick-trading.x", expires_in=-5)[0] is None
    stale = envelope("trading.command", {"action": "halt", "reason": "no expiry", "source": "test"}, 1, source="candlewick-trading.x")
    del stale["expires"]
    assert ask(op, None, None, None, raw=[b"trading.command", json.dumps(stale).encode()])[0] is None
    # ib-paper's admin port (which moves the simulated day): no token, a wrong token.
    as_of = admin(stack.admin_port, "asof", token_file=stack.admin_token)
    assert admin(stack.admin_port, "advance 5").startswith("error: authentication required")
    assert admin(stack.admin_port, "auth 0123456789abcdef0123\nadvance 5").startswith("error: authentication required")
    assert admin(stack.admin_port, "asof", token_file=stack.admin_token) == as_of
    # 6. Another local user (uid 4242): the ipc directory is closed to it; over tcp its key is unknown.
    assert os.stat(tmp_path / "bus").st_mode & 0o077 == 0 and os.stat(tmp_path / "bus" / "keys").st_mode & 0o077 == 0
    os.chmod(tmp_path, 0o755)  # pytest's tmp dirs are 0700 already: open the parent so only our own check stands
    other = subprocess.run(["setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", sys.executable, "-c", OTHER_UID,
                            str(tmp_path / "bus"), stack.router_cmd, buskeys.key(stack.keys, "order-router")[0].decode()],
                           capture_output=True, text=True, timeout=60, cwd="/")
    assert other.returncode == 0, other.stderr
    seen = json.loads(other.stdout)
    assert seen["uid"] == 4242
    assert set(seen["ipc"].values()) == {"PermissionError"}, seen
    assert seen["keys"] == "PermissionError" and seen["tcp_reply"] is False, seen

    # Nothing changed: the orders at ib-paper, the live stop-loss, the router's state.
    after_orders = sorted(stack.ib_orders())
    assert after_orders == before_orders, f"orders changed at ib-paper:\n{before_orders}\n{after_orders}"
    assert sub.poll(500) == 0, "a worker's key received broker events from gateway-bridge's socket"
    sub.close()
    assert trading_status(stack) == before_state

    # Each refusal counted (visible in `candlewick status`), logged and audited with the key id.
    # "handshake": refused before ZAP (no_curve, or bad_handshake when the plain client hung up first).
    want_router = {"handshake": 2, "unknown_key": 3, "role_not_admitted": 2, "not_permitted": 2, "source_mismatch": 1,
                   "expired": 1, "missing_expiry": 1}
    want_gateway = {"handshake": 1, "unknown_key": 1, "role_not_admitted": 3, "not_permitted": 2}
    want_proxy = {"handshake": 1}

    def count(cs, reason):
        if reason == "handshake":
            return cs.get("auth.refused.no_curve", 0) + cs.get("auth.refused.bad_handshake", 0)
        return cs.get(f"auth.refused.{reason}", 0)

    last = {}

    def all_counted():
        c = counters(stack)
        last.update({p: {k: v for k, v in cs.items() if k.startswith("auth.")} for p, cs in c.items()})
        ok = all(count(c.get(p, {}), r) >= n
                 for p, want in (("order-router", want_router), ("gateway-bridge", want_gateway), ("proxy", want_proxy))
                 for r, n in want.items())
        return c if ok else None
    try:
        c = wait_for(all_counted, timeout=30, interval=0.5, what="every refusal counted in candlewick status")
    except BaseException:
        print("counters seen:", json.dumps(last, indent=1, sort_keys=True))
        raise
    assert c["order-router"]["auth.refused"] >= sum(want_router.values())
    router_log = (tmp_path / "order-router.log").read_text()
    gateway_log = (tmp_path / "gateway-bridge.log").read_text()
    stranger_ids = [l for l in router_log.splitlines() if "auth.refused" in l and "reason=unknown_key" in l]
    assert any(f"key_id={seen['key_id']}" in l for l in stranger_ids), "the other uid's key id is not in the log"
    worker_id = key_id(keys_used["chart-worker"])
    assert f"key_id={worker_id}" in router_log and f"key_id={worker_id}" in gateway_log
    assert f"key_id={key_id(keys_used['run-owner'])}" in gateway_log and "reason=not_permitted" in gateway_log
    audit = (tmp_path / "bus" / "audit" / "order-router.jsonl").read_text()[len(before_audit):]
    records = [json.loads(l) for l in audit.splitlines()]
    assert {r["reason"] for r in records if r["event"] == "refused"} >= set(want_router) - {"handshake"}
    assert any(r.get("key_id") == worker_id for r in records)
    for log in (router_log, gateway_log, audit):
        for role in ("order-router", "gateway-bridge", "run-owner", "operator", "chart-worker"):
            secret = buskeys.key(stack.keys, role)[1].decode()
            assert secret not in log, f"the secret key of {role} was written to a log"

    # A captured command replayed: the operator's halt works once; the same frames again are refused.
    halt, frames = ask(op, "trading.command", {"action": "halt", "reason": "operator", "source": "test"}, "candlewick-trading.x", timeout=10)
    assert halt and halt["payload"]["state"] == "HALTED", halt
    resume, _ = ask(op, "trading.command", {"action": "resume", "reason": "operator", "source": "test"}, "candlewick-trading.x", timeout=10)
    assert resume and resume["payload"]["state"] == "ACTIVE", resume
    assert ask(op, None, None, None, raw=frames)[0] is None, "a replayed halt was accepted"
    assert trading_status(stack).startswith("trading: ACTIVE")
    wait_for(lambda: counters(stack).get("order-router", {}).get("auth.refused.replay", 0) >= 1, timeout=15, what="the replay counted")
    accepted = [json.loads(l) for l in (tmp_path / "bus" / "audit" / "order-router.jsonl").read_text().splitlines()]
    assert any(r["event"] == "accepted" and r["type"] == "trading.command" and r["role"] == "operator" for r in accepted)
    op.close()
    stack.close()
