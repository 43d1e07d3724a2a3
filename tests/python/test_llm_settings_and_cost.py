"""llm.* settings are typed: a typo in any enum (or a number out of range) stops llm-worker at start
with the file:line or the variable; cost_usd comes from llm.prices and the usage (image tokens
computed where the API does not report them); the spend guard stops model calls for the day;
shadow mode marks results so nothing is submitted."""
import hashlib
import json
import subprocess
import time
import uuid

import pytest

from conftest import ROOT, binary, free_port
from llm_mock import MockLLM
from test_llm_worker import charts  # noqa: F401 (the rendered SPY charts fixture)

KEY = "sk-test-secret-123"


def analyze(charts, env, config=None, report=None):
    cmd = [binary("llm-worker"), "analyze", "--symbol", "SPY", "--daily", str(charts / "SPY_daily.png"),
           "--weekly", str(charts / "SPY_weekly.png"), "--indicators", str(charts / "spy.json")]
    cmd += (["--config", str(config)] if config else []) + (["--report", str(report)] if report else [])
    return subprocess.run(cmd, capture_output=True, timeout=60, env={"PATH": "/usr/bin:/bin", **env})


TYPOS = [("provider", "openia"), ("image_detail", "hgih"), ("response_format", "json"), ("structured_mode", "tools"),
         ("auth_style", "x-api-keys"), ("image_token_formula", "tiles"), ("shadow", "maybe"), ("max_answer_bytes", "10"),
         ("min_reward_risk", "-1"), ("max_entry_pct", "3"), ("prices", "test-model=1"), ("max_tokens", "12OO")]


@pytest.mark.parametrize("key,value", TYPOS, ids=[k for k, _ in TYPOS])
def test_a_config_typo_stops_the_worker_with_file_and_line(charts, tmp_path, key, value):
    cfg = tmp_path / "candlewick.conf"
    cfg.write_text(f"# test\n[llm]\nmodel = test-model\n{key} = {value}\n")
    r = analyze(charts, {"OPENAI_API_KEY": KEY, "CANDLEWICK_LLM_BASE_URL": "http://127.0.0.1:9"}, config=cfg)
    err = r.stderr.decode()
    assert r.returncode != 0, f"llm.{key} = {value} was accepted"
    assert f"{cfg}:4" in err and f"llm.{key}" in err, err[-600:]
    assert r.stdout == b"", "no signal may be printed"


def test_a_typo_in_the_environment_names_the_variable(charts):
    r = analyze(charts, {"OPENAI_API_KEY": KEY, "CANDLEWICK_LLM_MODEL": "m", "CANDLEWICK_LLM_IMAGE_DETAIL": "hgih"})
    assert r.returncode != 0 and "CANDLEWICK_LLM_IMAGE_DETAIL" in r.stderr.decode()


def mock_env(mock, extra=None):
    return {"CANDLEWICK_LLM_PROVIDER": mock.kind, "CANDLEWICK_LLM_MODEL": "test-model", "CANDLEWICK_LLM_BASE_URL": mock.url,
            ("OPENAI_API_KEY" if mock.kind == "openai" else "ANTHROPIC_API_KEY"): KEY, **(extra or {})}


def test_cost_usd_and_image_tokens_in_the_analysis_record(charts, tmp_path):
    prices = "test-model=2.5/10/1.25/3.75"
    # OpenAI reports prompt/completion tokens (1800/120) and image tokens (1530).
    mock = MockLLM("openai", ["valid"])
    try:
        r = analyze(charts, mock_env(mock, {"CANDLEWICK_LLM_PRICES": prices}), report=tmp_path / "o.json")
        assert r.returncode == 0, r.stderr.decode()[-800:]
        rec = json.loads((tmp_path / "o.json").read_text())
        assert rec["usage"]["image_tokens"] == 1530
        assert rec["cost_usd"] == pytest.approx((1800 * 2.5 + 120 * 10) / 1e6)
    finally:
        mock.close()
    # Anthropic reports no image tokens: two 1920x1080 charts resize to 1456x816 = 1,584 tokens each.
    mock = MockLLM("anthropic", ["valid"])
    try:
        r = analyze(charts, mock_env(mock, {"CANDLEWICK_LLM_PRICES": prices}), report=tmp_path / "a.json")
        assert r.returncode == 0, r.stderr.decode()[-800:]
        rec = json.loads((tmp_path / "a.json").read_text())
        assert rec["usage"]["image_tokens"] == 2 * 1584
        assert rec["cost_usd"] == pytest.approx((1700 * 2.5 + 110 * 10) / 1e6)
    finally:
        mock.close()
    # Without a price the cost is unknown (null), never a silent 0.
    mock = MockLLM("openai", ["valid"])
    try:
        r = analyze(charts, mock_env(mock), report=tmp_path / "n.json")
        rec = json.loads((tmp_path / "n.json").read_text())
        assert "cost_usd" in rec and rec["cost_usd"] is None
    finally:
        mock.close()


def serve_jobs(procs, tmp_path, charts, env, n):
    """Pushes n analysis jobs to one llm-worker serve and returns their results by job id."""
    import zmq
    jobs_ep, results_ep = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    ctx = zmq.Context.instance()
    import buskeys  # the worker only talks to the run owner's key (CURVE, docs/protocol.md)
    push, pull = (buskeys.server(ctx.socket(k), tmp_path / "keys", "run-owner") for k in (zmq.PUSH, zmq.PULL))
    push.setsockopt(zmq.SNDTIMEO, 30_000)  # a worker that never connects fails the test instead of hanging it
    push.bind(jobs_ep)
    pull.bind(results_ep)
    procs([binary("llm-worker"), "--instance", "llm-worker.1"],
          env={"PATH": "/usr/bin:/bin", "CANDLEWICK_LLM_JOBS": jobs_ep, "CANDLEWICK_LLM_RESULTS": results_ep,
               "CANDLEWICK_BUS_DIRECTORY": str(tmp_path), **env})
    rendered = json.loads((charts / "spy.json").read_text())
    pngs = [(charts / "SPY_daily.png").read_bytes(), (charts / "SPY_weekly.png").read_bytes()]
    results = {}
    try:
        for i in range(n):
            msg = {"v": 1, "id": str(uuid.uuid4()), "type": "analysis.job", "source": buskeys.SOURCE["run-owner"], "seq": i + 1,
                   "ts": "2024-01-01T00:00:00Z", "run_id": "run-cost", "causation_id": None,
                   "attachments": [{"index": k, "name": f"c{k}.png", "content_type": "image/png", "size": len(p),
                                    "sha256": hashlib.sha256(p).hexdigest()} for k, p in enumerate(pngs)],
                   "payload": {"job_id": f"j{i}", "symbol": "SPY", "last_close": rendered["last_close"],
                               "chart_low": rendered["chart_low"], "chart_high": rendered["chart_high"],
                               "indicators": rendered["indicators"], "weekly_indicators": rendered["weekly_indicators"]}}
            push.send_multipart([b"analysis.job", json.dumps(msg).encode()] + pngs)
        deadline = time.time() + 30
        while len(results) < n and time.time() < deadline:
            if pull.poll(500):
                p = json.loads(pull.recv_multipart()[1])["payload"]
                results[p["job_id"]] = p
    finally:
        push.close(0)
        pull.close(0)
    assert len(results) == n, f"{len(results)} of {n} results"
    return results


def test_spend_guard_stops_model_calls_for_the_day(procs, tmp_path, charts):
    """One call costs (1800*2.5 + 120*10)/1e6 = 0.0057 USD; with a 0.005 USD daily limit the first call
    is made and every later one is refused without an HTTP request."""
    mock = MockLLM("openai", ["valid"])
    try:
        results = serve_jobs(procs, tmp_path, charts, mock_env(mock, {
            "CANDLEWICK_LLM_PRICES": "test-model=2.5/10", "CANDLEWICK_LLM_MAX_DAILY_COST_USD": "0.005",
            "CANDLEWICK_LLM_MAX_CONCURRENT": "1"}), 4)
        assert len(mock.requests) == 1, f"{len(mock.requests)} model calls"
        made = [r for r in results.values() if not r["reasons"]]
        stopped = [r for r in results.values() if r["reasons"]]
        assert len(made) == 1 and made[0]["cost_usd"] == pytest.approx(0.0057)
        assert len(stopped) == 3 and all(r["reasons"][0].startswith("call.spend_limit:") and r["signal"]["action"] == "HOLD"
                                         and r.get("cost_usd", 0) == 0 for r in stopped)
    finally:
        mock.close()


def test_shadow_results_are_marked(procs, tmp_path, charts):
    mock = MockLLM("openai", ["valid"])
    try:
        results = serve_jobs(procs, tmp_path, charts, mock_env(mock, {"CANDLEWICK_LLM_SHADOW": "true"}), 1)
        r = results["j0"]
        assert r["shadow"] is True and r["signal"]["is_actionable"], "a shadow signal is analysed as usual, only marked"
    finally:
        mock.close()
