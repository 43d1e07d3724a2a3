"""The answer path as an attacker and as an honest analyst see it: every bad answer of the corpus
(generated mutations of correct answers, hand-written bad answers, bad provider envelopes), served
by the strict OpenAI and Anthropic mocks in every structured mode, must come out of `llm-worker
analyze` as a non-actionable HOLD whose reasons name a rule of docs/signals.md; every hand-written
correct answer (real symbols and dates, daily and weekly values) must be accepted as is, in every
mode. The audit record keeps what the provider sent (a duplicate key stays visible)."""
import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, binary
from llm_mock import MockLLM

sys.path.insert(0, str(ROOT / "tests" / "python" / "signal_corpus"))
import mutations  # noqa: E402

KEY = "sk-test-secret-123"
GOOD = json.loads((ROOT / "tests" / "python" / "signal_corpus" / "good_answers.json").read_text())
RULES = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", (ROOT / "docs" / "signals.md").read_text(), re.M))


@pytest.fixture(scope="module")
def contexts(tmp_path_factory):
    """Charts and the render JSON of every (symbol, as_of) the correct answers are about."""
    out = {}
    base = tmp_path_factory.mktemp("corpus")
    for symbol, as_of in sorted({(g["symbol"], g["as_of"]) for g in GOOD}):
        d = base / f"{symbol}_{as_of}"
        r = subprocess.run([binary("chart-worker"), "render", "--csv", str(ROOT / "deploy" / "data" / "daily" / f"{symbol}.csv"),
                            "--symbol", symbol, "--out", str(d), "--as-of", as_of], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr
        (d / "render.json").write_bytes(r.stdout)
        out[(symbol, as_of)] = (d, json.loads(r.stdout))
    return out


def run(ctx_dir, symbol, kind, mode, scenario, tmp):
    mock = MockLLM(kind, [scenario])
    try:
        env = {"PATH": "/usr/bin:/bin", "CANDLEWICK_LLM_PROVIDER": kind, "CANDLEWICK_LLM_MODEL": "test-model",
               "CANDLEWICK_LLM_BASE_URL": mock.url, "CANDLEWICK_LLM_TIMEOUT_S": "10",
               ("OPENAI_API_KEY" if kind == "openai" else "ANTHROPIC_API_KEY"): KEY}
        if kind == "openai" and mode == "json_object":
            env["CANDLEWICK_LLM_RESPONSE_FORMAT"] = "json_object"
        if kind == "anthropic" and mode == "tool":
            env["CANDLEWICK_LLM_STRUCTURED_MODE"] = "tool"
        r = subprocess.run([binary("llm-worker"), "analyze", "--symbol", symbol, "--daily", str(ctx_dir / f"{symbol}_daily.png"),
                            "--weekly", str(ctx_dir / f"{symbol}_weekly.png"), "--indicators", str(ctx_dir / "render.json"),
                            "--report", str(tmp)], capture_output=True, timeout=60, env=env)
        assert r.returncode == 0, r.stderr.decode()[-1500:]
        assert mock.violations == [] and len(mock.requests) == 1, (mock.violations, len(mock.requests))
        return json.loads(tmp.read_text())
    finally:
        mock.close()


def corpus(contexts):
    """(name, fixture, kind, mode, scenario, expected rules) for every bad case."""
    cases = []
    spy = next(g for g in GOOD if g["id"] == "spy-2017-buy")
    for g in GOOD:
        for name, scenario, rules in mutations.mutations(g, contexts[(g["symbol"], g["as_of"])][1]):
            cases.append((name, g, scenario, rules))
    cases += [(n, spy, s, r) for n, s, r in mutations.handwritten(spy)]
    out = [(n, g, *mutations.MODES[i % 4], s, r) for i, (n, g, s, r) in enumerate(cases)]
    for kind, mode in mutations.MODES:
        out += [(n, spy, kind, mode, s, r) for n, s, r in mutations.envelopes(spy, kind, mode)]
    return out


def test_bad_answers_never_become_actionable(contexts, tmp_path):
    assert len(RULES) >= 40, "docs/signals.md must list the refusal rules"
    cases = corpus(contexts)
    assert len(cases) >= 200
    assert {(k, m) for _, _, k, m, _, _ in cases} == set(mutations.MODES)

    def judge(i):
        name, g, kind, mode, scenario, rules = cases[i]
        rec = run(contexts[(g["symbol"], g["as_of"])][0], g["symbol"], kind, mode, scenario, tmp_path / f"r{i}.json")
        s, reasons = rec["signal"], rec["reasons"]
        named = {r.split(":", 1)[0] for r in reasons}
        problems = []
        if s["is_actionable"] or s["action"] != "HOLD":
            problems.append("ACTIONABLE")
        if not reasons:
            problems.append("accepted")
        if not named <= RULES:
            problems.append(f"rules not in docs/signals.md: {named - RULES}")
        if not named & rules:
            problems.append(f"expected one of {sorted(rules)}")
        return f"{name} [{kind}/{mode}]: {'; '.join(problems)} <- {reasons[:3]}" if problems else None

    with ThreadPoolExecutor(4) as pool:
        failures = [f for f in pool.map(judge, range(len(cases))) if f]
    print(f"\n{len(cases)} bad answers, {len(failures)} not refused as expected")
    assert not failures, "\n".join(failures[:40])


def test_correct_answers_are_accepted_in_every_mode(contexts, tmp_path):
    assert len(GOOD) >= 20 and len({(g["symbol"], g["as_of"]) for g in GOOD}) >= 10

    def judge(job):
        i, g, (kind, mode) = job
        rec = run(contexts[(g["symbol"], g["as_of"])][0], g["symbol"], kind, mode, {"text": json.dumps(g["answer"])},
                  tmp_path / f"g{i}.json")
        s = rec["signal"]
        ok = rec["reasons"] == [] and s["action"] == g["answer"]["action"] and \
            (s["action"] == "HOLD" or (s["is_actionable"] and s["entry_price"] == g["answer"]["entry_price"]))
        return None if ok else f"{g['id']} [{kind}/{mode}]: {rec['reasons']}"

    jobs = [(i, g, m) for i, g in enumerate(GOOD) for m in mutations.MODES]
    with ThreadPoolExecutor(4) as pool:
        failures = [f for f in pool.map(judge, jobs) if f]
    assert not failures, "\n".join(failures)


def test_audit_record_keeps_the_provider_bytes(contexts, tmp_path):
    """A duplicate key is refused and stays visible in the record, in the text modes and in tool mode."""
    spy = next(g for g in GOOD if g["id"] == "spy-2017-buy")
    d = contexts[("SPY", "2017-12-29")][0]
    text = mutations.with_duplicate(spy["answer"], "action", "HOLD")
    assert text.count('"action"') == 2
    for kind, mode in mutations.MODES:
        rec = run(d, "SPY", kind, mode, {"text": text}, tmp_path / f"{kind}-{mode}.json")
        assert rec["signal"]["action"] == "HOLD" and rec["reasons"][0].startswith("json.duplicate_key:")
        assert '"action": "HOLD"' in rec["raw_answer"] and '"action": "BUY"' in rec["raw_answer"], (kind, mode, rec["raw_answer"][:300])
    # An oversize answer is refused and kept bounded: its first bytes, its size and its sha256.
    big = json.dumps({**spy["answer"], "reasoning": "x" * 2_000_000})
    rec = run(d, "SPY", "openai", "json_schema", {"text": big}, tmp_path / "big.json")
    assert rec["reasons"][0].startswith("json.too_large:")
    assert len(rec["raw_answer"]) < 40_000 and f"{len(big.encode())} bytes in all" in rec["raw_answer"]
