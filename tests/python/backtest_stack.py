"""A whole stack for backtests as real processes: ib-paper (on a data folder), the bus proxy,
gateway-bridge, order-router on ib-paper's simulated clock, a chart-worker and an llm-worker (the
rules analyst), and `candlewick backtest` run against it."""
import subprocess

from conftest import ROOT, binary, free_port, wait_for
from orders_stack import OrderStack

# Risk settings a backtest runs with (scripts/backtest sets the same): a DAY limit entry at the
# signal's entry price, GTC take-profit and stop, order-router on IB's (ib-paper's) clock.
BACKTEST_CONFIG = {
    "CANDLEWICK_ROUTER_CLOCK": "broker", "CANDLEWICK_RISK_ENTRY_TYPE": "LIMIT", "CANDLEWICK_RISK_TIF": "DAY",
    "CANDLEWICK_RISK_CHILD_TIF": "GTC", "CANDLEWICK_ROUTER_ALLOWED_SOURCES": "candlewick-run,test",
}


class BacktestStack:
    def __init__(self, procs, tmp_path, data=None, as_of=None):
        self.procs, self.tmp = procs, tmp_path
        paper_args = (["--data", str(data)] if data else []) + (["--as-of", as_of] if as_of else [])
        self.orders = OrderStack(procs, tmp_path, extra_config=BACKTEST_CONFIG, paper_args=paper_args)
        env = dict(self.orders.env)
        env.update({f"CANDLEWICK_{k}": f"tcp://127.0.0.1:{free_port()}" for k in ("CHART_JOBS", "CHART_RESULTS", "LLM_JOBS", "LLM_RESULTS")})
        env["CANDLEWICK_IB_PAPER_ADMIN"] = f"127.0.0.1:{self.orders.admin_port}"
        self.env = env
        self.workers = {}
        self.start_worker("chart-worker", "a")
        self.start_worker("llm-worker", "a")

    def start_worker(self, kind, name):
        log = open(self.tmp / f"{kind}.{name}.log", "ab")
        self.workers[(kind, name)] = self.procs([binary(kind), "--instance", f"{kind}.{name}"], env=self.env,
                                                stdout=subprocess.DEVNULL, stderr=log)
        return self.workers[(kind, name)]

    def backtest(self, out, *args):
        """Starts `candlewick backtest --out out args…` and returns the process (stdout/stderr piped)."""
        return self.procs([binary("candlewick"), "backtest", "--out", str(out), *args], env=self.env, cwd=str(ROOT),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, out, *args, timeout=300):
        p = self.backtest(out, *args)
        stdout, stderr = p.communicate(timeout=timeout)
        assert p.returncode == 0, stdout.decode()[-3000:] + stderr.decode()[-3000:]
        return stdout.decode()

    def close(self):
        self.orders.close()
        for p in self.workers.values():
            if p.poll() is None:
                p.terminate()
