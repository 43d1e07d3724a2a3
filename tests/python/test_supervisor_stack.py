"""The stack under supervisord (deploy/supervisor/candlewick.conf: ib-paper, gateway-bridge, proxy,
chart-workers, llm-worker): everything starts, heartbeats
reach the bus, and one SIGTERM to supervisord stops every process within its budget with exit
status 0, leaving no orphan and no socket file."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
import zmq

from conftest import BIN, ROOT, wait_for


def test_stack_starts_heartbeats_and_stops_cleanly(tmp_path):
    run_dir, bus_dir = tmp_path / "run", tmp_path / "bus"
    (run_dir / "logs").mkdir(parents=True)
    env = dict(os.environ, CANDLEWICK_HOME=str(ROOT), CANDLEWICK_RUN_DIR=str(run_dir), CANDLEWICK_BUS_DIRECTORY=str(bus_dir))
    if str(BIN) != str(ROOT / ".build" / "release"):
        pytest.fail(f"the supervisord config runs the release binaries of the checkout ({ROOT}/.build/release), not {BIN}")
    conf = ["-c", str(ROOT / "deploy" / "supervisor" / "candlewick.conf")]
    subprocess.run(["supervisord"] + conf, env=env, check=True, timeout=30)
    pid = int(wait_for(lambda: (run_dir / "supervisord.pid").exists() and (run_dir / "supervisord.pid").read_text().strip(),
                       what="supervisord pid"))
    try:
        def running():
            out = subprocess.run(["supervisorctl"] + conf + ["status"], env=env, capture_output=True, text=True).stdout
            return out.count("RUNNING") >= 8 and out
        status = wait_for(running, timeout=30, what="8 programs RUNNING")
        assert "chart-worker:chart-worker.0" in status and "llm-worker:llm-worker.0" in status
        ctx = zmq.Context.instance()
        sub = ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.subscribe(b"heartbeat")
        sub.connect(f"ipc://{bus_dir}/bus-sub.sock")
        seen = set()
        deadline = time.time() + 15
        while len(seen) < 7 and time.time() < deadline:
            if sub.poll(500):
                seen.add(json.loads(sub.recv_multipart()[1])["source"])
        sub.close()
        assert {"proxy.1", "chart-worker.0", "chart-worker.1", "llm-worker.0", "gateway-bridge.1", "order-router.1", "tracker.1"} <= seen, seen
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
        wait_for(lambda: not (run_dir / "supervisord.pid").exists(), timeout=30, what="supervisord to exit")
        elapsed = time.monotonic() - start
    assert elapsed < 15, f"the stack took {elapsed:.1f} s to stop"
    for c in children:
        assert not os.path.exists(f"/proc/{c}") or "zombie" in open(f"/proc/{c}/status").read().lower(), f"orphan {c}"
    log = (run_dir / "logs" / "supervisord.log").read_text()
    stopped = re.findall(r"stopped: (\S+) \(exit status (\d+)\)", log)
    assert len(stopped) == 8 and all(code == "0" for _, code in stopped), stopped
    assert "SIGKILL" not in log
    assert not list(bus_dir.glob("*.sock")), list(bus_dir.glob("*.sock"))
