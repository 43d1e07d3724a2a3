"""Workers on other hosts, for real: three network namespaces joined by veth pairs. The "core" host
runs ib-paper, the proxy, gateway-bridge, order-router and the run owner; hosts w1 and w2 run a
chart-worker and an llm-worker each; every link is tcp with CURVE, every host has its own key
directory and allow-list. A 52-symbol run completes with orders; w1's link is cut mid-run and its
jobs are re-issued to w2 after their lease; a chart-worker with a key the core never listed is
refused, and the refusal is visible in `candlewick status`; no symbol is lost or answered twice and
ib-paper holds one bracket per placed intent."""
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import BIN, ROOT, binary, wait_for

BASES = ["AAPL", "GOOG", "MSFT", "SPY"]
SYMBOLS = [f"{b}{i:03d}" for i in range(13) for b in BASES]  # 52 names, each one of the bundled series
CORE_IP = "10.77.0.1"
PORTS = {"BUS_PUBLISH": 5551, "BUS_SUBSCRIBE": 5552, "CHART_JOBS": 5561, "CHART_RESULTS": 5562, "LLM_JOBS": 5563,
         "LLM_RESULTS": 5564, "GATEWAY_COMMANDS": 5571, "GATEWAY_EVENTS": 5572, "ROUTER_COMMANDS": 5573}

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("ip") is None, reason="needs root and iproute2 (ip netns)")


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, timeout=30)


class Hosts:
    """Namespaces core, w1, w2: core has CORE_IP on its loopback; each worker host reaches it over its own veth pair."""

    def __init__(self):
        tag = str(os.getpid() % 100000)
        self.ns = {h: f"cw{tag}{h}" for h in ("core", "w1", "w2")}
        self.links = {}
        for n in self.ns.values():
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        sh("ip", "-n", self.ns["core"], "addr", "add", f"{CORE_IP}/32", "dev", "lo")
        for i, h in ((1, "w1"), (2, "w2")):
            a, b = f"cw{tag}c{i}", f"cw{tag}w{i}"
            sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
            sh("ip", "link", "set", a, "netns", self.ns["core"])
            sh("ip", "link", "set", b, "netns", self.ns[h])
            sh("ip", "-n", self.ns["core"], "addr", "add", f"10.77.{i}.1/30", "dev", a)
            sh("ip", "-n", self.ns[h], "addr", "add", f"10.77.{i}.2/30", "dev", b)
            sh("ip", "-n", self.ns["core"], "link", "set", a, "up")
            sh("ip", "-n", self.ns[h], "link", "set", b, "up")
            sh("ip", "-n", self.ns[h], "route", "add", f"{CORE_IP}/32", "via", f"10.77.{i}.1")
            self.links[h] = b

    def run(self, host, args):
        """The command line running `args` on `host` (`ip netns exec` replaces itself with the command)."""
        return ["ip", "netns", "exec", self.ns[host], *args]

    def cut(self, host):
        sh("ip", "-n", self.ns[host], "link", "set", self.links[host], "down")

    def close(self):
        for n in self.ns.values():
            subprocess.run(["ip", "netns", "del", n], capture_output=True, timeout=30)


def keys(*args):
    subprocess.run([binary("candlewick"), "keys", *args], check=True, capture_output=True, timeout=30)


def test_workers_on_other_hosts_over_tcp_with_curve(procs, tmp_path):
    hosts = Hosts()
    try:
        run_on_hosts(hosts, procs, tmp_path)
    finally:
        hosts.close()  # the namespaces end when the fixture has stopped their processes


def host_env(tmp_path, host, key_name=None):
    env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_BUS_DIRECTORY": str(tmp_path / host / "bus"),
           "CANDLEWICK_SECURITY_KEYS": str(tmp_path / host / "keys"), "CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S": "0.5"}
    env.update({f"CANDLEWICK_{k}": f"tcp://{CORE_IP}:{p}" for k, p in PORTS.items()})
    if host != "core":
        env["CANDLEWICK_SECURITY_GENERATE_KEYS"] = "false"  # a worker host holds only its own keys
    if key_name:
        env["CANDLEWICK_SECURITY_KEY_NAME"] = key_name
    return env


def run_on_hosts(hosts, procs, tmp_path):
    core_keys = tmp_path / "core" / "keys"
    # The core's server keys, which every worker host must know.
    for role in ("proxy", "run-owner", "gateway-bridge", "order-router", "observer"):
        keys("generate", "--dir", str(core_keys), "--role", role)
    for host in ("w1", "w2", "rogue"):
        d = tmp_path / host / "keys"
        for role in ("proxy", "run-owner"):
            keys("add", "--dir", str(d), "--role", role, "--name", role, "--cert", str(core_keys / f"{role}.key"))
        for role in ("chart-worker", "llm-worker"):
            keys("generate", "--dir", str(d), "--role", role, "--name", f"{role}.{host}")
            if host != "rogue":  # the rogue host's keys are never added to the core's allow-list
                keys("add", "--dir", str(core_keys), "--role", role, "--name", f"{role}.{host}", "--cert", str(d / f"{role}.{host}.key"))

    data = tmp_path / "data"
    data.mkdir()
    for s in SYMBOLS:
        (data / f"{s}.csv").symlink_to(ROOT / "deploy" / "data" / "daily" / f"{s[:-3]}.csv")
    core = host_env(tmp_path, "core")
    core.update({"CANDLEWICK_IB_PORT": "4002", "CANDLEWICK_ROUTER_JOURNAL": str(tmp_path / "core" / "intents.jsonl"),
                 "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run", "CANDLEWICK_RISK_MAX_OPEN_POSITIONS": "1000",
                 "CANDLEWICK_RISK_DAILY_NOTIONAL_BUDGET": "100000000", "CANDLEWICK_RISK_MAX_ORDERS_PER_MINUTE": "100000",
                 "CANDLEWICK_RISK_MAX_POSITION_NOTIONAL": "1000000"})
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(host, name, args, env):
        return procs(hosts.run(host, [binary(args[0]), *args[1:]]), env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                     stderr=open(logs / f"{name}.log", "wb"))

    start("core", "ib-paper", ["ib-paper", "--port", "4002", "--state", str(tmp_path / "core"), "--as-of", "2017-10-04",
                               "--data", str(data), "--max-historical-per-10min", "0"], core)
    wait_for(lambda: subprocess.run(hosts.run("core", ["bash", "-c", "echo > /dev/tcp/127.0.0.1/4002"]), capture_output=True).returncode == 0,
             timeout=60, what="ib-paper listening in the core namespace")
    for name, args in [("proxy", ["candlewick", "proxy", "--instance", "proxy.core"]),
                       ("gateway-bridge", ["gateway-bridge", "--instance", "gateway-bridge.core"]),
                       ("order-router", ["order-router", "--instance", "order-router.core"])]:
        start("core", name, args, core)
    workers = {}
    for host in ("w1", "w2"):
        workers[host] = start(host, f"chart-worker.{host}", ["chart-worker", "--instance", f"chart-worker.{host}"], host_env(tmp_path, host, f"chart-worker.{host}"))
        workers[host + "-llm"] = start(host, f"llm-worker.{host}", ["llm-worker", "--instance", f"llm-worker.{host}"], host_env(tmp_path, host, f"llm-worker.{host}"))
    rogue = start("w2", "chart-worker.rogue", ["chart-worker", "--instance", "chart-worker.rogue"],
                  host_env(tmp_path, "rogue", "chart-worker.rogue"))

    def status():
        out = subprocess.run(hosts.run("core", [binary("candlewick"), "status", "--json", "--seconds", "1.2"]), env=core,
                             capture_output=True, text=True, timeout=30)
        return {r["instance"]: r for r in json.loads(out.stdout or "[]")}

    wait_for(lambda: {"chart-worker.w1", "chart-worker.w2", "llm-worker.w1", "llm-worker.w2", "order-router.core",
                      "gateway-bridge.core"} <= set(status()), timeout=60, interval=0.3, what="every host's heartbeats at the core")
    owner = procs(hosts.run("core", [binary("candlewick"), "run", *[a for s in SYMBOLS for a in ("--symbols", s)], "--out",
                                     str(tmp_path / "run"), "--lease", "4", "--attempts", "6", "--in-flight", "4", "--timeout", "300"]),
                  env=core, cwd=str(ROOT), stdout=subprocess.PIPE, stderr=open(logs / "run.log", "wb"))
    # Mid-run, as soon as w1 has rendered its first chart: its link is cut. Its two workers are frozen
    # just before the cut and thawed after it, so w1 certainly holds jobs dealt to it (the owner deals
    # round-robin until ZMTP heartbeats drop the silent peer, 5 s) and is then a live host behind a
    # dead link. Those jobs must come back through the lease and be done on w2.
    wait_for(lambda: "chart.done" in (logs / "chart-worker.w1.log").read_text(errors="replace"), timeout=120, interval=0.02,
             what="chart-worker.w1's first chart")
    for w in ("w1", "w1-llm"):
        workers[w].send_signal(signal.SIGSTOP)
    hosts.cut("w1")
    cut_at = time.monotonic()
    for w in ("w1", "w1-llm"):
        workers[w].send_signal(signal.SIGCONT)
    out, _ = owner.communicate(timeout=400)
    assert owner.returncode == 0, out.decode()[-2000:] + (logs / "run.log").read_text()[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    symbols = [s["symbol"] for s in summary["symbols"]]
    assert sorted(symbols) == sorted(SYMBOLS), "every symbol exactly once"
    assert summary["totals"]["failed"] == 0, summary["totals"]
    assert summary["totals"]["reissued"] >= 1, f"w1's jobs were not re-issued: {summary['totals']}"
    print(f"\n[figures] {len(SYMBOLS)} symbols over 3 namespaces, w1 cut {time.monotonic() - cut_at:.1f} s before the end; "
          f"totals {summary['totals']}")
    # After the cut only w2's workers are heard at the core; the rogue worker never got in.
    st = status()
    assert "chart-worker.rogue" not in st, "a worker with an unlisted key reached the bus"
    proxy = st["proxy.core"]["counters"]
    assert proxy.get("auth.refused.unknown_key", 0) >= 1, proxy
    rogue_log = (logs / "run.log").read_text()
    assert "reason=unknown_key" in rogue_log and "endpoint=chart.jobs" in rogue_log
    assert rogue.poll() is None, "the refused worker keeps retrying, it does not crash"
    # Orders: one decision per actionable symbol, and at ib-paper exactly one bracket per placed intent.
    orders = json.loads((tmp_path / "run" / "orders.json").read_text())
    placed = [d for d in (orders.values() if isinstance(orders, dict) else orders) if d.get("outcome") == "placed"]
    check = textwrap.dedent(f"""
        import sys, json; sys.path.insert(0, {str(ROOT / 'tests' / 'python')!r})
        from ibapi_harness import App
        app = App(); app.start(4002, 77)
        try:
            app.wait_name("nextValidId"); app.reqAllOpenOrders(); app.wait_name("openOrderEnd")
            print(json.dumps([e[2].orderRef for e in app.named("openOrder")]))
        finally:
            app.stop()
    """)
    refs = json.loads(subprocess.run(hosts.run("core", [sys.executable, "-c", check]), capture_output=True, text=True, timeout=60,
                                     cwd=str(ROOT)).stdout)
    assert len(refs) == len(set(refs)), "an orderRef twice at ib-paper"
    intents = {r.rpartition("-")[0] for r in refs}
    assert intents == {d["intent_id"] for d in placed}, (sorted(intents), [d["intent_id"] for d in placed])
