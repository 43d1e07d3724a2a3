"""Shared fixtures for the cross-language checks: where the Swift binaries are, free ports, data."""
import os
import pathlib
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("CANDLEWICK_BIN", ROOT / ".build" / "release"))
# The debug build: test hooks are compiled into it and into no release binary (see hooked_binary).
HOOKED_BIN = pathlib.Path(os.environ.get("CANDLEWICK_HOOKED_BIN", ROOT / ".build" / "debug"))
SHARED = ROOT.parent / "shared"
# A skip hides a missing tool or a broken precondition: on this project it is a failure (scripts/setup installs
# everything the tests need). Set CANDLEWICK_ALLOW_SKIPS=1 only for a deliberate partial run.
ALLOW_SKIPS = os.environ.get("CANDLEWICK_ALLOW_SKIPS") == "1"


def _skip_as_failure(report, what):
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (f"{what} skipped ({reason}); a skip counts as a failure here: install what is missing with "
                       "scripts/setup, or set CANDLEWICK_ALLOW_SKIPS=1 for a deliberate partial run")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail") and not ALLOW_SKIPS:
        _skip_as_failure(report, item.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not ALLOW_SKIPS:
        _skip_as_failure(report, collector.nodeid)


def binary(name: str) -> str:
    """Path of a built Candlewick executable; the test fails clearly when it is missing."""
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run scripts/setup (release build) first")
    return str(path)


def hooked_binary(name: str) -> str:
    """Path of the debug build of an executable: the only build with the test hooks compiled in (CANDLEWICK_TEST_HOOKS,
    Package.swift), e.g. order-router's CANDLEWICK_TEST_CRASH_AT. `swift test` (scripts/test) builds it."""
    path = HOOKED_BIN / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `swift build --product {name}` (the debug build carries the test hooks) first")
    return str(path)


def handshake_counter(sock):
    """Watches `sock` (call before any peer connects); the returned `wait(n)` blocks until n peers have completed the
    ZeroMQ (CURVE + ZAP) handshake with it, at most `timeout` seconds: a positive event instead of a settle sleep."""
    import zmq
    from zmq.utils.monitor import recv_monitor_message
    mon = sock.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    seen = [0]

    def wait(n, timeout=30.0):
        deadline = time.monotonic() + timeout
        while seen[0] < n:
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"timed out after {timeout}s: {seen[0]} of {n} peers completed the handshake")
            if mon.poll(int(left * 1000) + 1) and recv_monitor_message(mon)["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                seen[0] += 1
        return seen[0]
    return wait


sys.path.insert(0, str(ROOT / "scripts" / "benchlib"))
from common import free_port  # noqa: E402  (one port picker for the tests and the benches)


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Polls `predicate` until it is truthy or `timeout` seconds pass (then fails the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def ports():
    return free_port


@pytest.fixture
def procs():
    """Starts processes and makes sure each is gone at the end of the test."""
    started = []

    def start(args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        p = subprocess.Popen(args, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
