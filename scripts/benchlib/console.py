"""Driver for scripts/bench.d/console (see there). Writes a Markdown section to argv[1].

One stack (2 chart-workers, as `run.py` builds it) runs a cold 500-symbol run to cache the contracts, then PAIRS pairs
of warm runs, alternating A (no console) and B (a `candlewick console` subscribed to the bus, with one client
reading its /events stream as the page does and loading the charts a browser window would show). The stack's CPU is
everything `run.py` counts (every stack process and the run owner), never the console's or the client's, which are
reported on their own.

    python3 scripts/benchlib/console.py OUT.md            # the bench (CANDLEWICK_BENCH_CONSOLE_PAIRS, default 6)
    python3 scripts/benchlib/console.py --client URL [--no-charts | --all-charts]   # the page's stand-in, prints one JSON line
    python3 scripts/benchlib/console.py --probe PAGE N    # where the console's CPU goes: a cold run, then N warm runs
        with a console and PAGE = viewport (the client loads the first cards' charts), charts (every chart), events
        (the client reads /events only) or
        none (no client); prints the console's CPU seconds per run
"""
import http.client
import json
import os
import pathlib
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import run
from common import BIN, free_port, stop

PAIRS = int(os.environ.get("CANDLEWICK_BENCH_CONSOLE_PAIRS", "6"))
# What the B runs' page loads: "viewport" (default) the charts of the first VIEWPORT cards, as a browser window
# does (the page's <img> are loading="lazy" and new cards are appended below), "charts" every chart, "events" none.
PAGE = os.environ.get("CANDLEWICK_BENCH_CONSOLE_PAGE", "viewport")
VIEWPORT = 8
# 1: the stack also runs a tracker (as scripts/run's does), so `run.` already has a subscriber without the console.
TRACKER = os.environ.get("CANDLEWICK_BENCH_CONSOLE_TRACKER", "0") == "1"
WORKERS = 2
LIMIT = 1.03  # the acceptance: within 3 % of wall time and of CPU seconds
GAP = 16  # past gateway-bridge's 15 s identical-request window: every warm run asks IB for the bars again
PNG = b"\x89PNG\r\n\x1a\n"


# ---- the client: what the console page does, without a browser's own rendering work ----

def sse_events(response):
    """(event name, data text) for each Server-Sent Event read from `response` until the stream ends."""
    name, data = "message", []
    for raw in response:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield name, "\n".join(data)
            name, data = "message", []
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])


def client(base, load_charts=True, timeout=900):
    """Reads `base`/events from the snapshot until the run it sees has finished and every one of its symbols has
    come; meanwhile two connections (kept alive, as a browser's) fetch each chart URL as it appears.
    `load_charts`: True every chart, False none, an integer N the charts of the first N symbols (what a browser
    window shows of the page: later cards are below it, and their lazy images are never fetched). Prints {"symbols", "charts", "chart_bytes", "events", "bytes", "finished"} and exits 0 only when
    every symbol of the run was seen and every chart loaded as a PNG."""
    host = urllib.parse.urlsplit(base).netloc
    urls, done = queue.Queue(), {"charts": 0, "chart_bytes": 0, "wanted": 0, "failed": []}
    lock = threading.Lock()

    def fetcher():
        conn = http.client.HTTPConnection(host, timeout=60)
        while (url := urls.get()) is not None:
            conn.request("GET", url)
            r = conn.getresponse()
            body = r.read()
            with lock:
                if r.status == 200 and body.startswith(PNG):
                    done["charts"] += 1
                    done["chart_bytes"] += len(body)
                else:
                    done["failed"].append(f"{url}: {r.status}")
        conn.close()

    fetchers = [threading.Thread(target=fetcher, daemon=True) for _ in range(2)]
    for t in fetchers:
        t.start()
    conn = http.client.HTTPConnection(host, timeout=timeout)
    conn.request("GET", "/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    if response.status != 200:
        sys.exit(f"/events answered {response.status}")
    symbols, events, size, run_id, total, finished = {}, 0, 0, None, None, False

    def take_symbol(key, value):
        # A record names its run (run_id); the page shows the records of the current run.
        if (value.get("run_id"), key) not in symbols:
            symbols[(value.get("run_id"), key)] = value
            wanted = load_charts is True or (load_charts and len(symbols) <= load_charts)
            for url in value.get("charts", {}).values() if wanted else ():
                urls.put(url)
                done["wanted"] += 1

    def take_run(value):
        nonlocal run_id, total, finished
        if value is None:
            return
        if value["run_id"] != run_id:  # a new run
            run_id, finished = value["run_id"], False
        total = value["progress"]["total"]
        finished = finished or value.get("finished") is not None

    def current():
        return [v for (r, _), v in symbols.items() if r == run_id]

    for name, data in sse_events(response):
        events += 1
        size += len(data)
        body = json.loads(data)
        if name == "snapshot":
            take_run(body.get("run"))
            for key, value in (body.get("symbols") or {}).items():
                take_symbol(key, value)
        elif name == "patch":
            if body["section"] == "run":
                take_run(body["value"])
            elif body["section"] == "symbol":
                take_symbol(body["key"], body["value"])
        if finished and total is not None and len(current()) >= total:
            break
    conn.close()
    for _ in fetchers:
        urls.put(None)
    for t in fetchers:
        t.join()
    result = {"run_id": run_id, "symbols": len(current()), "total": total, "charts": done["charts"], "chart_bytes": done["chart_bytes"],
              "events": events, "bytes": size, "finished": finished, "failed": done["failed"][:5]}
    print(json.dumps(result), flush=True)
    ok = finished and total and len(current()) == total and done["charts"] == done["wanted"] and (load_charts is not True or done["charts"] == 2 * len(symbols)) and not done["failed"]
    sys.exit(0 if ok else 1)


# ---- the bench ----

def get(base, path):
    """(status, parsed JSON) of GET base+path, (0, None) while nothing listens."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).netloc, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    except (OSError, ValueError):
        return 0, None
    finally:
        conn.close()


def wait(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)
    return value


def start_console(env, work, n, page_mode):
    """A console on a free loopback port (read-only: no credential) and one client on its /events, which loads what
    `page_mode` says: "viewport" the charts of the first VIEWPORT symbols, "charts" every chart, "events" none
    ("none": no client at all); returns both once /healthz says the bus is alive and the client is listening."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    console = subprocess.Popen([str(BIN / "candlewick"), "console", "--listen", f"127.0.0.1:{port}", "--runs", str(work),
                                "--audit-log", str(work / f"console-audit-{n}.jsonl")],
                               env=env, stdout=subprocess.DEVNULL, stderr=open(work / f"console-{n}.log", "ab"))

    def healthy():
        if console.poll() is not None:
            raise RuntimeError(f"the console exited with {console.returncode}: see {work}/console-{n}.log")
        status, body = get(base, "/healthz")
        return status == 200 and body["bus"] == "alive"

    try:
        wait("the console's /healthz (bus alive)", healthy)
        if page_mode == "none":
            return console, None
        flags = {"events": ["--no-charts"], "charts": ["--all-charts"]}.get(page_mode, [])
        page = subprocess.Popen([sys.executable, __file__, "--client", base, *flags],
                                stdout=subprocess.PIPE, stderr=open(work / f"client-{n}.log", "ab"))
        wait("the client on /events", lambda: (get(base, "/healthz")[1] or {}).get("listeners", 0) >= 1)
    except BaseException:
        console.kill()
        raise
    return console, page


def reap(proc, timeout=None):
    """Waits for a child and returns its user + system CPU seconds (wait4: that child's own rusage)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if deadline else 0)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.05)


def one(env, work, procs, label, n, page_mode=PAGE, extra=None):
    """One warm run: label "A" without a console, "B" with one watching (`page_mode`: see start_console).
    `extra`: more stack processes by name, whose CPU counts to the stack's. Returns a dict of figures."""
    console = page = None
    extra = extra or {}
    extra_before = {k: run.cpu_seconds(p.pid) for k, p in extra.items()}
    if label == "B":
        console, page = start_console(env, work, n, page_mode)
        console_before = run.cpu_seconds(console.pid)
    try:
        wall, msgs, summary, cpu, rss, pacing = run.run_once(env, work, f"warm-{n}-{label}", procs)
    except BaseException:
        for p in (page, console):
            if p:
                p.kill()
        raise
    cpu.update({k: run.cpu_seconds(p.pid) - extra_before[k] for k, p in extra.items()})
    out = {"label": label, "n": n, "wall": wall, "messages": msgs, "stack_cpu": sum(cpu.values()), "cpu": cpu,
           "placed": summary["orders"]["placed"]}
    if console:
        out["console_cpu_run"] = run.cpu_seconds(console.pid) - console_before
        out["console_rss_mib"] = run.peak_rss_mib(console.pid)
    if page:
        try:
            out["client_cpu"] = reap(page, timeout=120)
        except subprocess.TimeoutExpired:
            page.kill()
            reap(page)
            console.terminate()
            reap(console)
            raise RuntimeError(f"the client did not see the whole run {n} (see {work}/client-{n}.log)")
        seen = json.loads(page.stdout.read().decode().strip().splitlines()[-1])
        assert page.returncode == 0 and seen["run_id"] == summary["run_id"], f"the client saw less than the run: {seen}"
        out["client"] = seen
    if console:
        console.terminate()
        try:
            out["console_cpu_life"] = reap(console, timeout=15)
        except subprocess.TimeoutExpired:
            console.kill()
            out["console_cpu_life"] = reap(console)
    print(json.dumps(out), file=sys.stderr, flush=True)
    return out


def median(xs):
    return statistics.median(xs)


def main(out):
    work = pathlib.Path(tempfile.mkdtemp(prefix="cw-bench-console-"))
    env, procs = run.stack(work, WORKERS)
    extra = {}
    if TRACKER:
        (work / "tracker").mkdir()
        extra["tracker"] = subprocess.Popen([str(BIN / "tracker")], env={**env, "CANDLEWICK_TRACKER_DIRECTORY": str(work / "tracker")},
                                            stdout=subprocess.DEVNULL, stderr=open(work / "tracker.log", "ab"))
        procs.append(extra["tracker"])  # stopped with the stack; its CPU is counted through `extra`
        time.sleep(1.5)
    runs = []
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load = [os.getloadavg()[0]]
    try:
        run.run_once(env, work, "cold", procs[:len(procs) - len(extra)])  # caches the contracts; not measured here
        for i in range(1, PAIRS + 1):
            for label in ("A", "B"):
                time.sleep(GAP)
                runs.append(one(env, work, procs[:len(procs) - len(extra)], label, i, extra=extra))
                load.append(os.getloadavg()[0])
    finally:
        stop(procs)
    ended = time.strftime("%H:%M", time.gmtime())
    a = [r for r in runs if r["label"] == "A"]
    b = [r for r in runs if r["label"] == "B"]
    wall_ratio = median([r["wall"] for r in b]) / median([r["wall"] for r in a])
    cpu_ratio = median([r["stack_cpu"] for r in b]) / median([r["stack_cpu"] for r in a])
    pair_wall = [y["wall"] / x["wall"] for x, y in zip(a, b)]
    pair_cpu = [y["stack_cpu"] / x["stack_cpu"] for x, y in zip(a, b)]
    verdict = "met" if wall_ratio <= LIMIT and cpu_ratio <= LIMIT else "NOT met"

    def each(rs, key):
        return " / ".join(f"{r[key]:.1f}" for r in rs)

    client = b[-1]["client"]
    lines = [
        "## The console watching a 500-symbol run", "",
        f"One stack ({WORKERS} chart-workers, built as in ‘A 500-symbol run of the whole pipeline’) runs a cold run to cache the contracts, then "
        f"{PAIRS} pairs of **warm** 500-symbol runs, alternating A, B, A, B, … {GAP} s apart. A: no console (the anchor). B: "
        "a `candlewick console` (read-only, no credential) started before the run and subscribed to the bus, with one "
        "client on its `/events` stream doing what the page does: it takes the snapshot and every patch, and loads "
        + PAGE_TEXT[PAGE] + " (two kept-alive connections, as a browser would). It stops when the run "
        "shows FINISHED with every symbol, and it fails the bench if it saw fewer symbols or charts than it asked for. The "
        "client stands in for a browser: it does not render, which would cost the operator's machine, not the stack's. "
        "A warm run is CPU-bound (both cores busy), so it is where extra CPU would show in the wall time. A cold run is "
        "bound by IB's message rate and would hide it.", "",
        "Stack CPU is the user + system seconds of ib-paper, the proxy, gateway-bridge, order-router, llm-worker, the "
        "chart-workers and the run owner during the run, the same sum as in that section. It includes the proxy's extra "
        "fan-out to the console's subscription. It does not include the console or the client, which are shown on their own.", "",
        "| | runs | wall s (each run) | median wall s | stack CPU s (each run) | median stack CPU s |",
        "|---|---:|---|---:|---|---:|",
        f"| A: without the console (anchor) | {len(a)} | {each(a, 'wall')} | {median([r['wall'] for r in a]):.2f} | {each(a, 'stack_cpu')} | "
        f"{median([r['stack_cpu'] for r in a]):.2f} |",
        f"| B: with the console and a page | {len(b)} | {each(b, 'wall')} | {median([r['wall'] for r in b]):.2f} | {each(b, 'stack_cpu')} | "
        f"{median([r['stack_cpu'] for r in b]):.2f} |",
        f"| **B / A (medians)** | | | **{wall_ratio:.3f}** | | **{cpu_ratio:.3f}** |", "",
        f"Per pair (B / A, in order): wall {' / '.join(f'{x:.3f}' for x in pair_wall)} (median {median(pair_wall):.3f}); "
        f"stack CPU {' / '.join(f'{x:.3f}' for x in pair_cpu)} (median {median(pair_cpu):.3f}).", "",
        f"The console itself, during the B runs: {each(b, 'console_cpu_run')} CPU s (median {median([r['console_cpu_run'] for r in b]):.2f}; "
        f"from its start to its stop {median([r['console_cpu_life'] for r in b]):.2f}), peak RSS "
        f"{max(r['console_rss_mib'] for r in b):.0f} MiB. The client: {median([r['client_cpu'] for r in b]):.2f} CPU s. "
        f"Each B run's client read {client['events']} events ({client['bytes'] / 1e6:.1f} MB of JSON) and "
        f"{client['charts']} charts ({client['chart_bytes'] / 1e6:.1f} MB of PNG).", "",
    ]
    names = list(a[0]["cpu"].keys())
    lines += ["Median CPU seconds by stack process:", "", "| | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label, rs in (("A", a), ("B", b)):
        lines.append(f"| {label} | " + " | ".join(f"{median([r['cpu'][n] for r in rs]):.2f}" for n in names) + " |")
    lines += ["", f"Reading: with the console watching, the median warm run takes {wall_ratio:.3f}x the wall time and "
              f"{cpu_ratio:.3f}x the stack's CPU seconds of the same run without it. The 3 % target is **{verdict}**. "
              f"B was slower than its A in {sum(x > 1 for x in pair_wall)} of {PAIRS} pairs and used more stack CPU in "
              f"{sum(x > 1 for x in pair_cpu)}; the A runs alone spread {min(r['wall'] for r in a):.1f}–{max(r['wall'] for r in a):.1f} s "
              f"wall and {min(r['stack_cpu'] for r in a):.1f}–{max(r['stack_cpu'] for r in a):.1f} CPU s. "
              f"Measured by `scripts/bench console` on {started}–{ended} UTC. The machine was shared with other sessions "
              f"(1-minute load average {min(load):.1f}–{max(load):.1f} across the runs), so read the ratio against the "
              "spread of the A runs themselves.", ""]
    pathlib.Path(out).write_text("\n".join(lines))
    print("\n".join(lines))


PAGE_TEXT = {
    "viewport": f"both charts of the first {VIEWPORT} symbols, what a browser window shows of the page (its images are "
                "`loading=\"lazy\"` and new cards are appended below, so a browser fetches the others only when the "
                "operator scrolls; `CANDLEWICK_BENCH_CONSOLE_PAGE=charts` loads every chart instead)",
    "charts": "both charts of every symbol as it appears, as if the operator scrolled through all of them",
    "events": "no chart",
}


def probe(page_mode, n):
    """A cold run, then `n` warm runs with a console and `page_mode`; prints the console's CPU seconds (median)."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="cw-bench-console-probe-"))
    env, procs = run.stack(work, WORKERS)
    try:
        run.run_once(env, work, "cold", procs)
        rs = []
        for i in range(1, n + 1):
            time.sleep(GAP)
            rs.append(one(env, work, procs, "B", i, page_mode))
    finally:
        stop(procs)
    print(json.dumps({"page": page_mode, "console_cpu_run": [r["console_cpu_run"] for r in rs],
                      "median": median([r["console_cpu_run"] for r in rs]), "proxy_cpu": [r["cpu"]["proxy"] for r in rs],
                      "run_owner_cpu": [r["cpu"]["run owner"] for r in rs], "stack_cpu": [r["stack_cpu"] for r in rs],
                      "client_cpu": [r.get("client_cpu") for r in rs], "wall": [r["wall"] for r in rs]}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        flags = sys.argv[3:]
        client(sys.argv[2], load_charts=False if "--no-charts" in flags else True if "--all-charts" in flags else VIEWPORT)
    elif sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1])
