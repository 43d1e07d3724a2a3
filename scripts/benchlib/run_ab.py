"""Before/after comparison of the 500-symbol run: alternates fresh 1-chart-worker stacks (a cold then a
warm run each) of two built trees, REPEATS each, and prints one JSON line per stack.

    python3 scripts/benchlib/run_ab.py BEFORE_TREE AFTER_TREE [REPEATS]

Each tree needs `.build/release`; its own `scripts/benchlib/run.py` drives its stack, so a tree from before
a change to the bench scripts is measured the way it was then."""
import json
import subprocess
import sys

ONE = r'''
import json, pathlib, tempfile, time
import run
from common import stop
work = pathlib.Path(tempfile.mkdtemp(prefix="cw-ab-"))
env, procs = run.stack(work, 1)
try:
    cold = run.run_once(env, work, "cold", procs)
    time.sleep(16)  # past gateway-bridge's 15 s identical-request window
    warm = run.run_once(env, work, "warm", procs)
finally:
    stop(procs)
print(json.dumps({k: {"wall": r[0], "messages": r[1], "cpu": sum(r[3].values()), "run_owner_cpu": r[3]["run owner"],
                      "cpu_by_process": r[3], **({"peak_rss_mib": r[4], "ib_paper_pacing": r[5]} if len(r) > 4 else {})}
                  for k, r in (("cold", cold), ("warm", warm))}))
'''


def main(before, after, repeats):
    for i in range(repeats):
        for label, tree in (("before", before), ("after", after)):
            env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tree}/scripts/benchlib", "CANDLEWICK_BIN": f"{tree}/.build/release"}
            r = subprocess.run([sys.executable, "-c", ONE], cwd=tree, env=env, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"{label} stack {i + 1} failed:\n{r.stderr[-3000:]}")
            out = r.stdout
            print(json.dumps({"tree": label, "repeat": i + 1, **json.loads(out.strip().splitlines()[-1])}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3)
