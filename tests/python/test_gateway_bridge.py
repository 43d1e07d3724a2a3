"""gateway-bridge against ib-paper over TCP, through the bus: daily bars for a symbol match the CSV,
an unknown symbol comes back as IB's error 200, and a gateway that never answers the handshake is a
clear timeout, not a hang."""
import csv
import json
import socket
import time
import uuid

import zmq

from conftest import ROOT, binary, free_port, wait_for


def request(dealer, symbol, days, seq):
    env = {"v": 1, "id": str(uuid.uuid4()), "type": "market_data.request", "source": "py", "seq": seq,
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
    ctx = zmq.Context.instance()
    dealer = ctx.socket(zmq.DEALER)
    dealer.setsockopt(zmq.LINGER, 0)
    dealer.connect(cmd)
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
