"""Shared by the Python bench drivers: paths, free ports, and stopping what a bench started."""
import os
import pathlib
import random
import socket
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("CANDLEWICK_BIN", ROOT / ".build" / "release"))


# Ports handed out by this process: a port is given once, even if nothing has bound it yet.
_GIVEN = set()
# Below Linux's ephemeral range (ip_local_port_range, 32768-60999 by default): the kernel never picks
# one of these for an outgoing connection or for bind(0), so a port chosen here cannot be taken by
# another process's client socket between the choice and the bind.
_LOW, _HIGH = 20000, 32767


def free_port():
    """A TCP port on 127.0.0.1 that is free now and that no earlier call in this process returned.

    bind(0) would hand out a port from the ephemeral range, where it can collide with the local end
    of any outgoing connection, and it can return the same port twice when the first caller has not
    bound it yet (two processes of one stack then fight over one port: "Address already in use")."""
    rng = random.Random()
    for _ in range(1000):
        port = rng.randint(_LOW, _HIGH)
        if port in _GIVEN:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    raise RuntimeError(f"no free TCP port in {_LOW}-{_HIGH} after 1000 tries")


def start_stack(work, env, port, paper_args, workers):
    """ib-paper on `port` with `paper_args` (waits until it listens), then the bus proxy, gateway-bridge, order-router,
    one llm-worker and `workers` chart-workers with `env`, each logging to work/<name>.log. Returns the processes,
    ib-paper first."""
    procs = [subprocess.Popen([str(BIN / "ib-paper"), "--port", str(port), "--state", str(work), *paper_args], cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=open(work / "ib-paper.log", "ab"))]
    deadline = time.monotonic() + 300
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline and procs[0].poll() is None, "ib-paper did not start"
        time.sleep(0.1)
    for name, args in [("proxy", ["candlewick", "proxy"]), ("gateway-bridge", ["gateway-bridge"]), ("order-router", ["order-router"]),
                       ("llm-worker", ["llm-worker", "--instance", "llm-worker.1"])] + \
            [(f"chart-worker.{i}", ["chart-worker", "--instance", f"chart-worker.{i}"]) for i in range(1, workers + 1)]:
        args[0] = str(BIN / args[0])
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=open(work / f"{name}.log", "ab")))
    time.sleep(1.5)
    return procs


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
