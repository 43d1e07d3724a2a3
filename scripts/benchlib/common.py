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


# The bundled real series that cover ib-paper's as-of day (2017-10-04), under many names each.
BASES = ["AAPL", "GOOG", "MSFT", "SPY"]


def universe(n):
    """`n` symbol names: AAPL000, GOOG000, …, each standing for one of BASES."""
    return [f"{b}{i:03d}" for i in range(n // len(BASES)) for b in BASES]


def link_universe(folder, symbols):
    """A data folder for `ib-paper --data`: one symlink SYMBOL.csv → its bundled series per name."""
    folder.mkdir(exist_ok=True)
    for s in symbols:
        base = next(b for b in BASES if s.startswith(b) and s[len(b):].isdigit())
        (folder / f"{s}.csv").symlink_to(ROOT / "deploy" / "data" / "daily" / f"{base}.csv")
    return folder
