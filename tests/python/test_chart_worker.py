"""chart-worker as a process: jobs in over PUSH/PULL from Python, results with PNG attachment frames
back, two workers sharing the load, garbage survived, SIGTERM honoured."""
import csv
import hashlib
import json
import signal
import subprocess
import time
import uuid

import zmq

import buskeys
from conftest import ROOT, binary, free_port, handshake_counter

FIXTURES = ROOT / "Tests" / "CandlewickCoreTests" / "Fixtures" / "ohlcv"


def market_data(symbol, name, rows=400):
    with open(FIXTURES / name, encoding="utf-8-sig") as f:
        data = list(csv.DictReader(f))[-rows:]
    bars = []
    for r in data:
        o, h, l, c = (float(r[k]) for k in ("Open", "High", "Low", "Close"))
        if l > min(o, c) or h < max(o, c):
            continue
        bars.append({"timestamp": r["Date"], "open": o, "high": h, "low": l, "close": c, "volume": float(r["Volume"])})
    return {"symbol": symbol, "bars": bars, "fetched_at": bars[-1]["timestamp"] + "T22:00:00Z"}


def job_frames(job_id, md, seq):
    env = {"v": 1, "id": str(uuid.uuid4()), "type": "chart.job", "source": "py-owner", "seq": seq,
           "ts": "2024-01-01T00:00:00Z", "run_id": "run-py", "causation_id": None, "attachments": [],
           "payload": {"job_id": job_id, "market_data": md, "daily": {"symbol": md["symbol"], "timeframe": "daily"},
                       "weekly": {"symbol": md["symbol"], "timeframe": "weekly"}}}
    return [b"chart.job", json.dumps(env).encode()]


def test_two_workers_render_jobs_with_attachments(procs, tmp_path):
    jobs_ep, results_ep = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    ctx = zmq.Context.instance()
    # Python plays the run owner: its sockets are CURVE servers with the run owner's key.
    push = buskeys.server(ctx.socket(zmq.PUSH), tmp_path / "keys", "run-owner")
    push.bind(jobs_ep)
    connected = handshake_counter(push)
    pull = buskeys.server(ctx.socket(zmq.PULL), tmp_path / "keys", "run-owner")
    pull.bind(results_ep)
    env = {"CANDLEWICK_CHART_JOBS": jobs_ep, "CANDLEWICK_CHART_RESULTS": results_ep,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path), "PATH": "/usr/bin:/bin"}
    workers = [procs([binary("chart-worker"), "serve", "--instance", f"chart-worker.{i}"], env=env) for i in (1, 2)]
    # PUSH deals only to peers already connected: both workers on the jobs socket before any job (not a 1 s hope).
    connected(2)
    md = {"SPY": market_data("SPY", "SPY.csv"), "AAPL": market_data("AAPL", "AAPL.csv")}
    push.send_multipart([b"chart.job", b"{not json"])  # garbage: refused, the worker keeps serving
    n = 8
    for i in range(n):
        push.send_multipart(job_frames(f"job-{i}", md["SPY" if i % 2 else "AAPL"], i + 1))
    results = {}
    deadline = time.time() + 60
    while len(results) < n and time.time() < deadline:
        if pull.poll(1000):
            frames = pull.recv_multipart()
            assert frames[0] == b"chart.result"
            envelope = json.loads(frames[1])
            results[envelope["payload"]["job_id"]] = (envelope, frames[2:])
    assert len(results) == n, f"got {len(results)} of {n} results"
    by_worker = {}
    for job_id, (envelope, attachments) in results.items():
        p = envelope["payload"]
        assert p["status"] == "ok", p
        assert envelope["run_id"] == "run-py" and envelope["causation_id"]
        assert len(attachments) == 2 == len(envelope["attachments"])
        for chart, info, png in zip(p["charts"], envelope["attachments"], attachments):
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert hashlib.sha256(png).hexdigest() == chart["sha256"] == info["sha256"]
            assert chart["byte_size"] == len(png) == info["size"]
        assert p["indicators"]["sma_200"] is not None
        by_worker[p["worker"]] = by_worker.get(p["worker"], 0) + 1
    assert set(by_worker) == {"chart-worker.1", "chart-worker.2"}, by_worker
    # Same job content → identical PNG bytes, whichever worker rendered it.
    shas = {results[f"job-{i}"][0]["payload"]["charts"][0]["sha256"] for i in range(1, n, 2)}
    assert len(shas) == 1
    for w in workers:
        start = time.monotonic()
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=10) == 0
        assert time.monotonic() - start < 6
        assert b"frames_rejected" not in w.stdout.read()  # logs go to stderr, stdout stays clean
    push.close(0)
    pull.close(0)


def test_owner_reissues_jobs_a_dead_worker_took(procs, tmp_path):
    """A 'worker' takes jobs and dies without answering; after the lease expires the run owner issues
    them again, a real chart-worker renders them, and every symbol is charted exactly once."""
    jobs_ep, results_ep = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    env = {"CANDLEWICK_CHART_JOBS": jobs_ep, "CANDLEWICK_CHART_RESULTS": results_ep,
           "CANDLEWICK_BUS_DIRECTORY": str(tmp_path), "PATH": "/usr/bin:/bin"}
    ctx = zmq.Context.instance()
    thief = ctx.socket(zmq.PULL)
    thief.setsockopt(zmq.RCVHWM, 1)
    buskeys.client(thief, tmp_path / "keys", "chart-worker", "chart.jobs")
    thief.connect(jobs_ep)
    out = tmp_path / "charts"
    owner = procs([binary("candlewick"), "charts", "--data", str(ROOT / "deploy" / "data" / "daily"), "--out", str(out),
                   "--lease", "2", "--timeout", "60"], env=env, cwd=str(ROOT))
    stolen = []
    deadline = time.time() + 10
    while not stolen and time.time() < deadline:
        if thief.poll(200):
            stolen.append(json.loads(thief.recv_multipart()[1])["payload"]["job_id"])
    assert stolen, "the dead worker never received a job"
    thief.close(0)  # dies with its job(s)
    worker = procs([binary("chart-worker"), "serve", "--instance", "chart-worker.9"], env=env)
    stdout, stderr = owner.communicate(timeout=90)
    text = stdout.decode()
    assert owner.returncode == 0, stderr.decode()[-2000:]
    assert "5 charted, 0 failed" in text
    reissued = int(text.split(" re-issued")[0].rsplit(", ", 1)[1])
    assert reissued >= 1
    assert "run.lease_expired" in stderr.decode() and "stage=charts" in stderr.decode()
    for symbol in ("AAPL", "GOOG", "INTC", "MSFT", "SPY"):
        assert (out / symbol / f"{symbol}_daily.png").stat().st_size > 10_000
        assert (out / symbol / f"{symbol}_weekly.png").stat().st_size > 10_000
    worker.terminate()
