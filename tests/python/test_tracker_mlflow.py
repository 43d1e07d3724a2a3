"""The tracker against a real MLflow server (the venv's `mlflow server`, SQLite backend, proxied
artifacts): a run published with pyzmq ends up as one parent run and one child run per symbol with
exactly the expected params, metrics, tags and artifacts; MLflow down mid-run and the tracker
SIGKILLed lose nothing and log nothing twice; garbage frames and a refused item do not stop the
good records; the embedded local report renders its charts in headless Chromium."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import wait_for
from tracker_support import (PORTFOLIO_VALUE, BusClient, MLflowServer, running_mlflow, OutboxRun, expected_child, many_symbols, now_iso, pngs,
                             publish_broker, publish_run, start_proxy, start_tracker, symbol_payload)

import mlflow  # noqa: E402  (installed by scripts/lib.sh ensure_venv: a missing mlflow is an error, not a skip)
from mlflow.tracking import MlflowClient  # noqa: E402


@pytest.fixture
def tmp_short():
    d = tempfile.mkdtemp(prefix="cwtr-", dir="/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def server():
    with running_mlflow("cwml-") as s:
        yield s


def bus(tmp):
    return f"ipc://{tmp}/pub.sock", f"ipc://{tmp}/sub.sock"


def runs_of(client, exp_name, run_id):
    exp = client.get_experiment_by_name(exp_name)
    if exp is None:
        return []
    return client.search_runs([exp.experiment_id], f"tags.candlewick_run_id = '{run_id}'", max_results=100)


def wait_finished(client, exp_name, run_id, timeout=60):
    def done():
        parents = [r for r in runs_of(client, exp_name, run_id) if r.data.tags.get("candlewick_kind") == "pipeline"]
        return parents and parents[0].info.status == "FINISHED" and parents
    return wait_for(done, timeout=timeout, interval=0.3, what=f"run {run_id} FINISHED in MLflow")[0]


def spool_state(spool):
    """(records in the journal, the mlflow cursor) read from the spool's files."""
    journal = spool / "journal.jsonl"
    lines = len(journal.read_bytes().splitlines()) if journal.exists() else 0
    cursor = spool / "cursor-mlflow.json"
    return lines, json.loads(cursor.read_text())["delivered"] if cursor.exists() else 0


def files(client, run_id, path=None):
    out = set()
    for f in client.list_artifacts(run_id, path):
        if f.is_dir:
            out |= files(client, run_id, f.path)
        else:
            out.add(f.path)
    return out


def check_run(client, exp_name, run_id, symbols, tmp, audit=None):
    """Exactly one parent and one child per symbol with exactly the expected content; `audit`: the
    parent's expected candlewick.audit* tags (numbered records), None for unnumbered ones."""
    runs = runs_of(client, exp_name, run_id)
    parent = [r for r in runs if r.data.tags["candlewick_kind"] == "pipeline"]
    children = {r.data.tags["candlewick_symbol"]: r for r in runs if r.data.tags["candlewick_kind"] == "symbol"}
    assert len(parent) == 1, "exactly one parent run"
    parent = parent[0]
    assert len(runs) == 1 + len(symbols) and sorted(children) == sorted(symbols), "exactly one child per symbol"
    assert parent.info.status == "FINISHED" and parent.info.run_name == run_id
    assert parent.data.params == {"position_size": "10", "llm_provider": "rules", "source": "test",
                                  "symbols": ",".join(symbols), "symbol_count": str(len(symbols))}
    assert parent.data.metrics == {"portfolio_value": PORTFOLIO_VALUE, "portfolio_cash": 10000.0,
                                   "total_symbols": float(len(symbols)), "total_failed": 0.0}
    assert {k: v for k, v in parent.data.tags.items() if k != "mlflow.user"} == {
        "candlewick_run_id": run_id, "candlewick_kind": "pipeline", "workflow_type": "trading_signal",
        "mlflow.source.name": "candlewick-tracker", "mlflow.source.type": "LOCAL", "mlflow.runName": run_id, **(audit or {})}
    assert files(client, parent.info.run_id) == {"portfolio.json"}
    traded = next(s for s in symbols if expected_child(run_id, s, "")[0]["signal_action"] != "HOLD")
    for sym, child in children.items():
        params, metrics, tags, artifacts = expected_child(run_id, sym, parent.info.run_id)
        if sym == traded:
            metrics.update(fills=1.0, filled_quantity=10.0, fill_price=metrics["latest_price"])
            artifacts.add(f"trades/exec-{run_id}-{sym}.json")
        assert child.info.status == "FINISHED"
        assert child.data.params == params, sym
        assert child.data.metrics == pytest.approx(metrics), sym
        assert {k: v for k, v in child.data.tags.items() if k != "mlflow.user"} == tags, sym
        assert files(client, child.info.run_id) == artifacts, sym
        dest = tmp / "dl" / sym
        dest.mkdir(parents=True, exist_ok=True)
        for name, data in pngs(sym):
            got = client.download_artifacts(child.info.run_id, name, str(dest))
            assert pathlib.Path(got).read_bytes() == data, f"{sym} {name} bytes differ"
        sig = json.loads(pathlib.Path(client.download_artifacts(child.info.run_id, "trading_signal.json", str(dest))).read_text())
        assert sig["symbol"] == sym and sig["action"] == params["signal_action"]
        raw = pathlib.Path(client.download_artifacts(child.info.run_id, "raw_model_answer.txt", str(dest))).read_text()
        assert raw == json.dumps({"answer": sym})
        # Nothing logged twice: one point per key (two for order_placed when an order followed the signal).
        for key in metrics:
            history = client.get_metric_history(child.info.run_id, key)
            n = 2 if key == "order_placed" and params["signal_action"] != "HOLD" else 1
            assert len(history) == n, f"{sym} {key}: {[(m.value, m.timestamp) for m in history]}"
    return parent, children


def test_run_lands_in_mlflow_exactly(procs, tmp_short, server):
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = "cw-happy"
    start_tracker(procs, pub, sub, {"CANDLEWICK_TRACKER_MLFLOW_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": exp,
                                    "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp_short / "spool")})
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    symbols = ["AAPL", "MSFT", "SPY"]
    t0 = time.monotonic()
    publish_run(b, "run-happy-1", symbols)
    client = MlflowClient(server.uri)
    wait_finished(client, exp, "run-happy-1")
    elapsed = time.monotonic() - t0
    check_run(client, exp, "run-happy-1", symbols, tmp_short)
    c = b.counters("tracker.test")
    print(f"\n[figures] happy run: {c['records_delivered']:.0f} records delivered in {elapsed:.2f} s")
    assert c["frames_rejected"] == 0 and c["items_skipped"] == 0
    b.close()


def test_mlflow_down_and_tracker_killed_lose_nothing(procs, tmp_short):
    server = MLflowServer(tmp_short)
    server.start()
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = "cw-faults"
    env = {"CANDLEWICK_TRACKER_MLFLOW_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": exp,
           "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp_short / "spool"), "CANDLEWICK_TRACKER_RETRY_MAX_S": "1"}
    log = open(tmp_short / "tracker.log", "ab")
    tracker = start_tracker(procs, pub, sub, env, log=log)
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    run_id = "run-faults-1"
    symbols = ["AAPL", "MSFT", "SPY", "GOOG"]
    client = MlflowClient(server.uri)
    b.publish("run.started", {"run_id": run_id, "symbols": symbols, "started_at": now_iso(),
                              "params": {"position_size": "10", "llm_provider": "rules", "source": "test"}}, run_id)
    b.publish("run.symbol", symbol_payload(run_id, "AAPL"), run_id, pngs("AAPL"))
    wait_for(lambda: len(runs_of(client, exp, run_id)) == 2, timeout=30, what="parent and first child in MLflow")
    # MLflow goes away for the middle of the run.
    server.stop()
    b.publish("run.symbol", symbol_payload(run_id, "MSFT"), run_id, pngs("MSFT"))
    b.publish("run.symbol", symbol_payload(run_id, "SPY"), run_id, pngs("SPY"))
    wait_for(lambda: (b.counters("tracker.test") or {}).get("records_spooled", 0) >= 4, timeout=15, what="spooled while down")
    # The tracker dies hard while MLflow is down, and comes back.
    tracker.send_signal(signal.SIGKILL)
    tracker.wait(5)
    tracker2 = start_tracker(procs, pub, sub, env, instance="tracker.test2", log=log)
    b.wait_ready("tracker.test2")
    b.publish("run.symbol", symbol_payload(run_id, "GOOG"), run_id, pngs("GOOG"))
    publish_broker(b, run_id, symbols)
    b.publish("run.finished", {"run_id": run_id, "status": "FINISHED", "finished_at": now_iso(),
                               "totals": {"symbols": len(symbols), "failed": 0}}, run_id)
    wait_for(lambda: (b.counters("tracker.test2") or {}).get("records_pending", 0) >= 7, timeout=15, what="spooled after restart")
    assert b.heartbeats["tracker.test2"]["state"] == "sink_unavailable"
    # MLflow returns: everything is delivered, in order, once.
    server.start()
    t0 = time.monotonic()
    client = MlflowClient(server.uri)
    wait_finished(client, exp, run_id, timeout=90)
    print(f"\n[figures] spool replay (9 of 11 records) after MLflow answered /health: {time.monotonic() - t0:.2f} s (retry backoff ≤ 1 s)")
    check_run(client, exp, run_id, symbols, tmp_short)
    # Killed again after delivery and restarted: the cursor says everything went, nothing is sent twice.
    tracker2_counters = b.counters("tracker.test2")
    assert tracker2_counters["records_pending"] == 0
    tracker2.send_signal(signal.SIGKILL)
    tracker2.wait(5)
    tracker3 = start_tracker(procs, pub, sub, env, instance="tracker.test3", log=log)
    b.wait_ready("tracker.test3")
    # Its start line is the event that settles it (no quiet window): the spool read back, the cursor at its end.
    def start_line():
        lines = [l for l in (tmp_short / "tracker.log").read_text(errors="replace").splitlines()
                 if "tracker.start" in l and "instance=tracker.test3" in l]
        return lines[-1] if lines else None
    line = wait_for(start_line, timeout=20, what="tracker.test3's start line")
    assert " pending=0" in line, line
    c3 = b.counters("tracker.test3")
    assert c3["records_delivered"] == 0 and c3["records_pending"] == 0, c3
    check_run(client, exp, run_id, symbols, tmp_short)
    # SIGTERM while MLflow is down and records are pending: the tracker still stops within its budget.
    server.stop()
    b.publish("portfolio", {"cash": 1, "positions": [], "timestamp": now_iso()}, run_id)
    wait_for(lambda: (b.counters("tracker.test3") or {}).get("records_pending", 0) >= 1, timeout=10, what="a pending record")
    t0 = time.monotonic()
    tracker3.send_signal(signal.SIGTERM)
    assert tracker3.wait(10) == 0
    assert time.monotonic() - t0 < 6
    print(f"\n[figures] graceful stop with MLflow down and a record pending: {time.monotonic() - t0:.2f} s")
    b.close()


def test_garbage_and_refused_items_do_not_stop_good_records(procs, tmp_short, server):
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = "cw-garbage"
    start_tracker(procs, pub, sub, {"CANDLEWICK_TRACKER_MLFLOW_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": exp,
                                    "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp_short / "spool")})
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    run_id = "run-garbage-1"
    long_value = "x" * 10000
    b.publish("run.started", {"run_id": run_id, "symbols": ["AAPL"], "started_at": now_iso(),
                              "params": {"position_size": "10", "note": long_value, "bad key!": "1"}}, run_id)
    # Malformed frames of every kind.
    b.send_frames([b"run.symbol", b"this is not json"])
    b.send_frames([b"run.symbol"])
    good = b.envelope("run.symbol", symbol_payload(run_id, "AAPL"), run_id, pngs("AAPL"))
    b.send_frames([b"run.started", json.dumps(good).encode()] + [d for _, d in pngs("AAPL")])  # topic ≠ type
    b.send_frames([b"run.symbol", json.dumps(good).encode()])  # attachments missing
    bad = symbol_payload(run_id, "AAPL")
    bad["signal"]["confidence_score"] = 150
    b.publish("run.symbol", bad, run_id, pngs("AAPL"))  # invalid payload
    b.publish("run.future_type", {"x": 1}, run_id)  # unknown type
    # A record MLflow refuses in part: the same run started again with a changed parameter.
    b.publish("run.started", {"run_id": run_id, "symbols": ["AAPL"], "started_at": now_iso(),
                              "params": {"position_size": "20", "extra": "kept"}}, run_id)
    # The good records.
    b.publish("run.symbol", symbol_payload(run_id, "AAPL"), run_id, pngs("AAPL"))
    b.publish("run.finished", {"run_id": run_id, "status": "FAILED", "finished_at": now_iso(), "totals": {"symbols": 1}}, run_id)
    client = MlflowClient(server.uri)

    def failed_parent():
        rs = [r for r in runs_of(client, exp, run_id) if r.data.tags.get("candlewick_kind") == "pipeline"]
        return rs and rs[0].info.status == "FAILED" and rs[0]
    parent = wait_for(failed_parent, timeout=60, interval=0.3, what="the garbage run FAILED in MLflow")
    p = parent.data.params
    assert p["note"] == "x" * 6000, "a too-long value is truncated to MLflow's limit"
    assert p["bad key_"] == "1", "an illegal key is made legal"
    assert p["position_size"] == "10" and p["extra"] == "kept", "the refused item is skipped, the rest of the record flows"
    child = [r for r in runs_of(client, exp, run_id) if r.data.tags.get("candlewick_kind") == "symbol"]
    assert len(child) == 1 and child[0].data.params["signal_action"] == "BUY"
    c = wait_for(lambda: (lambda c: c and c["records_delivered"] >= 4 and c)(b.counters("tracker.test")), timeout=10,
                 what="counters")
    assert c["frames_rejected"] >= 5, c
    assert c["items_skipped"] == 1, c
    b.close()


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("chromium is missing: scripts/setup installs it")


def run_chromium(args, timeout=60):
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--allow-file-access-from-files", "--user-data-dir=" + tempfile.mkdtemp(prefix="cwchr-")]
    return subprocess.run(base + args, capture_output=True, timeout=timeout)


def test_local_report_renders_in_chromium(procs, tmp_short):
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    runs = tmp_short / "runs"
    start_tracker(procs, pub, sub, {"CANDLEWICK_TRACKER_DIRECTORY": str(runs), "CANDLEWICK_TRACKER_MLFLOW_URI": ""})
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    symbols = ["AAPL", "MSFT", "SPY"]
    run_id = "run-local-1"
    publish_run(b, run_id, symbols)
    folder = runs / run_id / "tracking"
    wait_for(lambda: (folder / "report.html").exists() and '"FINISHED"' in (folder / "state.json").read_text()
             and (b.counters("tracker.test") or {}).get("records_pending", 1) == 0, timeout=30, what="local report")
    time.sleep(0.5)
    state = json.loads((folder / "state.json").read_text())
    assert sorted(state["symbols"]) == symbols and state["pipeline"]["status"] == "FINISHED"
    aapl = state["symbols"]["AAPL"]
    assert aapl["params"]["signal_action"] == "BUY" and aapl["tags"]["order_placed"] == "true" and aapl["metrics"]["order_placed"] == 1
    for sym in symbols:
        for name, data in pngs(sym):
            assert (folder / "artifacts" / sym / name).read_bytes() == data
    lines = [json.loads(l) for l in (folder / "records.jsonl").read_text().splitlines()]
    assert len(lines) == len({l["seq"] for l in lines}) == 1 + len(symbols) + 2 + 1 + 1 + 1  # started, symbols, 2 orders, trade, portfolio, finished
    html = (folder / "report.html").read_text()
    assert all(f'id="{s}"' in html for s in symbols) and "ord-AAPL" in html and f"exec-{run_id}-AAPL" in html
    # 1) Every <img> decodes in Chromium: naturalWidth of each image, written into the DOM after load.
    probe = folder / "probe.html"
    probe.write_text(html.replace("</body>", "<script>window.addEventListener('load',()=>{document.body.setAttribute("
                                  "'data-widths',[...document.images].map(i=>i.complete?i.naturalWidth:-1).join(','))})"
                                  "</script></body>"))
    out = run_chromium(["--virtual-time-budget=10000", "--dump-dom", probe.as_uri()])
    m = re.search(rb'data-widths="([^"]*)"', out.stdout)
    assert m, out.stderr.decode()[-2000:]
    widths = [int(w) for w in m.group(1).decode().split(",")]
    assert widths == [1920] * (2 * len(symbols)), widths
    # 2) The screenshot shows them: against the same page without images, many pixels differ.
    from PIL import Image, ImageChops
    bare = folder / "bare.html"
    bare.write_text(re.sub(r"<img [^>]*>", "", html))
    shots = []
    for page in (folder / "report.html", bare):
        png = tmp_short / f"{page.stem}.png"
        r = run_chromium(["--window-size=1400,1600", "--virtual-time-budget=10000", f"--screenshot={png}", page.as_uri()])
        assert png.exists(), r.stderr.decode()[-2000:]
        shots.append(Image.open(png).convert("RGB"))
    diff = ImageChops.difference(shots[0], shots[1]).convert("L").point(lambda v: 255 if v > 24 else 0)
    changed = sum(1 for v in diff.get_flattened_data() if v) / (diff.width * diff.height)
    colourful = sum(1 for (r, g, bl) in shots[0].get_flattened_data() if max(r, g, bl) - min(r, g, bl) > 60) / (diff.width * diff.height)
    print(f"\n[figures] report screenshot: {changed:.1%} pixels differ from the image-less page; {colourful:.1%} saturated")
    assert changed > 0.02 and colourful > 0.002, (changed, colourful)
    b.close()


def test_kill_during_delivery_replays_without_duplicates(procs, tmp_short, server):
    """SIGKILL while records are being uploaded: the interrupted record is replayed into the same runs."""
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = "cw-kill"
    env = {"CANDLEWICK_TRACKER_MLFLOW_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": exp,
           "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp_short / "spool")}
    tracker = start_tracker(procs, pub, sub, env)
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    run_id = "run-kill-1"
    symbols = many_symbols(20)
    t0 = time.monotonic()
    publish_run(b, run_id, symbols)
    published = 1 + len(symbols) + len(symbols) + 1 + 1 + 1
    wait_for(lambda: (b.counters("tracker.test") or {}).get("records_delivered", 0) >= 8, timeout=60, what="delivery under way")
    tracker.send_signal(signal.SIGKILL)
    tracker.wait(5)
    killed_at = b.counters("tracker.test")["records_delivered"]
    start_tracker(procs, pub, sub, env, instance="tracker.test2")
    client = MlflowClient(server.uri)
    wait_finished(client, exp, run_id, timeout=120)
    elapsed = time.monotonic() - t0
    check_run(client, exp, run_id, symbols, tmp_short)
    # The spool is exact (heartbeat counters lag): every record journaled once, and delivered.
    wait_for(lambda: spool_state(tmp_short / "spool") == (published, published), timeout=30,
             what=f"{published} records journaled once and the mlflow cursor at {published}")
    print(f"\n[figures] {published} records ({len(symbols)} symbols, 4 PNG/JSON artifacts each) delivered in {elapsed:.1f} s "
          f"= {published / elapsed:.1f} records/s, killed after ~{killed_at:.0f}")
    b.close()


def candlewick_run_tracked(procs, tmp_short, tracker_during_run):
    """The real producer: `candlewick run` over chart-workers and the rules analyst publishes the run;
    the tracker (local mode) records every symbol with the very chart bytes the run wrote. With the
    tracker down for the whole run, it finds the run folder's outbox under tracker.directory on start."""
    from conftest import ROOT, binary, free_port
    env = dict(os.environ, CANDLEWICK_BUS_DIRECTORY=str(tmp_short), CANDLEWICK_RUNTIME_HEARTBEAT_INTERVAL_S="0.5")
    env.update({f"CANDLEWICK_{k}": f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")})
    pub, sub = f"ipc://{tmp_short}/bus-pub.sock", f"ipc://{tmp_short}/bus-sub.sock"
    start_proxy(procs, pub, sub)
    runs = tmp_short / "runs"
    tracker_env = dict(env, CANDLEWICK_TRACKER_DIRECTORY=str(runs), CANDLEWICK_TRACKER_MLFLOW_URI="")
    b = BusClient(pub, sub)
    if tracker_during_run:
        procs([binary("tracker"), "--instance", "tracker.test"], env=tracker_env)
        b.wait_ready("tracker.test")
    out = runs / "the-run"
    owner = procs([binary("candlewick"), "run", "--source", "csv", "--data", str(ROOT / "deploy" / "data" / "daily"),
                   "--out", str(out), "--timeout", "90"], env=env, cwd=str(ROOT))
    procs([binary("chart-worker"), "--instance", "chart-worker.1"], env=env)
    procs([binary("llm-worker"), "--instance", "llm-worker.1"], env=env)
    _, stderr = owner.communicate(timeout=120)
    assert owner.returncode == 0, stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    run_id = summary["run_id"]
    symbols = sorted(s["symbol"] for s in summary["symbols"])
    # The run kept every record in its outbox: started, one per symbol, finished.
    kept = sorted((out / "outbox").glob("*.json"))
    assert [p.name for p in kept] == [f"{n:06d}.json" for n in range(1, len(symbols) + 3)]
    envelopes = [json.loads(p.read_text()) for p in kept]
    assert [e["payload"]["trail"]["seq"] for e in envelopes] == list(range(1, len(symbols) + 3))
    assert {e["payload"]["trail"]["outbox"] for e in envelopes} == {str((out / "outbox").resolve())}
    assert [e["type"] for e in envelopes] == ["run.started"] + ["run.symbol"] * len(symbols) + ["run.finished"]
    assert sorted(envelopes[-1]["payload"]["trail"]["symbols"]) == symbols
    assert all(len(list((out / "outbox").glob(f"{n:06d}-*.bin"))) == 2 for n in range(2, len(symbols) + 2))
    if not tracker_during_run:
        procs([binary("tracker"), "--instance", "tracker.test"], env=tracker_env)
    folder = runs / run_id / "tracking"
    wait_for(lambda: (folder / "state.json").exists() and json.loads((folder / "state.json").read_text())["pipeline"]["status"]
             == "FINISHED", timeout=30, what="the tracked run FINISHED")
    state = json.loads((folder / "state.json").read_text())
    assert sorted(state["symbols"]) == symbols
    assert state["pipeline"]["metrics"]["total_symbols"] == len(symbols)
    assert state["pipeline"]["tags"]["candlewick.audit"] == "complete"
    for s in summary["symbols"]:
        run = state["symbols"][s["symbol"]]
        assert run["status"] == "FINISHED"
        assert run["params"]["signal_action"] == s["action"] and run["params"]["llm_provider"] == "rules"
        assert run["metrics"]["confidence_score"] == s["confidence_score"] and run["metrics"]["latest_price"] > 0
        for tf in ("daily", "weekly"):
            assert (folder / "artifacts" / s["symbol"] / f"{tf}_chart.png").read_bytes() == \
                (out / "charts" / s["symbol"] / f"{s['symbol']}_{tf}.png").read_bytes()
    lines = [json.loads(line) for line in (folder / "records.jsonl").read_text().splitlines()]
    assert len(lines) == len({line["seq"] for line in lines}) == len(symbols) + 2, "every record delivered once"
    b.close()


def test_candlewick_run_is_tracked(procs, tmp_short):
    candlewick_run_tracked(procs, tmp_short, tracker_during_run=True)


def test_candlewick_run_while_the_tracker_is_down_is_read_back_from_its_outbox(procs, tmp_short):
    candlewick_run_tracked(procs, tmp_short, tracker_during_run=False)


AUDIT_COMPLETE = {"candlewick.audit": "complete", "candlewick.audit_missing": "none"}
SYMBOLS4 = ["AAPL", "MSFT", "SPY", "GOOG"]
RECORDS4 = 1 + 4 + 3 + 1 + 1 + 1  # started, 4 symbols, 3 orders, a trade, portfolio, finished


def durable_env(server, exp, tmp):
    return {"CANDLEWICK_TRACKER_MLFLOW_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": exp,
            "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp / "spool"), "CANDLEWICK_TRACKER_DIRECTORY": str(tmp / "runs"),
            "CANDLEWICK_TRACKER_RETRY_MAX_S": "1"}


def kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(5)


def wait_counter(b, instance, key, value, timeout=30):
    """Waits until the heartbeat counter `key` of `instance` is at least `value`."""
    wait_for(lambda: (b.counters(instance) or {}).get(key, -1) >= value, timeout=timeout, interval=0.2,
             what=f"{instance} {key} >= {value} (last: {b.counters(instance)})")


@pytest.mark.parametrize("point", ["before_start", "mid_symbols", "before_finish", "dropped_on_the_bus"])
def test_tracker_killed_reads_what_it_missed_from_the_outbox(procs, tmp_short, server, point):
    """kill -9 of the tracker at a point of a run whose records are numbered and kept in the run folder's
    outbox: what was published while it was down is read back on start (the run folder is found under
    tracker.directory, or named by a journaled record); a record lost on the bus while the tracker runs is
    read back when the next one shows the hole. MLflow ends with every child run exactly once and the
    parent FINISHED, audit complete."""
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = f"cw-durable-{point}"
    env = durable_env(server, exp, tmp_short)
    tracker = start_tracker(procs, pub, sub, env)
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    run_id = f"run-durable-{point}"
    run = OutboxRun(b, run_id, tmp_short / "runs" / run_id, SYMBOLS4)

    def restart():
        start_tracker(procs, pub, sub, env, instance="tracker.test2")
        b.wait_ready("tracker.test2")

    if point == "before_start":
        kill(tracker)
        run.started(), run.symbol("AAPL"), run.symbol("MSFT")
        restart()
        run.symbol("SPY")  # number 4 shows the hole 1-3
        run.symbol("GOOG")
        publish_broker(b, run_id, SYMBOLS4)
        run.finished()
        recovered = 3
    elif point == "mid_symbols":
        run.started(), run.symbol("AAPL")
        wait_counter(b, "tracker.test", "records_spooled", 2)
        kill(tracker)
        run.symbol("MSFT"), run.symbol("SPY")
        restart()
        run.symbol("GOOG")
        publish_broker(b, run_id, SYMBOLS4)
        run.finished()
        recovered = 2
    elif point == "dropped_on_the_bus":
        run.started(), run.symbol("AAPL"), run.symbol("MSFT", send=False)
        run.symbol("SPY")  # number 4 shows the hole at 3
        run.symbol("GOOG")
        publish_broker(b, run_id, SYMBOLS4)
        run.finished()
        recovered = 1
    else:
        run.started()
        for sym in SYMBOLS4:
            run.symbol(sym)
        publish_broker(b, run_id, SYMBOLS4)
        wait_counter(b, "tracker.test", "records_spooled", RECORDS4 - 1)
        kill(tracker)
        run.finished()
        restart()  # after the run: the tracker reads the end back on start
        recovered = 1
    client = MlflowClient(server.uri)
    wait_finished(client, exp, run_id, timeout=90)
    wait_for(lambda: spool_state(tmp_short / "spool") == (RECORDS4, RECORDS4), timeout=30, what="every record journaled once, delivered")
    check_run(client, exp, run_id, SYMBOLS4, tmp_short, audit=AUDIT_COMPLETE)
    # At least the missed records were read back (a record the run kept while the tracker was reading
    # may be read too; its live copy is then a duplicate, journaled once: spool_state above).
    wait_counter(b, "tracker.test" if point == "dropped_on_the_bus" else "tracker.test2", "records_recovered", recovered)
    b.close()


def test_records_that_cannot_be_read_back_leave_the_parent_visibly_incomplete(procs, tmp_short, server):
    """The run folder's records are gone while the tracker is down: the parent is FAILED with
    candlewick.audit=incomplete and what is missing, never FINISHED. When they come back and the tracker
    restarts, it reads them and the parent becomes FINISHED, complete."""
    pub, sub = bus(tmp_short)
    start_proxy(procs, pub, sub)
    exp = "cw-durable-lost"
    env = durable_env(server, exp, tmp_short)
    tracker = start_tracker(procs, pub, sub, env)
    b = BusClient(pub, sub)
    b.wait_ready("tracker.test")
    run_id = "run-durable-lost"
    folder = tmp_short / "runs" / run_id
    run = OutboxRun(b, run_id, folder, SYMBOLS4)
    run.started(), run.symbol("AAPL")
    wait_counter(b, "tracker.test", "records_spooled", 2)
    kill(tracker)
    run.symbol("MSFT")  # published while the tracker is down ...
    aside = tmp_short / "outbox-aside"
    run.outbox.rename(aside)  # ... and its run folder's copy is gone
    tracker2 = start_tracker(procs, pub, sub, env, instance="tracker.test2")
    b.wait_ready("tracker.test2")
    run.symbol("SPY"), run.symbol("GOOG")
    publish_broker(b, run_id, SYMBOLS4)
    run.finished()
    client = MlflowClient(server.uri)

    def settled_parent():
        rs = [r for r in runs_of(client, exp, run_id) if r.data.tags.get("candlewick_kind") == "pipeline"]
        return rs and rs[0].info.status != "RUNNING" and rs[0].data.tags.get("candlewick.audit") and rs[0]
    parent = wait_for(settled_parent, timeout=60, interval=0.3, what="the parent settled")
    assert parent.info.status == "FAILED", "never FINISHED with a record missing"
    assert parent.data.tags["candlewick.audit"] == "incomplete"
    assert parent.data.tags["candlewick.audit_missing"] == "records 3 of 6; symbols MSFT"
    children = sorted(r.data.tags["candlewick_symbol"] for r in runs_of(client, exp, run_id) if r.data.tags["candlewick_kind"] == "symbol")
    assert children == ["AAPL", "GOOG", "SPY"]
    # Not only a tag: the tracker's heartbeat names the run as an alert (`candlewick status` lists it).
    def audit_alerts(instance):
        hb = b.poll_heartbeats().get(instance) or {}
        return [a for a in hb.get("alerts", []) if a["kind"] == "audit_incomplete"]
    alerts = wait_for(lambda: audit_alerts("tracker.test2"), timeout=15, interval=0.2, what="tracker.test2's audit_incomplete alert")
    assert [a["id"] for a in alerts] == [run_id] and "records 3 of 6; symbols MSFT" in alerts[0]["detail"], alerts
    assert b.counters("tracker.test2")["alerts.audit_incomplete"] == 1
    # The records come back; a restarted tracker reads them on start and the parent is complete.
    for f in aside.iterdir():
        f.rename(run.outbox / f.name)
    kill(tracker2)
    start_tracker(procs, pub, sub, env, instance="tracker.test3")
    wait_finished(client, exp, run_id, timeout=60)
    wait_for(lambda: spool_state(tmp_short / "spool") == (RECORDS4, RECORDS4), timeout=30, what="every record journaled once, delivered")
    check_run(client, exp, run_id, SYMBOLS4, tmp_short, audit=AUDIT_COMPLETE)
    wait_for(lambda: (b.counters("tracker.test3") or {}).get("alerts.audit_incomplete") == 0 and not audit_alerts("tracker.test3"),
             timeout=15, interval=0.2, what="no audit alert once the trail is whole")
    b.close()


def test_credentials_from_environment_never_logged_and_refusal_keeps_spooling(procs, tmp_short):
    """A server that refuses the credentials (401) is a setup problem, not the record's: records wait in the
    spool (heartbeat state sink_unavailable). The Basic header comes from MLFLOW_TRACKING_USERNAME/PASSWORD
    and the secret never appears in the tracker's log."""
    import base64
    import http.server
    import threading
    seen = []

    class Refuse(http.server.BaseHTTPRequestHandler):
        def handle_one(self):
            seen.append(self.headers.get("Authorization"))
            body = b"<html>You are not authenticated.</html>"
            self.send_response(401)
            self.send_header("Content-Type", "text/html")
            self.send_header("WWW-Authenticate", 'Basic realm="mlflow"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = handle_one

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        pub, sub = bus(tmp_short)
        start_proxy(procs, pub, sub)
        secret = "p4ss-s3cret-value"
        log = open(tmp_short / "tracker.log", "wb")
        start_tracker(procs, pub, sub, {"CANDLEWICK_TRACKER_MLFLOW_URI": f"http://127.0.0.1:{httpd.server_address[1]}",
                                        "CANDLEWICK_TRACKER_SPOOL_DIR": str(tmp_short / "spool"), "MLFLOW_TRACKING_USERNAME": "alice",
                                        "MLFLOW_TRACKING_PASSWORD": secret, "MLFLOW_TRACKING_TOKEN": "tok-ignored"}, log=log)
        b = BusClient(pub, sub)
        b.wait_ready("tracker.test")
        publish_run(b, "run-auth-1", ["AAPL"])
        wait_for(lambda: b.poll_heartbeats(200).get("tracker.test", {}).get("state") == "sink_unavailable"
                 and b.counters("tracker.test")["records_pending"] >= 6, timeout=20, what="records waiting for the sink")
        c = b.counters("tracker.test")
        assert c["records_delivered"] == 0 and c["items_skipped"] == 0, c
        assert seen and set(seen) == {"Basic " + base64.b64encode(f"alice:{secret}".encode()).decode()}
        b.close()
    finally:
        httpd.shutdown()
    text = (tmp_short / "tracker.log").read_bytes()
    assert secret.encode() not in text and base64.b64encode(f"alice:{secret}".encode()) not in text
    assert b"basic (MLFLOW_TRACKING_USERNAME)" in text
