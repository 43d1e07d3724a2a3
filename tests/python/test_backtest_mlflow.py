"""`candlewick backtest` with a tracking URI, against a real MLflow server (the venv's `mlflow server`, SQLite, proxied
artifacts), and its in-sample / out-of-sample split: one parent run with the metrics of metrics.json and
calibration.json, equity over steps equal to equity.csv, every result file as an artifact byte for byte, one child run
per as-of day; the same command again (a resumed backtest) finds the same runs and adds no run and no metric point;
metrics.json, the printed table and report.html show both samples, and the split figures add up from trades.csv;
with MLflow unreachable the backtest exits 1 with its files complete, and the same command logs them later."""
import calendar
import csv
import io
import json
import pathlib

import pytest

from backtest_stack import BacktestStack
from tracker_support import running_mlflow

from mlflow.tracking import MlflowClient  # noqa: E402  (installed by scripts/lib.sh ensure_venv)

FROM, TO, OOS = "2016-03-01", "2016-05-31", "2016-04-15"
ARGS = ["--from", FROM, "--to", TO, "--every", "5", "--hold-days", "10", "--oos-from", OOS]
EXPERIMENT = "backtest-test"
RESULTS = ["signals.csv", "trades.csv", "equity.csv", "metrics.json", "calibration.json", "report.html"]
_tracked = {}


@pytest.fixture(scope="module")
def server():
    with running_mlflow("cwbt-ml-") as s:
        yield s


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def day_ms(day):
    y, m, d = (int(x) for x in day.split("-"))
    return calendar.timegm((y, m, d, 0, 0, 0)) * 1000


def tracked(procs, tmp_path_factory, server):
    """One backtest with the split, logged to MLflow, then the same command again; shared by the tests of this module."""
    if not _tracked:
        tmp = tmp_path_factory.mktemp("bt-mlflow")
        stack = BacktestStack(procs, tmp)
        stack.env.update({"MLFLOW_TRACKING_URI": server.uri, "CANDLEWICK_TRACKER_EXPERIMENT": EXPERIMENT})
        out = tmp / "out"
        _tracked["first"] = stack.run(out, *ARGS)
        _tracked["files"] = {p.relative_to(out).as_posix(): p.read_bytes()
                             for p in [out / n for n in RESULTS] + sorted((out / "plots").glob("*.png"))}
        client = MlflowClient(server.uri)
        _tracked["history_before"] = snapshot(client)
        _tracked["second"] = stack.run(out, *ARGS)
        _tracked["out"] = out
        stack.close()
    return _tracked


def experiment_runs(client, filter_string):
    exp = client.get_experiment_by_name(EXPERIMENT)
    assert exp is not None, "the experiment was created"
    return client.search_runs([exp.experiment_id], filter_string, max_results=1000)


def snapshot(client):
    """Every run of the experiment with its params, metrics (full histories) and tags."""
    runs = experiment_runs(client, "")
    out = {}
    for r in runs:
        hist = {k: sorted((m.step, m.timestamp, m.value) for m in client.get_metric_history(r.info.run_id, k)) for k in r.data.metrics}
        out[r.info.run_id] = (r.info.run_name, dict(r.data.params), hist,
                              {k: v for k, v in r.data.tags.items() if not k.startswith("mlflow.log")})
    return out


def test_backtest_lands_in_mlflow_and_the_same_command_again_adds_nothing(procs, tmp_path_factory, server):
    t = tracked(procs, tmp_path_factory, server)
    files = t["files"]
    client = MlflowClient(server.uri)
    parents = experiment_runs(client, "tags.candlewick_kind = 'backtest'")
    assert len(parents) == 1, [p.info.run_name for p in parents]
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert f"parent run {parent.info.run_id} (new)" in t["first"], t["first"][-2000:]
    metrics = json.loads(files["metrics.json"])
    calibration = json.loads(files["calibration.json"])
    p = parent.data.params
    assert (p["from"], p["to"], p["every"], p["oos_from"], p["universe"]) == (FROM, TO, "5", OOS, "AAPL,GOOG,MSFT,SPY")
    m = parent.data.metrics
    # The figures of metrics.json and calibration.json, per action and confidence and per sample.
    assert m["overall.signals"] == metrics["overall"]["signals"] and m["overall.trades"] == metrics["overall"]["trades"]
    for group in ("by_action.BUY", "by_confidence.HIGH", "by_confidence.LOW"):
        a, b = group.split(".")
        assert m[f"{group}.signals"] == metrics[a][b]["signals"], group
    assert m["total_return"] == pytest.approx(metrics["total_return"]) and m["benchmarks.SPY.total_return"] == pytest.approx(
        metrics["benchmarks"]["SPY"]["total_return"])
    for side in ("in_sample", "out_of_sample"):
        assert m[f"split.{side}.metrics.overall.signals"] == metrics["split"][side]["metrics"]["overall"]["signals"]
    assert m["calibration.resolved"] == calibration["resolved"]
    # Equity over steps: one point per row of equity.csv, step = row index, timestamp = the day, and each benchmark.
    equity = rows(files["equity.csv"].decode())
    for key, column in (("equity", "equity"), ("equity.SPY", "SPY"), ("equity.buy_and_hold", "buy_and_hold")):
        history = sorted((h.step, h.timestamp, h.value) for h in client.get_metric_history(parent.info.run_id, key))
        assert history == [(i, day_ms(r["date"]), float(r[column])) for i, r in enumerate(equity)], key
    # The result files as artifacts, byte for byte (report.html with its plots beside it, as in --out).
    dst = tmp_path_factory.mktemp("artifacts")
    for name, data in files.items():
        got = pathlib.Path(client.download_artifacts(parent.info.run_id, name, str(dst)))
        assert got.read_bytes() == data, name
    assert any(n.startswith("plots/") for n in files)
    # One child per as-of day, with that day's rows.
    signals = rows(files["signals.csv"].decode())
    days = sorted({r["as_of"] for r in signals})
    children = experiment_runs(client, f"tags.mlflow.parentRunId = '{parent.info.run_id}'")
    assert sorted(c.data.tags["candlewick_as_of"] for c in children) == days
    assert all(c.info.status == "FINISHED" and c.data.tags["candlewick_kind"] == "backtest_day" for c in children)
    header = files["signals.csv"].decode().split("\n")[0]
    for c in children:
        day = c.data.tags["candlewick_as_of"]
        mine = [r for r in signals if r["as_of"] == day]
        assert c.data.metrics["signals"] == len(mine) == 4
        assert c.data.metrics["placed"] == len([r for r in mine if r["router_outcome"] in ("placed", "placed_exit")])
        assert c.data.tags["sample"] == ("in_sample" if day < OOS else "out_of_sample")
        got = pathlib.Path(client.download_artifacts(c.info.run_id, "signals.csv", str(tmp_path_factory.mktemp("day"))))
        lines = [line for line in files["signals.csv"].decode().split("\n")[1:] if line.startswith(day + ",")]
        assert got.read_text() == "\n".join([header] + lines) + "\n", day
    # The same command again (a finished backtest resumed): the same files, the same runs, no run or point added.
    assert "(found)" in t["second"] and f"{len(days)} as-of day run(s) (0 new)" in t["second"], t["second"][-2000:]
    for name, data in files.items():
        assert (t["out"] / name).read_bytes() == data, name
    assert snapshot(client) == t["history_before"]


def test_in_sample_and_out_of_sample_figures_add_up_and_are_shown(procs, tmp_path_factory, server):
    t = tracked(procs, tmp_path_factory, server)
    metrics = json.loads(t["files"]["metrics.json"])
    trades = rows(t["files"]["trades.csv"].decode())
    days = sorted({r["as_of"] for r in rows(t["files"]["signals.csv"].decode())})
    split = metrics["split"]
    assert split["oos_from"] == OOS and metrics["backtest"]["oos_from"] == OOS
    for side, mine in (("in_sample", [r for r in trades if r["as_of"] < OOS]), ("out_of_sample", [r for r in trades if r["as_of"] >= OOS])):
        seg = split[side]
        sample_days = [d for d in days if (d < OOS) == (side == "in_sample")]
        assert seg["as_of_days"] == len(sample_days) and seg["first_as_of"] == sample_days[0] and seg["last_as_of"] == sample_days[-1]
        overall = seg["metrics"]["overall"]
        assert overall["signals"] == len(mine) > 0, side
        filled = [r for r in mine if r["filled"] == "true"]
        assert overall["trades"] == len(filled)
        assert overall["wins"] == len([r for r in filled if r["hit_target"] == "true"])
        assert overall["total_pnl"] == pytest.approx(sum(float(r["pnl"]) for r in filled), abs=1e-6)
    assert split["in_sample"]["metrics"]["overall"]["signals"] + split["out_of_sample"]["metrics"]["overall"]["signals"] == \
        metrics["overall"]["signals"]
    # The out-of-sample curve starts from the account at the last close before the split.
    equity = rows(t["files"]["equity.csv"].decode())
    before = [r for r in equity if r["date"] < OOS][-1]
    assert split["out_of_sample"]["metrics"]["starting_cash"] == pytest.approx(float(before["equity"]))
    # Stated as an assumption, in the printed table and in the report.
    assert any(f"before {OOS} are in-sample" in a for a in metrics["assumptions"])
    assert f"In-sample / out-of-sample (out-of-sample from {OOS})" in t["first"]
    report = t["files"]["report.html"].decode()
    assert 'id="split"' in report and f"before {OOS} are in-sample" in report
    assert f'data-path="metrics:split.out_of_sample.metrics.overall.hit_rate"' in report


def test_mlflow_down_exits_1_with_the_results_written_and_the_same_command_logs_them_later(procs, tmp_path, server):
    from conftest import free_port
    stack = BacktestStack(procs, tmp_path)
    stack.env.update({"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{free_port()}", "CANDLEWICK_TRACKER_EXPERIMENT": "backtest-down"})
    out = tmp_path / "out"
    # --oos-fraction 0.4 of the 3 as-of days (03-01, 03-08, 03-15): the split at index round(3 × 0.6) = 2.
    args = ["--from", FROM, "--to", "2016-03-15", "--every", "5", "--oos-fraction", "0.4"]
    p = stack.backtest(out, *args)
    stdout, stderr = p.communicate(timeout=300)
    assert p.returncode == 1, stdout.decode()[-2000:]
    assert "logging the backtest to MLflow" in stderr.decode() and "run the same command again" in stderr.decode(), stderr.decode()[-2000:]
    written = {n: (out / n).read_bytes() for n in RESULTS}
    split = json.loads(written["metrics.json"])["split"]
    assert split["oos_from"] == "2016-03-15" and split["in_sample"]["as_of_days"] == 2 and split["out_of_sample"]["as_of_days"] == 1
    # MLflow is back: the same command (a resume of the finished backtest) logs the same files, once.
    stack.env["MLFLOW_TRACKING_URI"] = server.uri
    text = stack.run(out, *args)
    assert "(new)" in text and "3 as-of day run(s) (3 new)" in text, text[-2000:]
    assert {n: (out / n).read_bytes() for n in RESULTS} == written
    client = MlflowClient(server.uri)
    exp = client.get_experiment_by_name("backtest-down")
    parents = client.search_runs([exp.experiment_id], "tags.candlewick_kind = 'backtest'")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    stack.close()
