"""The stack under supervisord (deploy/supervisor/candlewick.conf: ib-paper, gateway-bridge, proxy,
order-router, tracker, chart-workers, llm-worker): everything starts, heartbeats reach the bus, and
one SIGTERM to supervisord stops every process within its budget with exit status 0, leaving no
orphan and no socket file. And a run whose stack goes away (`supervisorctl shutdown` mid-run) stops
within its shutdown budget + 5 s with a summary that names the stage it was cut short in."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
import zmq

import buskeys
from conftest import BIN, ROOT, wait_for
from llm_mock import MockLLM

CONF = ["-c", str(ROOT / "deploy" / "supervisor" / "candlewick.conf")]
SHUTDOWN_BUDGET_S = 5  # runtime.shutdown_budget_s, the default deploy/candlewick.conf keeps

def start_stack(tmp_path, **extra_env):
    """supervisord with the deploy config; returns (env, run_dir, bus_dir, supervisord pid) once 8 programs are RUNNING."""
    if str(BIN) != str(ROOT / ".build" / "release"):
        pytest.fail(f"the supervisord config runs the release binaries of the checkout ({ROOT}/.build/release), not {BIN}")
    run_dir, bus_dir = tmp_path / "run", tmp_path / "bus"
    (run_dir / "logs").mkdir(parents=True)
    env = dict(os.environ, CANDLEWICK_HOME=str(ROOT), CANDLEWICK_RUN_DIR=str(run_dir), CANDLEWICK_BUS_DIRECTORY=str(bus_dir), **extra_env)
    subprocess.run(["supervisord"] + CONF, env=env, check=True, timeout=30)
    pid = int(wait_for(lambda: (run_dir / "supervisord.pid").exists() and (run_dir / "supervisord.pid").read_text().strip(),
                       what="supervisord pid"))
    return env, run_dir, bus_dir, pid


def status(env):
    return subprocess.run(["supervisorctl"] + CONF + ["status"], env=env, capture_output=True, text=True).stdout


def wait_running(env):
    return wait_for(lambda: status(env).count("RUNNING") >= 8 and status(env), timeout=30, what="8 programs RUNNING")


def heartbeats(bus_dir, want, timeout=15):
    """The heartbeat sources seen on the bus until every one of `want` was (or `timeout`)."""
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.subscribe(b"heartbeat")
    buskeys.client(sub, bus_dir / "keys", "observer", "bus.subscribe")  # keys made by the stack on first start
    sub.connect(f"ipc://{bus_dir}/bus-sub.sock")
    seen = set()
    deadline = time.time() + timeout
    while not want <= seen and time.time() < deadline:
        if sub.poll(500):
            seen.add(json.loads(sub.recv_multipart()[1])["source"])
    sub.close()
    return seen


def wait_gone(run_dir, timeout=30):
    wait_for(lambda: not (run_dir / "supervisord.pid").exists(), timeout=timeout, what="supervisord to exit")


def test_stack_starts_heartbeats_and_stops_cleanly(tmp_path):
    env, run_dir, bus_dir, pid = start_stack(tmp_path)
    try:
        stack = wait_running(env)
        assert "chart-worker:chart-worker.0" in stack and "llm-worker:llm-worker.0" in stack
        want = {"proxy.1", "chart-worker.0", "chart-worker.1", "llm-worker.0", "gateway-bridge.1", "order-router.1", "tracker.1"}
        seen = heartbeats(bus_dir, want)
        assert want <= seen, seen
        st = subprocess.run([str(BIN / "candlewick"), "status", "--json", "--seconds", "2.5"], env=env, capture_output=True, timeout=30)
        assert st.returncode == 0, st.stderr
        status_rows = {r["instance"]: r for r in json.loads(st.stdout)}
        assert {"proxy.1", "chart-worker.0", "chart-worker.1", "llm-worker.0"} <= set(status_rows)
        assert all(r["state"] == "running" for r in status_rows.values())
        assert "jobs_done" in status_rows["chart-worker.0"]["counters"]
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 8
    finally:
        start = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        wait_gone(run_dir)
        elapsed = time.monotonic() - start
    assert elapsed < 15, f"the stack took {elapsed:.1f} s to stop"
    for c in children:
        assert not os.path.exists(f"/proc/{c}") or "zombie" in open(f"/proc/{c}/status").read().lower(), f"orphan {c}"
    log = (run_dir / "logs" / "supervisord.log").read_text()
    stopped = re.findall(r"stopped: (\S+) \(exit status (\d+)\)", log)
    assert len(stopped) == 8 and all(code == "0" for _, code in stopped), stopped
    assert "SIGKILL" not in log
    assert not list(bus_dir.glob("*.sock")), list(bus_dir.glob("*.sock"))


def test_run_stops_when_the_stack_shuts_down(tmp_path):
    """`supervisorctl shutdown` while every analysis is out at a model that does not answer: the run sees
    the llm-worker's heartbeats end, stops within its shutdown budget + 5 s (measured from the shutdown
    command to the run's exit), exit status 3, and its summary names the stage it was cut short in."""
    mock = MockLLM("openai", ["never"])
    env, run_dir, bus_dir, pid = start_stack(
        tmp_path, CANDLEWICK_LLM_PROVIDER="openai", CANDLEWICK_LLM_MODEL="test-model", CANDLEWICK_LLM_BASE_URL=mock.url,
        OPENAI_API_KEY=mock.key, CANDLEWICK_LLM_TIMEOUT_S="120")
    out = tmp_path / "out"
    run = None
    try:
        wait_running(env)
        want = {"chart-worker.0", "chart-worker.1", "llm-worker.0", "gateway-bridge.1", "order-router.1"}
        assert want <= heartbeats(bus_dir, want)
        with open(tmp_path / "run.out", "w") as stdout, open(tmp_path / "run.err", "w") as stderr:
            run = subprocess.Popen([str(BIN / "candlewick"), "run", "--config", str(ROOT / "deploy" / "candlewick.conf"), "--out", str(out),
                                    "--log-level", "warning"], env=env, cwd=ROOT, stdout=stdout, stderr=stderr)
        # Mid-run: every symbol rendered and its analysis at the model (which never answers).
        wait_for(lambda: len(mock.requests) >= 4 or run.poll() is not None, timeout=90, what="the analyses to reach the model")
        assert run.poll() is None, (tmp_path / "run.err").read_text()
        start = time.monotonic()
        subprocess.run(["supervisorctl"] + CONF + ["shutdown"], env=env, capture_output=True, timeout=30)
        code = run.wait(timeout=60)
        elapsed = time.monotonic() - start
        print(f"candlewick run exited {code} {elapsed:.1f} s after supervisorctl shutdown")
        wait_gone(run_dir)
    finally:
        if run is not None and run.poll() is None:
            run.kill()
            run.wait()
        mock.close()
        if (run_dir / "supervisord.pid").exists():
            os.kill(pid, signal.SIGTERM)
            wait_gone(run_dir)
    printed = (tmp_path / "run.out").read_text()
    assert code == 3, printed + (tmp_path / "run.err").read_text()
    assert elapsed < SHUTDOWN_BUDGET_S + 5, f"candlewick run took {elapsed:.1f} s to stop after the stack shut down"
    summary = json.loads((out / "summary.json").read_text())
    stop = summary["stopped"]
    assert stop["code"] == "stage_dead" and "analysis" in stop["stages"], stop
    assert "no live llm-worker" in stop["message"] and "last heard: llm-worker.0" in stop["message"], stop["message"]
    assert {c["stage"] for c in stop["cut_short"]} == {"analysis"}, stop["cut_short"]
    assert sorted(c["symbol"] for c in stop["cut_short"]) == ["AAPL", "GOOG", "MSFT", "SPY"]
    assert summary["totals"]["failed"] == 4 and summary["symbols"] == []
    assert "STOPPED (stage_dead)" in printed and "CUT SHORT in analysis: AAPL, GOOG, MSFT, SPY" in printed, printed
