"""candlewick run end to end over real processes: bundled real data → chart-workers → llm-worker
(offline rules analyst) → signals and a run summary; a 'worker' that takes analysis jobs and dies
costs nothing but a re-issue, and no symbol is answered twice."""
import json
import threading
import time

import zmq

import buskeys
from conftest import ROOT, binary, free_port


# (action, confidence score) of the rules analyst on the bundled series (as of their last bar): every symbol is HOLD,
# for different reasons — a vetoed score of ±2 gives 26 (e.g. SPY: +4 trend/RSI/weekly, cut by a reward:risk veto),
# a score of 0 gives 10 (MSFT).
RULES_ACTIONS = {"AAPL": ("HOLD", 26), "GOOG": ("HOLD", 26), "INTC": ("HOLD", 26), "MSFT": ("HOLD", 10), "SPY": ("HOLD", 26)}


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
    # The rules analyst makes no model call: cost 0, nothing refused; every symbol row carries its cost.
    assert summary["totals"]["cost_usd"] == 0 and summary["totals"]["refusal_rate"] == 0
    assert all(s["cost_usd"] == 0 and s["shadow"] is False for s in summary["symbols"])
    # The rules analyst is deterministic (same bars → same signal): each symbol's action and score are pinned, so a change in the
    # bars, the indicators or the rules shows here (RulesAnalystTests hold the rules themselves).
    assert {s["symbol"]: (s["action"], s["confidence_score"]) for s in summary["symbols"]} == RULES_ACTIONS
    for s in summary["symbols"]:
        assert s["provider"] == "rules"
        signal = json.loads((out / "signals" / s["symbol"] / "signal.json").read_text())
        assert signal["symbol"] == s["symbol"] and signal["action"] == s["action"]
        assert (out / "charts" / s["symbol"] / f"{s['symbol']}_daily.png").exists()
    text = stdout.decode()
    assert "5 symbols" in text and "R:R" in text and "model: cost 0.0000 USD, refusal rate 0%" in text
    # The HTML report references every chart (a thumbnail in the table, larger in the symbol's section), and every
    # referenced file exists.
    import re
    html = (out / "report.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 20 and len(set(images)) == 10
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


class PacedRelay(threading.Thread):
    """Stands between the run owner's job/result endpoints (which it connects to) and one worker (which
    connects to the relay's own bound endpoints, so the worker is connected before the owner starts and
    no reconnect back-off delays it). Results pass straight through; jobs pass at most one per
    `interval` seconds: a pace fixed by the test, not by how fast this machine renders."""

    def __init__(self, owner_jobs, owner_results, interval, keys, role, names):
        """`keys`: the stack's key directory; `role`: the worker role it stands in for towards the run owner;
        `names`: the endpoint names of (jobs, results). Towards the worker it holds the run owner's key."""
        super().__init__(daemon=True)
        self.owner_jobs, self.owner_results, self.interval = owner_jobs, owner_results, interval
        self.keys, self.role, self.names = keys, role, names
        self.worker_jobs = f"tcp://127.0.0.1:{free_port()}"
        self.worker_results = f"tcp://127.0.0.1:{free_port()}"
        self.bound = threading.Event()
        self.worker_connected = threading.Event()
        self.stopping = threading.Event()

    def run(self):
        ctx = zmq.Context.instance()
        up_jobs = buskeys.client(ctx.socket(zmq.PULL), self.keys, self.role, self.names[0])
        up_results = buskeys.client(ctx.socket(zmq.PUSH), self.keys, self.role, self.names[1])
        down_jobs, down_results = (buskeys.server(ctx.socket(k), self.keys, "run-owner") for k in (zmq.PUSH, zmq.PULL))
        for s in (up_jobs, up_results, down_jobs, down_results):
            s.setsockopt(zmq.LINGER, 0)
            s.setsockopt(zmq.RECONNECT_IVL, 20)
        down_jobs.bind(self.worker_jobs)
        down_results.bind(self.worker_results)
        up_jobs.connect(self.owner_jobs)
        up_results.connect(self.owner_results)
        self.bound.set()
        # A bound PUSH socket is writable only once a peer is attached: the worker has connected.
        while not self.stopping.is_set() and not down_jobs.poll(50, zmq.POLLOUT):
            pass
        self.worker_connected.set()
        next_job = 0.0
        while not self.stopping.is_set():
            poller = zmq.Poller()
            poller.register(down_results, zmq.POLLIN)
            wait_ms = 50
            if time.monotonic() >= next_job:
                poller.register(up_jobs, zmq.POLLIN)
            else:
                wait_ms = max(1, min(50, int((next_job - time.monotonic()) * 1000)))
            ready = dict(poller.poll(wait_ms))
            if down_results in ready:
                up_results.send_multipart(down_results.recv_multipart())
            if up_jobs in ready:
                down_jobs.send_multipart(up_jobs.recv_multipart())
                next_job = time.monotonic() + self.interval
        for s in (up_jobs, up_results, down_jobs, down_results):
            s.close(0)


def test_leases_time_the_worker_not_the_queue(procs, tmp_path):
    """80 chart jobs reach the one chart-worker through a relay that passes one job per 0.1 s, so they
    need at least 8 s however fast the machine is, against a 2 s lease. With every job sent at once
    (--in-flight 1000) the later jobs are bound to expire while merely queued and are sent again; with
    --in-flight 2 the rest wait in the run owner, a job waits at most two relay steps (0.2 s) before
    its worker takes it, and nothing is re-issued. Both runs complete every symbol."""
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
        keys = tmp_path / f"bus{window}" / "keys"
        for role in ("run-owner", "chart-worker", "llm-worker"):
            buskeys.key(keys, role)  # made before anyone starts, so no two processes generate the same key
        charts = PacedRelay(eps["CHART_JOBS"], eps["CHART_RESULTS"], interval=0.1, keys=keys, role="chart-worker",
                            names=("chart.jobs", "chart.results"))
        analyses = PacedRelay(eps["LLM_JOBS"], eps["LLM_RESULTS"], interval=0, keys=keys, role="llm-worker", names=("llm.jobs", "llm.results"))
        for relay in (charts, analyses):
            relay.start()
            assert relay.bound.wait(10)
        worker = procs([binary("chart-worker"), "--instance", "chart-worker.1"],
                       env=dict(env, CANDLEWICK_CHART_JOBS=charts.worker_jobs, CANDLEWICK_CHART_RESULTS=charts.worker_results))
        llm = procs([binary("llm-worker"), "--instance", "llm-worker.1"],
                    env=dict(env, CANDLEWICK_LLM_JOBS=analyses.worker_jobs, CANDLEWICK_LLM_RESULTS=analyses.worker_results))
        # Both workers connected before the owner starts, so no lease runs while a worker is still starting.
        assert charts.worker_connected.wait(30) and analyses.worker_connected.wait(30), "a worker never connected"
        out = tmp_path / f"run{window}"
        owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(data), "--out", str(out), "--lease", "2",
                       "--attempts", "20", "--in-flight", str(window), "--timeout", "120"], env=env, cwd=str(ROOT))
        _, stderr = owner.communicate(timeout=150)
        assert owner.returncode == 0, stderr.decode()[-2000:]
        summary = json.loads((out / "summary.json").read_text())
        assert summary["totals"]["symbols"] == 80 and summary["totals"]["failed"] == 0, summary["failures"]
        totals[window] = summary["totals"]
        for relay in (charts, analyses):
            relay.stopping.set()
            relay.join(10)
        worker.terminate()
        llm.terminate()
        worker.wait(10)
        llm.wait(10)
    assert totals[1000]["reissued"] > 0, totals  # queued jobs expire: the relay's pace makes this certain
    assert totals[2]["reissued"] == 0, totals


def test_sigterm_mid_run_writes_the_summary_and_exits_3(procs, tmp_path):
    """SIGTERM while a chart job is out at a 'worker' that never answers: `candlewick run` stops within
    its shutdown budget (runtime.shutdown_budget_s = 5), exit status 3, and still writes summary.json and
    prints the table, naming every symbol as cut short in the stage it was in."""
    import signal
    eps = {k: f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")}
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_BUS_DIRECTORY": str(tmp_path)}
    env.update({f"CANDLEWICK_{k}": v for k, v in eps.items()})
    worker = buskeys.client(zmq.Context.instance().socket(zmq.PULL), tmp_path / "keys", "chart-worker", "chart.jobs")
    worker.setsockopt(zmq.LINGER, 0)
    worker.connect(eps["CHART_JOBS"])
    out = tmp_path / "run"
    owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(ROOT / "deploy" / "data" / "daily"), "--out", str(out),
                   "--timeout", "90", "--staged"], env=env, cwd=str(ROOT))  # staged: every symbol's bars are in before a chart job
    assert worker.poll(30_000), "no chart job was ever pushed"
    worker.recv_multipart()  # the run is under way: a chart job is out
    start = time.monotonic()
    owner.send_signal(signal.SIGTERM)
    stdout, stderr = owner.communicate(timeout=30)
    elapsed = time.monotonic() - start
    worker.close()
    assert owner.returncode == 3, stderr.decode()[-2000:]
    assert elapsed < 5, f"{elapsed:.1f} s to stop after SIGTERM"
    stop = json.loads((out / "summary.json").read_text())["stopped"]
    assert stop["code"] == "signal" and "shutdown signal" in stop["message"], stop
    assert sorted(c["symbol"] for c in stop["cut_short"]) == ["AAPL", "GOOG", "INTC", "MSFT", "SPY"]
    assert {c["stage"] for c in stop["cut_short"]} == {"charts"}, stop["cut_short"]
    printed = stdout.decode()
    assert "STOPPED (signal)" in printed and "CUT SHORT in charts: AAPL, GOOG, INTC, MSFT, SPY" in printed, printed
