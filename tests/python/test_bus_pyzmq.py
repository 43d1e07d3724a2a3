"""The bus is language-neutral: Python (pyzmq + json, with CURVE keys from the stack's key directory)
reads what Swift processes publish through the proxy, and Swift accepts what Python publishes. Also:
two real processes over ipc:// and tcp://, a subscriber killed and restarted resumes, a sequence gap
is reported, and a client without a key reads nothing."""
import json
import os
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
import zmq

import buskeys
from conftest import binary, free_port, wait_for


def endpoints(transport, tmp):
    if transport == "ipc":
        return f"ipc://{tmp}/bus-pub.sock", f"ipc://{tmp}/bus-sub.sock"
    return f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"


def bus_args(pub, sub):
    return ["--bus-publish", pub, "--bus-subscribe", sub]


@pytest.fixture
def tmpdir_short():
    # ipc paths must stay under ~100 characters.
    d = tempfile.mkdtemp(prefix="cwpy-", dir="/tmp")
    yield d


def env_for(tmp):
    """Every process of a test shares one bus directory, so one key directory (<tmp>/keys)."""
    return dict(os.environ, CANDLEWICK_BUS_DIRECTORY=tmp)


def start_proxy(procs, pub, sub, tmp):
    p = procs([binary("candlewick"), "proxy", "--instance", "proxy.test"] + bus_args(pub, sub), env=env_for(tmp))
    return p


def py_sub(ctx, sub, tmp, prefix=b""):
    """What the README shows: a SUB with a CURVE key (the observer's) that expects the proxy's key."""
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.SUBSCRIBE, prefix)
    buskeys.client(s, f"{tmp}/keys", "observer", "bus.subscribe")
    s.connect(sub)
    return s


def py_pub(ctx, pub, tmp, xpub=False):
    r"""A publisher with the operator's key. As an XPUB it also receives the subscriptions the proxy forwards
    (b"\x01topic" / b"\x00topic"): the event that says a subscriber is (or is no longer) listening."""
    p = ctx.socket(zmq.XPUB if xpub else zmq.PUB)
    p.setsockopt(zmq.LINGER, 1000)
    buskeys.client(p, f"{tmp}/keys", "operator", "bus.publish")
    p.connect(pub)
    return p


def wait_subscription(p, *topics, on=True, timeout=15):
    """Waits until the proxy has forwarded a (un)subscription for each topic to the XPUB `p` (instead of a settle sleep)."""
    want = {(b"\x01" if on else b"\x00") + t.encode() for t in topics}
    deadline = time.monotonic() + timeout
    while want:
        left = deadline - time.monotonic()
        assert left > 0, f"no {'subscription' if on else 'unsubscription'} for {sorted(want)} within {timeout}s"
        if p.poll(int(left * 1000) + 1):
            want.discard(p.recv())


def recv_json(sock, timeout_ms=5000):
    if not sock.poll(timeout_ms):
        return None
    frames = sock.recv_multipart()
    return frames[0].decode(), json.loads(frames[1]), frames[2:]


def envelope(type_, payload, seq, source="python.1"):
    return {
        "v": 1, "id": str(uuid.uuid4()), "type": type_, "source": source, "seq": seq,
        "ts": "2024-05-01T12:00:00.000Z", "run_id": "py-run", "causation_id": None,
        "attachments": [], "payload": payload,
    }


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_python_reads_swift_messages(procs, tmpdir_short, transport):
    pub, sub = endpoints(transport, tmpdir_short)
    start_proxy(procs, pub, sub, tmpdir_short)
    ctx = zmq.Context.instance()
    s = py_sub(ctx, sub, tmpdir_short)
    time.sleep(0.3)
    # The proxy itself heartbeats: a Swift process publishing through the proxy.
    got = wait_for(lambda: recv_json(s, 500), timeout=10, what="a heartbeat from the proxy")
    topic, env, atts = got
    assert topic == env["type"] == "heartbeat"
    assert env["v"] == 1 and env["seq"] >= 1 and env["source"] == "proxy.test"
    hb = env["payload"]
    assert hb["process"] == "proxy" and hb["pid"] > 0 and hb["interval_s"] > 0
    # A second Swift process publishes probes; Python sees them in order with consecutive seq.
    send = subprocess.run([binary("candlewick"), "send", "--count", "20", "--settle", "0.5"] + bus_args(pub, sub),
                          capture_output=True, timeout=30, env=env_for(tmpdir_short))
    assert send.returncode == 0, send.stderr
    probes = []
    deadline = time.time() + 10
    while len(probes) < 20 and time.time() < deadline:
        m = recv_json(s, 500)
        if m and m[0] == "bus.probe":
            probes.append(m[1])
    assert [p["payload"]["n"] for p in probes] == list(range(1, 21))
    assert [p["seq"] for p in probes] == list(range(1, 21))
    assert len({p["id"] for p in probes}) == 20
    s.close()


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_swift_accepts_python_messages_and_rejects_garbage(procs, tmpdir_short, transport):
    pub, sub = endpoints(transport, tmpdir_short)
    start_proxy(procs, pub, sub, tmpdir_short)
    tap = procs([binary("tap"), "--json", "--topic", "signal", "--topic", "bus.", "--count", "2", "--seconds", "20"]
                + bus_args(pub, sub), env=env_for(tmpdir_short))
    ctx = zmq.Context.instance()
    p = py_pub(ctx, pub, tmpdir_short, xpub=True)
    wait_subscription(p, "signal", "bus.")  # the tap listens
    signal_payload = {
        "signal_id": "py-1", "symbol": "AAPL", "action": "BUY", "confidence": "HIGH", "confidence_score": 82,
        "entry_price": 100.5, "stop_loss": 97.25, "take_profit": 107, "reasoning": "from python",
        "key_factors": ["SMA 50 > SMA 200"], "timestamp": "2024-05-01T12:00:00Z",
    }
    bad = dict(signal_payload, confidence_score=20)  # outside the HIGH band
    frames = [
        [b"signal", json.dumps(envelope("signal", bad, 1)).encode()],
        [b"bus.garbage", b"\x00\xffnot json"],
        [b"signal", json.dumps(envelope("signal", signal_payload, 2)).encode()],
        [b"bus.probe", json.dumps(envelope("bus.probe", {"n": 7, "body": "hi"}, 3)).encode()],
    ]
    for f in frames:
        p.send_multipart(f)
    out, err = tap.communicate(timeout=30)
    assert tap.returncode == 0, err.decode()
    lines = [json.loads(l) for l in out.decode().splitlines()]
    assert [l["type"] for l in lines] == ["signal", "bus.probe"]
    assert lines[0]["payload"]["signal_id"] == "py-1" and lines[0]["source"] == "python.1"
    summary = json.loads(err.decode().split("tap summary: ")[1].splitlines()[0])
    assert summary["accepted"] == 2
    assert summary["rejected_by_reason"] == {"invalid_payload": 1, "not_envelope": 1}
    assert "confidence_score" in err.decode()
    p.close()


def test_gap_is_reported_and_subscriber_restart_resumes(procs, tmpdir_short):
    pub, sub = endpoints("ipc", tmpdir_short)
    start_proxy(procs, pub, sub, tmpdir_short)
    ctx = zmq.Context.instance()
    p = py_pub(ctx, pub, tmpdir_short, xpub=True)

    def run_tap():
        tap = procs([binary("tap"), "--json", "--topic", "bus.probe", "--seconds", "4"] + bus_args(pub, sub), env=env_for(tmpdir_short))
        wait_subscription(p, "bus.probe")  # listening (the proxy forwarded its subscription)
        return tap

    def gone():
        wait_subscription(p, "bus.probe", on=False)  # its subscription withdrawn, so the next tap's is forwarded anew

    tap = run_tap()
    for seq in [1, 2, 5]:  # 3 and 4 never sent: a gap of 2
        p.send_multipart([b"bus.probe", json.dumps(envelope("bus.probe", {"n": seq, "body": "x"}, seq)).encode()])
    tap.send_signal(signal.SIGKILL)  # the subscriber dies
    tap.wait()
    gone()
    tap2 = run_tap()  # and is restarted
    for seq in [6, 7]:
        p.send_multipart([b"bus.probe", json.dumps(envelope("bus.probe", {"n": seq, "body": "x"}, seq)).encode()])
    out, err = tap2.communicate(timeout=20)
    assert tap2.returncode == 0
    assert [json.loads(l)["payload"]["n"] for l in out.decode().splitlines()] == [6, 7]
    gone()

    tap3 = run_tap()
    for seq in [8, 9, 12]:
        p.send_multipart([b"bus.probe", json.dumps(envelope("bus.probe", {"n": seq, "body": "x"}, seq)).encode()])
    out, err = tap3.communicate(timeout=20)
    err = err.decode()
    assert "GAP python.1: expected seq 10, got 12 (2 missing)" in err
    summary = json.loads(err.split("tap summary: ")[1].splitlines()[0])
    assert summary["gaps"] == 1 and summary["missing"] == 2 and summary["accepted"] == 3
    p.close()


def test_sigterm_exits_promptly_and_removes_socket_files(procs, tmpdir_short):
    pub, sub = endpoints("ipc", tmpdir_short)
    proxy = start_proxy(procs, pub, sub, tmpdir_short)
    tap = procs([binary("tap")] + bus_args(pub, sub), env=env_for(tmpdir_short))
    wait_for(lambda: os.path.exists(pub[6:]) and os.path.exists(sub[6:]), what="proxy socket files")
    time.sleep(0.5)
    for p in (tap, proxy):
        start = time.monotonic()
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        assert time.monotonic() - start < 6
    assert not os.path.exists(pub[6:]) and not os.path.exists(sub[6:])


@pytest.mark.parametrize("transport", ["ipc", "tcp"])
def test_a_client_without_an_allowed_key_reads_and_writes_nothing(procs, tmpdir_short, transport):
    """Plain ZeroMQ (no CURVE) and a CURVE key on no allow-list: the proxy admits neither; a tap
    holding the observer key may read but not publish. Each refusal is counted in the proxy's heartbeat."""
    pub, sub = endpoints(transport, tmpdir_short)
    start_proxy(procs, pub, sub, tmpdir_short)
    ctx = zmq.Context.instance()
    good = py_sub(ctx, sub, tmpdir_short)
    wait_for(lambda: recv_json(good, 500), timeout=10, what="a heartbeat with a good key")
    plain = ctx.socket(zmq.SUB)
    plain.setsockopt(zmq.LINGER, 0)
    plain.subscribe(b"")
    plain.connect(sub)
    stranger = ctx.socket(zmq.SUB)
    stranger.setsockopt(zmq.LINGER, 0)
    stranger.subscribe(b"")
    stranger.curve_publickey, stranger.curve_secretkey = buskeys.make_keypair()
    stranger.curve_serverkey = buskeys.key(f"{tmpdir_short}/keys", "proxy")[0]
    stranger.connect(sub)
    observer_pub = ctx.socket(zmq.PUB)  # the read-only role may not publish
    observer_pub.setsockopt(zmq.LINGER, 0)
    buskeys.client(observer_pub, f"{tmpdir_short}/keys", "observer", "bus.publish")
    observer_pub.connect(pub)

    last = {}

    def refused():
        got = recv_json(good, 500)
        if got and got[1]["source"] == "proxy.test":
            c = got[1]["payload"]["counters"]
            last.update(c)
            # The plain client is refused before ZAP: no_curve when the proxy reads its NULL greeting first, bad_handshake
            # when the client saw the CURVE greeting and hung up first (both sides greet at once: either can win).
            if c.get("auth.refused.no_curve", 0) + c.get("auth.refused.bad_handshake", 0) >= 1 and c.get("auth.refused.unknown_key", 0) >= 1 \
                    and c.get("auth.refused.role_not_admitted", 0) >= 1:
                return c
        return None
    try:
        counters = wait_for(refused, timeout=20, what="the proxy counting three refusals")
    except BaseException:
        print("proxy counters seen:", json.dumps({k: v for k, v in last.items() if k.startswith("auth")}, sort_keys=True))
        raise
    assert counters["auth.refused"] >= 3
    for _ in range(5):
        observer_pub.send_multipart([b"bus.probe", json.dumps(envelope("bus.probe", {"n": 1, "body": "x"}, 1, source="tap.py")).encode()])
    # The refusals are counted above; a marker from a publisher that may publish, sent after the observer's probes and
    # repeated until the good subscriber has it, shows the bus delivering meanwhile (instead of 1.5 s + 5 × 0.3 s windows).
    operator_pub = py_pub(ctx, pub, tmpdir_short)
    seen = []

    def marker_seen():
        operator_pub.send_multipart([b"bus.probe", json.dumps(envelope("bus.probe", {"n": 2, "body": "marker"}, len(seen) + 1)).encode()])
        while good.poll(100):
            m = recv_json(good, 0)
            seen.append(m)
            if m[0] == "bus.probe" and m[1]["source"] == "python.1":
                return True
        return False
    wait_for(marker_seen, timeout=15, interval=0.05, what="the operator's marker on the bus")
    assert not any(m[0] == "bus.probe" and m[1]["source"] == "tap.py" for m in seen), "the observer key published"
    assert plain.poll(0) == 0 and stranger.poll(0) == 0, "a client without an allowed key received a message"
    for sock in (plain, stranger, observer_pub, operator_pub, good):
        sock.close()
