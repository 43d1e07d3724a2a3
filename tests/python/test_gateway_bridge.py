"""gateway-bridge against ib-paper over TCP, through the bus: daily bars for a symbol match the CSV,
an unknown symbol comes back as IB's error 200, and a gateway that never answers the handshake is a
clear timeout, not a hang."""
import csv
import subprocess
import json
import socket
import time
import uuid

import zmq

import buskeys
from conftest import ROOT, binary, free_port, wait_for


def run_owner_dealer(keys, cmd):
    """A DEALER to gateway-bridge with the run owner's key (the role that may ask for market data)."""
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    buskeys.client(dealer, keys, "run-owner", "gateway.commands")
    dealer.connect(cmd)
    return dealer


def request(dealer, symbol, days, seq):
    env = {"v": 1, "id": str(uuid.uuid4()), "type": "market_data.request", "source": "candlewick-run.py", "seq": seq,
           "ts": "2024-01-01T00:00:00Z", "run_id": None, "causation_id": None, "attachments": [],
           "payload": {"symbol": symbol, "duration_days": days}}
    dealer.send_multipart([b"market_data.request", json.dumps(env).encode()])
    assert dealer.poll(20000), f"no reply for {symbol}"
    frames = dealer.recv_multipart()
    reply = json.loads(frames[1])
    assert reply["causation_id"] == env["id"]
    return reply


def test_bars_and_errors_through_the_bus(procs, tmp_path):
    ib_port = free_port()
    cmd = f"tcp://127.0.0.1:{free_port()}"
    procs([binary("ib-paper"), "--port", str(ib_port), "--state", str(tmp_path), "--as-of", "2017-10-04"], cwd=str(ROOT))
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", ib_port)) == 0, what="ib-paper listening")
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(ib_port), "CANDLEWICK_GATEWAY_COMMANDS": cmd,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / "bus")}
    bridge = procs([binary("gateway-bridge")], env=env)
    dealer = run_owner_dealer(tmp_path / "bus" / "keys", cmd)
    time.sleep(0.5)
    reply = request(dealer, "SPY", 400, 1)
    assert reply["type"] == "market_data", reply
    bars = reply["payload"]["bars"]
    with open(ROOT / "deploy" / "data" / "daily" / "SPY.csv", encoding="utf-8-sig") as f:
        rows = {r["Date"]: r for r in csv.DictReader(f)}
    assert 200 <= len(bars) <= 400
    assert bars[-1]["timestamp"].startswith("2017-10-0")  # nothing after ib-paper's as-of day
    for b in bars:
        r = rows[b["timestamp"][:10]]
        assert abs(b["close"] - float(r["Close"])) < 1e-6 and b["volume"] == float(r["Volume"])
    err = request(dealer, "ZZZZ", 100, 2)
    assert err["type"] == "gateway.error" and err["payload"]["code"] == 200, err
    dealer.close()
    assert bridge.poll() is None, "gateway-bridge must keep running after a failed request"


def test_gateway_that_never_answers_is_a_timeout(procs, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_IB_CONNECT_TIMEOUT_S": "1",
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path)}
    start = time.monotonic()
    p = procs([binary("gateway-bridge")], env=env)
    p.wait(timeout=15)
    assert p.returncode == 2
    assert time.monotonic() - start < 8
    assert b"no handshake within 1" in p.stderr.read()
    silent.close()


def frame(*fields):
    body = b"".join(f.encode() + b"\0" for f in fields)
    return len(body).to_bytes(4, "big") + body


def garbage_frames(rng, n):
    """Unknown message ids, truncated and malformed fields, absurd lengths, random bytes."""
    out = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            out.append(frame(str(rng.randint(200, 10_000)), "1", "x"))  # unknown message id
        elif kind == 1:
            out.append(frame("9"))  # nextValidId without its fields
        elif kind == 2:
            out.append(frame("3", "not-a-number", "Filled", "x"))  # orderStatus with garbage fields
        elif kind == 3:
            out.append(rng.randbytes(rng.randint(1, 64)))
        else:
            out.append((2**31 - 1).to_bytes(4, "big") + b"\0\0")  # absurd length prefix
    return out


def test_hostile_gateway_garbage_never_crashes_the_bridge(procs, tmp_path):
    """A 'gateway' that completes the handshake and then sends garbage, 10,000 frames over many
    connections: gateway-bridge logs a protocol error, resets that connection only, reconnects, and
    keeps serving its bus socket (a request gets a clear error, not a hang)."""
    import random
    import threading
    rng = random.Random(7)
    frames = garbage_frames(rng, 10_000)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    port = server.getsockname()[1]
    sent = {"frames": 0, "connections": 0}
    stop = threading.Event()

    def serve():
        server.settimeout(0.5)
        while not stop.is_set() and sent["frames"] < len(frames):
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            sent["connections"] += 1
            try:
                conn.settimeout(2)
                data = b""
                while len(data) < 8 or len(data) < 8 + int.from_bytes(data[4:8], "big"):  # "API\0" + framed version range
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(frame("178", "20260101 00:00:00 UTC"))
                time.sleep(0.02)  # startApi arrives
                conn.sendall(frame("15", "1", "DU0000001") + frame("9", "1", "1"))
                batch = frames[sent["frames"]:sent["frames"] + 500]
                sent["frames"] += len(batch)
                conn.sendall(b"".join(batch))
                time.sleep(0.05)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    cmd = f"tcp://127.0.0.1:{free_port()}"
    log = tmp_path / "bridge.log"
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(port), "CANDLEWICK_GATEWAY_COMMANDS": cmd,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path), "CANDLEWICK_IB_RECONNECT_MAX_S": "0.05"}
    bridge = procs([binary("gateway-bridge")], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
    wait_for(lambda: sent["frames"] >= len(frames) or bridge.poll() is not None, timeout=120, what="10,000 garbage frames sent")
    stop.set()
    assert bridge.poll() is None, "gateway-bridge must survive a hostile gateway"
    text = log.read_text(errors="replace")
    assert "protocol error" in text and "gateway.reconnected" in text
    assert sent["connections"] >= 10
    # Its bus socket still answers, with a clear error while IB is not usable.
    server.close()
    dealer = run_owner_dealer(tmp_path / "keys", cmd)
    time.sleep(0.3)
    reply = request(dealer, "SPY", 100, 1)
    assert reply["type"] == "gateway.error" and reply["payload"]["message"], reply
    dealer.close()


def test_market_data_across_an_ib_paper_restart(procs, tmp_path):
    """ib-paper killed mid-session: requests fail at once with a clear error (no hang); once it is back,
    gateway-bridge has reconnected on its own and serves bars again."""
    import signal as sig
    ib_port = free_port()
    cmd = f"tcp://127.0.0.1:{free_port()}"
    paper_args = [binary("ib-paper"), "--port", str(ib_port), "--state", str(tmp_path), "--as-of", "2017-10-04"]
    paper = procs(paper_args, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", ib_port)) == 0, what="ib-paper listening")
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(ib_port), "CANDLEWICK_GATEWAY_COMMANDS": cmd,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / "bus"), "CANDLEWICK_IB_RECONNECT_MAX_S": "0.5"}
    bridge = procs([binary("gateway-bridge")], env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "bridge.log", "wb"))
    dealer = run_owner_dealer(tmp_path / "bus" / "keys", cmd)
    time.sleep(0.5)
    assert request(dealer, "SPY", 100, 1)["type"] == "market_data"
    paper.send_signal(sig.SIGKILL)
    paper.wait(5)
    time.sleep(0.3)
    t = time.monotonic()
    down = request(dealer, "AAPL", 100, 2)
    assert down["type"] == "gateway.error" and "not connected" in down["payload"]["message"], down
    assert time.monotonic() - t < 5
    procs(paper_args, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", ib_port)) == 0, what="ib-paper back")
    wait_for(lambda: "gateway.reconnected" in (tmp_path / "bridge.log").read_text(errors="replace"), timeout=20, what="reconnect")
    assert request(dealer, "GOOG", 100, 3)["type"] == "market_data"
    wait_for(lambda: "gateway.resynced epoch=2" in (tmp_path / "bridge.log").read_text(errors="replace"), timeout=10,
             what="the re-sync snapshot after the reconnect")
    assert bridge.poll() is None
    dealer.close()


def test_bridge_never_opens_more_than_ibs_50_historical_requests(procs, tmp_path):
    """IB "Historical Data Limitations": at most 50 historical requests open at once (the 51st gets 322).
    ib-paper holds its answers (`hmds hold`) while 60 symbols are asked for at once: the bridge keeps
    exactly 50 open, never draws a 322, and serves all 60 once the answers flow."""
    from ibapi_harness import admin, start_paper
    symbols = [f"S{i:02d}" for i in range(60)]
    data = tmp_path / "data"  # 60 small real files (AAPL's last 40 days each) load in no time
    data.mkdir()
    rows = (ROOT / "deploy" / "data" / "daily" / "AAPL.csv").read_text(encoding="utf-8-sig").splitlines()
    for s in symbols:
        (data / f"{s}.csv").write_text("\n".join([rows[0], *rows[-40:]]) + "\n")
    _, ib_port, admin_port = start_paper(binary("ib-paper"), procs, tmp_path, "--data", str(data), "--as-of", "2018-01-19")
    token = tmp_path / "ib-paper-admin.token"
    cmd = f"tcp://127.0.0.1:{free_port()}"
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_IB_PORT": str(ib_port), "CANDLEWICK_GATEWAY_COMMANDS": cmd,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / "bus")}
    bridge = procs([binary("gateway-bridge")], env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "bridge.log", "wb"))
    dealer = run_owner_dealer(tmp_path / "bus" / "keys", cmd)
    time.sleep(0.5)
    assert request(dealer, "S00", 5, 1)["type"] == "market_data"  # the bridge is up and connected
    assert admin(admin_port, "hmds hold", token_file=token) == "ok holding open=0"
    ids = {}
    for seq, symbol in enumerate(symbols, start=2):
        env_id = str(uuid.uuid4())
        ids[env_id] = symbol
        msg = {"v": 1, "id": env_id, "type": "market_data.request", "source": "candlewick-run.py", "seq": seq,
               "ts": "2024-01-01T00:00:00Z", "run_id": None, "causation_id": None, "attachments": [],
               "payload": {"symbol": symbol, "duration_days": 20}}
        dealer.send_multipart([b"market_data.request", json.dumps(msg).encode()])
    wait_for(lambda: admin(admin_port, "hmds hold", token_file=token) == "ok holding open=50", timeout=20, what="50 requests open at ib-paper")
    assert not dealer.poll(0), "nothing answered while ib-paper holds"
    assert admin(admin_port, "hmds hold", token_file=token) == "ok holding open=50", "the bridge keeps the other 10 to itself"
    assert admin(admin_port, "hmds release", token_file=token) == "ok released=50"
    got = {}
    deadline = time.monotonic() + 20
    while len(got) < 60 and time.monotonic() < deadline:
        if dealer.poll(200):
            reply = json.loads(dealer.recv_multipart()[1])
            got[ids[reply["causation_id"]]] = reply
    assert sorted(got) == symbols
    assert all(r["type"] == "market_data" and len(r["payload"]["bars"]) >= 10 for r in got.values()), \
        [r["payload"] for r in got.values() if r["type"] != "market_data"][:3]
    assert "historical.refused" not in (tmp_path / "ib-paper.log").read_text(errors="replace")
    dealer.close()
    assert bridge.poll() is None
