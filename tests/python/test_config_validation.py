"""Start-up validation of the configuration, driven by the key table itself.

`candlewick config keys --json` lists every key with its type, allowed values and the processes
that read it. For each key this test derives a value its type refuses, writes it into a config file
at a known line (then into the key's environment variable), starts every executable that reads the
key, and checks that each exits non-zero before doing any work, naming file:line (or the variable),
the key and the value. A key added to the table is covered without touching this file; a new type
or a new process fails here until the test knows a bad value or a command line for it."""
import json
import os
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, binary, free_port, wait_for

# How to start each process that loads the config (the names are ProcessContext's). Arguments are
# valid, so only the configuration can stop them; with a good configuration each would start work.
COMMANDS = {
    "candlewick-run": [["candlewick", "run"]],
    "candlewick-charts": [["candlewick", "charts"]],
    "candlewick-trading": [["candlewick", "trading", "status"]],
    "candlewick-status": [["candlewick", "status", "--seconds", "1"]],
    "candlewick-console": [["candlewick", "console", "--listen", "127.0.0.1:0"]],
    "candlewick-send": [["candlewick", "send", "--dry-run"]],
    "proxy": [["candlewick", "proxy"]],
    "chart-worker": [["chart-worker", "serve"]],
    "gateway-bridge": [["gateway-bridge"]],
    "order-router": [["order-router"]],
    "llm-worker": [["llm-worker", "serve"],
                   ["llm-worker", "analyze", "--symbol", "SPY", "--daily", "d.png", "--weekly", "w.png", "--indicators", "i.json"]],
    "tracker": [["tracker"]],
    "tap": [["tap"]],
    "ib-paper": [["ib-paper", "serve", "--port", "0"]],
}

CONFIG_LINE = 5  # the line of the bad value in every file written below


def table():
    out = subprocess.run([binary("candlewick"), "config", "keys", "--json"], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(out.stdout)


def number_text(x):
    return str(int(x)) if float(x).is_integer() else repr(x)


def bad_value(key):
    """A value the key's type refuses, from the type's description alone (None: the type allows any text)."""
    t = key["type"]
    if t == "int":
        return str(key["max"] + 1) if key["max"] < 2**62 else str(key["min"] - 1)
    if t in ("number", "decimal"):
        return number_text(key["min"]) if not key["min_inclusive"] else number_text(key["min"] - 1)
    if t == "bool":
        return "maybe"
    if t == "enum":
        return "not-" + key["values"][0]
    if t == "endpoint":
        return "tcp://127.0.0.1"
    if t == "host_port":
        return "127.0.0.1"
    if t == "url":
        return "ftp://example.org"
    if t == "path":
        return ""
    if t == "string":
        return "" if key["non_empty"] else None
    if t == "list":
        return {"symbol": "AAPL,$$$", "name": "cli,no spaces"}[key["item"]]
    pytest.fail(f"{key['key']} has type {t}, which this test has no bad value for: add one to bad_value()")


def start_refused(argv, env, cwd, bound=20):
    """Runs a process that must refuse to start; returns (exit code, stderr). `bound` only stops a process
    that started instead of refusing (a refusal takes a fraction of that on any machine)."""
    try:
        p = subprocess.run([binary(argv[0]), *argv[1:]], env=env, cwd=cwd, capture_output=True, text=True, timeout=bound)
    except subprocess.TimeoutExpired:
        return None, f"{argv} still running after {bound} s: it started instead of refusing"
    return p.returncode, p.stderr


def cases(tmp_path):
    """(what, argv, env, expected text, bus directory that must not appear) for every key × reader × source."""
    data = table()
    keys = data["keys"]
    assert set(data["processes"]) == set(COMMANDS), "a process loads the config that this test cannot start: add it to COMMANDS"
    assert len(keys) >= 66
    # Should a process start after all (a bug), it must not reach a real gateway on the default port.
    base_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CANDLEWICK_IB_PORT": str(free_port())}
    out = []
    for n, key in enumerate(keys):
        bad = bad_value(key)
        if bad is None:
            continue
        section, name = key["key"].split(".", 1)
        bus = tmp_path / f"bus{n}"
        cfg = tmp_path / f"bad{n}.conf"
        cfg.write_text(f"# one bad value: {key['key']} ({key['type']})\n[bus]\ndirectory = {bus}\n[{section}]\n{name} = {bad}\n")
        assert cfg.read_text().splitlines()[CONFIG_LINE - 1] == f"{name} = {bad}"
        env_bus = tmp_path / f"envbus{n}"
        file_env = {k: v for k, v in base_env.items() if k != key["env"]}
        for process in key["processes"]:
            for argv in COMMANDS[process]:
                out.append((f"{key['key']}={bad!r} in file, {' '.join(argv)}", argv + ["--config", str(cfg)], file_env,
                            f"{cfg}:{CONFIG_LINE}: {key['key']} = \"{bad}\" is not allowed", bus))
                env = dict(base_env, **{key["env"]: bad})
                if key["key"] != "bus.directory":
                    env["CANDLEWICK_BUS_DIRECTORY"] = str(env_bus)
                out.append((f"{key['key']}={bad!r} in {key['env']}, {' '.join(argv)}", argv, env,
                            f"environment {key['env']}: {key['key']} = \"{bad}\" is not allowed", env_bus))
    return out


def test_every_key_with_a_bad_value_stops_every_process_that_reads_it(tmp_path):
    todo = cases(tmp_path)
    assert len({c[0].split("=")[0] for c in todo}) >= 66, "fewer keys covered than the table had when this test was written"
    failures = []

    def check(case):
        what, argv, env, expected, bus = case
        if len(failures) >= 20:  # already failed: do not wait out the bound for every remaining start
            return
        code, err = start_refused(argv, env, str(tmp_path))
        if code in (None, 0) or expected not in err:
            failures.append(f"{what}: exit {code}, stderr: {err.strip()[:300]!r}")
        elif bus.exists():
            failures.append(f"{what}: refused, but only after creating the bus directory {bus}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(check, todo))
    assert not failures, f"{len(failures)} of {len(todo)} starts (at least) did not refuse as they should:\n" + "\n".join(failures)


def test_cross_field_rules_stop_the_processes_that_read_the_keys(tmp_path):
    cfg = tmp_path / "rules.conf"
    cfg.write_text(f"[bus]\ndirectory = {tmp_path / 'bus'}\n[router]\nmode = live\n[llm]\nprovider = openai\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for argv in (["order-router"], ["llm-worker", "serve"], ["tap"]):
        code, err = start_refused(argv + ["--config", str(cfg)], env, str(tmp_path))
        assert code not in (None, 0), err
        assert f"{cfg}:4 (router.mode): router.mode = live needs router.account" in err, err
        assert f"{cfg}:6 (llm.provider): llm.provider = openai needs llm.model" in err, err


def test_the_bus_directory_is_created_private_and_refused_when_not(tmp_path, procs):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    # Missing: the proxy creates it 0700 and binds its sockets there.
    fresh = tmp_path / "fresh" / "bus"
    proxy = procs([binary("candlewick"), "proxy"], env=dict(env, CANDLEWICK_BUS_DIRECTORY=str(fresh)),
                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for(lambda: (fresh / "bus-sub.sock").exists() or proxy.poll() is not None, what="the proxy's socket")
    assert proxy.poll() is None, proxy.stderr.read()
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o700
    proxy.terminate()
    proxy.wait(10)
    # Writable by others, or another user's: every bus process refuses, naming the directory and why.
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    for argv in (["candlewick", "proxy"], ["tap"], ["chart-worker", "serve"]):
        code, err = start_refused(argv, dict(env, CANDLEWICK_BUS_DIRECTORY=str(shared)), str(tmp_path))
        assert code not in (None, 0), err
        assert f"environment CANDLEWICK_BUS_DIRECTORY: bus directory {shared}: is writable by group or others (mode 777)" in err, err
    assert list(shared.iterdir()) == [], "a socket was created in the refused directory"
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, 4242, 4242)
        cfg = tmp_path / "theirs.conf"
        cfg.write_text(f"[bus]\ndirectory = {theirs}\n")
        code, err = start_refused(["tap", "--config", str(cfg)], env, str(tmp_path))
        assert code not in (None, 0), err
        assert f"{cfg}:2: bus directory {theirs}: is owned by uid 4242" in err, err


def test_config_check_passes_the_shipped_config_and_names_a_bad_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    shipped = ROOT / "deploy" / "candlewick.conf"
    ok = subprocess.run([binary("candlewick"), "config", "check", "--config", str(shipped)], env=env, capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.conf"
    bad.write_text(shipped.read_text() + "\n[llm]\nimage_detail = hgih\n")
    line = len(bad.read_text().splitlines())
    no = subprocess.run([binary("candlewick"), "config", "check", "--config", str(bad)], env=env, capture_output=True, text=True, timeout=30)
    assert no.returncode != 0
    assert f"{bad}:{line}: llm.image_detail = \"hgih\" is not allowed: it must be one of low, high, auto, original" in no.stderr, no.stderr
