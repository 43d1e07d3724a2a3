"""Shared by the Python bench drivers: paths, free ports, and stopping what a bench started."""
import os
import pathlib
import socket
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("CANDLEWICK_BIN", ROOT / ".build" / "release"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(procs):
    """SIGTERM in reverse start order, then wait (SIGKILL after 10 s)."""
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
