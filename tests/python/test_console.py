"""`candlewick console` in a real headless Chromium (Selenium with Debian's chromium-driver), over a real stack and a
real run: ib-paper, the proxy, gateway-bridge, order-router, a chart-worker, an llm-worker and `candlewick run`.

While the run goes, the page shows each symbol as its record arrives, with both charts loaded (non-zero natural width)
and its signal; the run folder appears under past runs with a working link to its report. HALT is refused without a
session (401), with a wrong credential, and for a forged POST without or with a wrong CSRF token (403) — each time
order-router stays ACTIVE (asked with `candlewick trading status`). Logged in with the credential, a click on HALT makes
order-router HALTED. FLATTEN asks first in a <dialog>: cancelled there, nothing is sent; a forged request without the
confirmation is refused (400); confirmed, order-router cancels and closes at IB, stays HALTED, and the page and the audit
log show the same clean-up (cancelled intents, exits, problems). Every attempt is in the console's audit log, the
credential nowhere in it; the console's /metrics counts the logins and operator actions by outcome."""
import http.cookiejar
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import ROOT, binary, free_port, wait_for
from orders_stack import SYMBOLS, OrderStack

webdriver = pytest.importorskip("selenium.webdriver")  # a skip fails here (conftest): scripts/setup installs selenium
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CREDENTIAL = "console-test-credential-4242"


def call(url, method="GET", body=None, headers=None, opener=None):
    """One HTTP request; (status, parsed JSON body or text)."""
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(), headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=10) as r:
            status, data = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, data = e.code, e.read()
    except urllib.error.URLError as e:  # not listening (yet)
        return 0, str(e)
    try:
        return status, json.loads(data)
    except ValueError:
        return status, data.decode(errors="replace")


def router_state(env):
    """order-router's trading state, asked at order-router itself with `candlewick trading status`."""
    p = subprocess.run([binary("candlewick"), "trading", "status"], env=env, capture_output=True, timeout=30)
    assert p.returncode == 0, p.stdout.decode() + p.stderr.decode()
    return p.stdout.decode().split("trading: ", 1)[1].split()[0]


@pytest.fixture
def browser(tmp_path):
    if not os.path.exists(CHROMEDRIVER):
        pytest.skip("chromium-driver is not installed (scripts/setup installs it)")
    options = Options()
    options.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1440,1800", f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(a)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


CARDS = """
return [...document.querySelectorAll('article.symbol')].map(a => ({
  symbol: a.dataset.symbol,
  signal: (a.querySelector('dd.signal') || {}).textContent || '',
  charts: [...a.querySelectorAll('img')].map(i => ({cls: i.className, loaded: i.complete && i.naturalWidth > 0, width: i.naturalWidth,
                                                    src: i.getAttribute('src')})),
  run: document.getElementById('run-body').textContent}));
"""


def test_console_shows_the_run_live_and_halts_only_for_the_operator(procs, tmp_path, browser):
    stack = OrderStack(procs, tmp_path, extra_config={
        "CANDLEWICK_RISK_ENTRY_TYPE": "MARKET", "CANDLEWICK_RISK_MARKET_ORDERS_WHEN_CLOSED": "true", "CANDLEWICK_RISK_TIF": "GTC",
        "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run,test,cli,console"})
    env = dict(stack.env)
    env.update({f"CANDLEWICK_{k}": f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")})
    env["CANDLEWICK_IB_PAPER_ADMIN"] = f"127.0.0.1:{stack.admin_port}"
    env["CANDLEWICK_RUN_PAPER_ADVANCE_DAYS"] = "1"
    runs = tmp_path / "runs"
    audit = tmp_path / "console-audit.jsonl"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    procs([binary("candlewick"), "console", "--listen", f"127.0.0.1:{port}", "--runs", str(runs), "--audit-log", str(audit)],
          env={**env, "CANDLEWICK_CONSOLE_CREDENTIAL": CREDENTIAL}, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "console.log", "wb"))
    wait_for(lambda: call(base + "/healthz")[0] == 200, timeout=30, what="the console's /healthz (bus subscription alive)")
    assert call(base + "/healthz")[1]["bus"] == "alive"
    assert router_state(env) == "ACTIVE"

    browser.get(base + "/")
    wait_for(lambda: browser.find_element(By.ID, "conn").text == "live", timeout=15, what="the page's event stream")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "operator-actions").get_attribute("hidden") is not None, "commands are hidden before login"

    procs([binary("chart-worker")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs([binary("llm-worker")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = runs / "run-console"
    owner = procs([binary("candlewick"), "run", *[a for s in SYMBOLS for a in ("--symbols", s)], "--out", str(out), "--timeout", "120"],
                  env=env, cwd=str(ROOT))

    # Symbols appear while the run is still going (the page says "running"), each with both charts and a signal.
    first = wait_for(lambda: browser.execute_script(CARDS) or None, timeout=90, interval=0.02, what="the first symbol on the page")
    assert "running" in first[0]["run"], first
    def all_loaded():
        cards = browser.execute_script(CARDS)
        done = len(cards) == len(SYMBOLS) and all(len(c["charts"]) == 2 and all(i["loaded"] for i in c["charts"]) for c in cards)
        return cards if done else None
    cards = wait_for(all_loaded, timeout=90, what="every symbol with both charts loaded")
    assert sorted(c["symbol"] for c in cards) == sorted(SYMBOLS)
    for c in cards:
        assert c["signal"].split()[0] in ("BUY", "SELL", "HOLD"), c
        assert all(i["width"] > 100 for i in c["charts"]), c

    stdout, stderr = owner.communicate(timeout=180)
    assert owner.returncode == 0, stdout.decode()[-2000:] + stderr.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    for s in summary["symbols"]:
        shown = next(c for c in cards if c["symbol"] == s["symbol"])
        assert shown["signal"].startswith(f"{s['action']} {s['confidence']}"), (shown, s)
    wait_for(lambda: "FINISHED" in browser.find_element(By.ID, "run-body").text, timeout=30, what="the run's end on the page")
    # The charts the page shows are the run folder's PNGs (the console reads them there; they never cross the bus to
    # it), at /charts/<run>/<symbol>/<timeframe>.png. A chart no longer on disk is a clean 404.
    for c in cards:
        for img in c["charts"]:
            timeframe = img["src"].rsplit("/", 1)[1].removesuffix(".png")
            assert img["src"].startswith(f"/charts/{summary['run_id']}/{c['symbol']}/"), img
            with urllib.request.urlopen(base + img["src"], timeout=10) as r:
                assert r.headers["Content-Type"] == "image/png"
                assert r.read() == (out / "charts" / c["symbol"] / f"{c['symbol']}_{timeframe}.png").read_bytes(), img
    png = out / "charts" / SYMBOLS[0] / f"{SYMBOLS[0]}_daily.png"
    png.rename(png.with_suffix(".gone"))
    status, body = call(f"{base}/charts/{summary['run_id']}/{SYMBOLS[0]}/daily.png")
    assert status == 404 and "no such chart" in body, (status, body)
    png.with_suffix(".gone").rename(png)
    assert call(f"{base}/charts/{summary['run_id']}/NOPE/daily.png")[0] == 404
    # The finished run is listed with a link to its report, which the console serves; nothing outside the runs directory is.
    link = wait_for(lambda: next((a for a in browser.find_elements(By.CSS_SELECTOR, "#runs-list a") if a.text == "run-console"), None),
                    timeout=15, what="the run under past runs")
    status, report = call(link.get_attribute("href"))
    assert status == 200 and "<html" in report.lower()
    # One look: the static report inlines the very stylesheet the console serves.
    status, css = call(base + "/console.css")
    assert status == 200 and "body.report" in css and f"<style>{css}</style>" in report
    (tmp_path / "secret.txt").write_text("not for the browser")
    for path in ("/runs/../secret.txt", "/runs/%2e%2e/secret.txt", "/runs/run-console/..%2f..%2fsecret.txt", "/charts/x/AAPL/../../secret.txt",
                 "/charts/%2e%2e/%2e%2e/daily.png", f"/charts/{summary['run_id']}/..%2f..%2fsecret.txt/daily.png"):
        status, body = call(base + path)
        assert status == 404 and "not for the browser" not in str(body), (path, status)

    # Refused: no session (from the page itself), a wrong credential, and forged requests without / with a wrong CSRF token.
    status = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/command', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"action":"halt"}'}).then(r => done(r.status));""")
    assert status == 401
    browser.find_element(By.ID, "credential").send_keys("not-the-credential-at-all")
    browser.find_element(By.ID, "login").click()
    wait_for(lambda: "login refused" in browser.find_element(By.ID, "operator-status").text, timeout=15, what="the refused login")
    assert browser.find_element(By.ID, "operator-actions").get_attribute("hidden") is not None
    jar = http.cookiejar.CookieJar()
    forger = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, body = call(base + "/login", "POST", {"credential": CREDENTIAL}, {"Content-Type": "application/json"}, opener=forger)
    assert status == 200 and len(body["csrf"]) == 64
    assert any(c.name == "cw_console" for c in jar)
    assert call(base + "/command", "POST", {"action": "halt"}, {"Content-Type": "application/json"}, opener=forger)[0] == 403
    assert call(base + "/command", "POST", {"action": "halt"}, {"X-CSRF-Token": "0" * 64}, opener=forger)[0] == 403
    assert call(base + "/command", "POST", {"action": "halt"}, {"X-CSRF-Token": body["csrf"], "Origin": "http://evil.example"},
                opener=forger)[0] == 403
    assert router_state(env) == "ACTIVE", "a refused command must not reach order-router"

    # The operator logs in on the page and clicks HALT: order-router is HALTED.
    browser.find_element(By.ID, "credential").send_keys(CREDENTIAL)
    browser.find_element(By.ID, "login").click()
    wait_for(lambda: browser.find_element(By.ID, "operator-actions").get_attribute("hidden") is None, timeout=15, what="the login")
    assert [b.text for b in browser.find_elements(By.CSS_SELECTOR, "#action-buttons button")][:3] == ["HALT", "REDUCE", "RESUME"]
    browser.find_element(By.ID, "command-reason").send_keys("console test")
    browser.find_element(By.ID, "action-halt").click()
    wait_for(lambda: "HALTED" in browser.find_element(By.ID, "operator-status").text, timeout=20, what="the router's answer on the page")
    assert router_state(env) == "HALTED"
    assert browser.find_element(By.ID, "trading-state").text == "HALTED"

    # FLATTEN (acts at IB) asks first: a real <dialog>; "Cancel" sends nothing.
    buttons = {b.get_attribute("data-action"): b for b in browser.find_elements(By.CSS_SELECTOR, "#action-buttons button")}
    assert {"cancel_all", "flatten"} <= set(buttons), buttons.keys()
    dialog = browser.find_element(By.ID, "confirm-dialog")
    assert dialog.get_attribute("open") is None
    buttons["flatten"].click()
    wait_for(lambda: dialog.get_attribute("open") is not None, timeout=5, what="the confirmation dialog")
    assert "closes every position" in browser.find_element(By.ID, "confirm-text").text
    assert browser.execute_script("return document.querySelector('dialog:modal') !== null"), "the dialog is modal"
    browser.find_element(By.ID, "confirm-no").click()
    wait_for(lambda: "flatten not sent" in browser.find_element(By.ID, "operator-status").text, timeout=5, what="the cancelled dialog")
    assert dialog.get_attribute("open") is None
    # A request that skips the dialog (no "confirm") is refused by the console itself.
    status, answer = call(base + "/command", "POST", {"action": "flatten"}, {"X-CSRF-Token": body["csrf"]}, opener=forger)
    assert status == 400 and "confirm" in answer["error"], (status, answer)
    assert not [e for e in (json.loads(x) for x in audit.read_text().splitlines()) if e["event"] == "command" and e["action"] == "flatten"]
    # Confirmed: order-router halts, cancels every working Candlewick order and closes the positions at IB.
    browser.find_element(By.ID, "command-reason").clear()
    browser.find_element(By.ID, "command-reason").send_keys("console flatten test")
    buttons["flatten"].click()
    wait_for(lambda: dialog.get_attribute("open") is not None, timeout=5, what="the confirmation dialog")
    browser.find_element(By.ID, "confirm-yes").click()
    wait_for(lambda: browser.find_element(By.ID, "cleanup").get_attribute("hidden") is None, timeout=45, what="the clean-up on the page")
    assert "flatten: order-router is HALTED" in browser.find_element(By.ID, "operator-status").text
    assert router_state(env) == "HALTED"
    shown = {k: [li.text for li in browser.find_elements(By.CSS_SELECTOR, f"#cleanup-{k} li")] for k in ("cancelled", "exits", "problems")}
    shot = tmp_path / "console.png"
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(shot))
    if os.environ.get("CANDLEWICK_SAVE_SCREENSHOTS") == "1":
        shutil.copy(shot, ROOT / "docs" / "console.png")

    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    events = [(e["event"], e.get("refusal")) for e in entries]
    assert ("command_refused", "no_session") in events
    assert ("login_refused", "bad_credential") in events
    assert ("command_refused", "missing_csrf") in events and ("command_refused", "bad_csrf") in events
    assert ("command_refused", "cross_origin") in events
    assert [e for e in entries if e["event"] == "login"] and len([e for e in entries if e["event"] == "login"]) == 2
    commands = [e for e in entries if e["event"] == "command"]
    assert [e["action"] for e in commands] == ["halt", "flatten"], commands
    halt, flatten = commands
    assert halt["router_state"] == "HALTED" and halt["reason"] == "console test" and "cleanup" not in halt
    assert ("command_refused", "unconfirmed") in events
    # The audit log holds order-router's clean-up, the same the page shows.
    assert flatten["router_state"] == "HALTED" and flatten["reason"] == "console flatten test", flatten
    cleanup = flatten["cleanup"]
    assert set(cleanup) == {"cancelled_intents", "exits", "problems"}, cleanup
    assert shown["cancelled"] == (cleanup["cancelled_intents"] or ["none"])
    assert shown["problems"] == (cleanup["problems"] or ["none"])
    assert [x.split()[0] for x in shown["exits"] if x != "none"] == [x["symbol"] for x in cleanup["exits"]]
    assert all(x["intent_id"] in t for x, t in zip(cleanup["exits"], shown["exits"]))
    # What it cancelled are the run's own intents; it closed only symbols the run bought and IB filled.
    placed = {s["symbol"]: s["router"] for s in summary["symbols"] if s["router"] and s["router"]["outcome"] == "placed"}
    assert placed, "the bundled data gives the run at least one placed bracket"
    assert sorted(cleanup["cancelled_intents"]) == sorted(r["intent_id"] for r in placed.values()), (cleanup, placed)
    filled = {sym for sym, r in placed.items() if r["filled_quantity"] not in (None, "0")}
    assert sorted(x["symbol"] for x in cleanup["exits"]) == sorted(filled), (cleanup, placed)
    assert all(x["side"] == "SELL" and x["outcome"] == "placed" for x in cleanup["exits"]) and cleanup["problems"] == [], cleanup

    # The console's own metrics count what happened here, by outcome.
    status, text = call(base + "/metrics")
    assert status == 200
    counted = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in text_string_to_metric_families(text) for s in f.samples if s.name.startswith("candlewick_console_")}
    def count(name, **labels):
        return sum(v for (n, ls), v in counted.items() if n == name and labels.items() <= dict(ls).items())
    assert count("candlewick_console_operator_actions_total", action="halt", outcome="done") == 1
    assert count("candlewick_console_operator_actions_total", action="flatten", outcome="done") == 1
    assert count("candlewick_console_operator_actions_total", action="flatten", outcome="refused") == 1
    assert count("candlewick_console_operator_actions_total", action="halt", outcome="refused") == 4
    assert count("candlewick_console_logins_total", outcome="accepted") == 2 and count("candlewick_console_logins_total", outcome="refused") == 1
    assert count("candlewick_console_pages_connected") == 1
    assert CREDENTIAL not in audit.read_text() and "not-the-credential" not in audit.read_text()
    stack.close()
