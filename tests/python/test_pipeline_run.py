"""candlewick run end to end over real processes: bundled real data → chart-workers → llm-worker
(offline rules analyst) → signals and a run summary; a 'worker' that takes analysis jobs and dies
costs nothing but a re-issue, and no symbol is answered twice."""
import json
import time

import zmq

import buskeys
from conftest import ROOT, binary, free_port


def test_run_charts_and_signals_survive_a_dead_worker(procs, tmp_path):
    eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")}
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_BUS_DIRECTORY": str(tmp_path)}
    env.update({f"CANDLEWICK_{k}": v for k, v in eps.items()})
    ctx = zmq.Context.instance()
    thief = ctx.socket(zmq.PULL)
    thief.setsockopt(zmq.RCVHWM, 1)
    buskeys.client(thief, tmp_path / "keys", "llm-worker", "llm.jobs")
    thief.connect(eps["LLM_JOBS"])
    out = tmp_path / "run"
    owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(ROOT / "deploy" / "data" / "daily"), "--out", str(out),
                   "--lease", "1", "--timeout", "90"], env=env, cwd=str(ROOT))
    for i in (1, 2):
        procs([binary("chart-worker"), "--instance", f"chart-worker.{i}"], env=env)
    stolen = None
    deadline = time.time() + 20
    while stolen is None and time.time() < deadline:
        if thief.poll(200):
            frames = thief.recv_multipart()
            stolen = json.loads(frames[1])["payload"]["job_id"]
            assert len(frames) == 4, "analysis jobs carry both charts as attachment frames"
    assert stolen, "no analysis job was ever pushed"
    thief.close(0)  # the 'worker' dies holding a job
    procs([binary("llm-worker"), "--instance", "llm-worker.1"], env=env)
    stdout, stderr = owner.communicate(timeout=120)
    assert owner.returncode == 0, stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    symbols = [s["symbol"] for s in summary["symbols"]]
    assert sorted(symbols) == ["AAPL", "GOOG", "INTC", "MSFT", "SPY"], symbols
    assert summary["totals"]["failed"] == 0 and summary["totals"]["reissued"] >= 1
    for s in summary["symbols"]:
        assert s["action"] in ("BUY", "SELL", "HOLD") and s["provider"] == "rules"
        signal = json.loads((out / "signals" / s["symbol"] / "signal.json").read_text())
        assert signal["symbol"] == s["symbol"] and signal["action"] == s["action"]
        assert (out / "charts" / s["symbol"] / f"{s['symbol']}_daily.png").exists()
    text = stdout.decode()
    assert "5 symbols" in text and "R:R" in text
    # The HTML report references every chart, and every referenced file exists.
    import re
    html = (out / "report.html").read_text()
    images = re.findall(r'<img alt="[^"]*" src="([^"]+)"', html)
    assert len(images) == 10
    for src in images + re.findall(r'href="(signals/[^"]+)"', html):
        assert (out / src).exists(), src


def test_a_chart_whose_png_does_not_match_its_sha256_fails_that_symbol_only(procs, tmp_path):
    """A man in the middle flips one byte of the first chart result's daily PNG on its way to the run
    owner: that symbol fails with a reason naming the sha256 check, the other four complete."""
    eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")}
    relay_in = f"tcp://127.0.0.1:{free_port()}"
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_BUS_DIRECTORY": str(tmp_path)}
    env.update({f"CANDLEWICK_{k}": v for k, v in eps.items()})
    ctx = zmq.Context.instance()
    # The man in the middle holds the keys (same user, one-host stack): with CURVE, one without them
    # could neither read nor alter the frames.
    inbound = buskeys.server(ctx.socket(zmq.PULL), tmp_path / "keys", "run-owner")
    inbound.bind(relay_in)
    outbound = buskeys.client(ctx.socket(zmq.PUSH), tmp_path / "keys", "chart-worker", "chart.results")
    outbound.connect(eps["CHART_RESULTS"])
    out = tmp_path / "run"
    owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(ROOT / "deploy" / "data" / "daily"), "--out", str(out),
                   "--timeout", "90"], env=env, cwd=str(ROOT))
    procs([binary("chart-worker"), "--instance", "chart-worker.1"], env=dict(env, CANDLEWICK_CHART_RESULTS=relay_in))
    procs([binary("llm-worker"), "--instance", "llm-worker.1"], env=env)
    tampered, forwarded = None, 0
    deadline = time.time() + 60
    while forwarded < 5 and time.time() < deadline:
        if inbound.poll(200):
            frames = inbound.recv_multipart()
            if tampered is None:
                tampered = json.loads(frames[1])["payload"]["symbol"]
                png = bytearray(frames[2])
                png[len(png) // 2] ^= 0xFF  # same size, different bytes
                frames[2] = bytes(png)
            outbound.send_multipart(frames)
            forwarded += 1
    assert forwarded == 5, f"only {forwarded} chart results passed the relay"
    stdout, stderr = owner.communicate(timeout=120)
    inbound.close(0)
    outbound.close(0)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["failed"] == 1, summary["failures"]
    assert summary["failures"][0]["symbol"] == tampered and "sha256" in summary["failures"][0]["reason"]
    assert sorted(s["symbol"] for s in summary["symbols"]) == sorted({"AAPL", "GOOG", "INTC", "MSFT", "SPY"} - {tampered})
    assert f"FAILED {tampered}" in stdout.decode()


def test_leases_time_the_worker_not_the_queue(procs, tmp_path):
    """80 symbols on one chart-worker take longer than a 2 s lease. With every job sent at once
    (--in-flight 1000) jobs expire while merely queued and are sent again; with --in-flight 2 the
    rest wait in the run owner and nothing is re-issued. Both runs complete every symbol."""
    data = tmp_path / "data"
    data.mkdir()
    names = [f"{b}{i:02d}" for i in range(20) for b in ("AAPL", "GOOG", "MSFT", "SPY")]
    for n in names:
        (data / f"{n}.csv").symlink_to(ROOT / "deploy" / "data" / "daily" / f"{n.rstrip('0123456789')}.csv")
    totals = {}
    for window in (1000, 2):
        eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")}
        env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / f"bus{window}")}
        env.update({f"CANDLEWICK_{k}": v for k, v in eps.items()})
        out = tmp_path / f"run{window}"
        # The workers first (they connect and wait), so no lease runs while a worker is still starting.
        worker = procs([binary("chart-worker"), "--instance", "chart-worker.1"], env=env)
        llm = procs([binary("llm-worker"), "--instance", "llm-worker.1"], env=env)
        time.sleep(1)
        owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(data), "--out", str(out), "--lease", "2",
                       "--attempts", "20", "--in-flight", str(window), "--timeout", "120"], env=env, cwd=str(ROOT))
        owner.communicate(timeout=150)
        assert owner.returncode == 0
        summary = json.loads((out / "summary.json").read_text())
        assert summary["totals"]["symbols"] == 80 and summary["totals"]["failed"] == 0, summary["failures"]
        totals[window] = summary["totals"]
        worker.terminate()
        llm.terminate()
        worker.wait(10)
        llm.wait(10)
    assert totals[1000]["reissued"] > 0, totals  # the problem the window solves is real on this machine
    assert totals[2]["reissued"] == 0, totals
