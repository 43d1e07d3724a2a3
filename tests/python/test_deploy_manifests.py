"""The deployment files are validated, not exercised: the Kubernetes manifests against Kubernetes'
schemas (kubernetes-validate, strict), the systemd units with `systemd-analyze verify`; and the
layout each promises: every role its own user and only its own key, no key generated in production."""
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from conftest import BIN, ROOT

K8S = ROOT / "deploy" / "kubernetes"
SYSTEMD = ROOT / "deploy" / "systemd"


def test_kubernetes_manifests_validate_against_the_schemas():
    files = sorted(str(p) for p in K8S.glob("*.yaml"))
    assert len(files) >= 4
    r = subprocess.run([str(pathlib.Path(sys.executable).parent / "kubernetes-validate"), "--strict", "--quiet", *files],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    text = "".join(pathlib.Path(f).read_text() for f in files)
    for kind in ("kind: StatefulSet", "volumeClaimTemplates", "kind: Deployment", "livenessProbe", "secretName: candlewick-key-"):
        assert kind in text, kind
    # Each core container mounts only its own key Secret.
    core = (K8S / "core.yaml").read_text()
    for block in core.split("\n        - name: ")[1:6]:
        role = block.split("\n", 1)[0]
        assert f"name: key-{role}\n" in block and block.count("name: key-") == 1, role


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_units_verify(tmp_path):
    units = sorted(SYSTEMD.glob("*.service")) + sorted(SYSTEMD.glob("*.target"))
    for u in units:  # the units name /opt/candlewick; verify them against this checkout's binaries
        (tmp_path / u.name).write_text(u.read_text().replace("/opt/candlewick/.build/release", str(BIN)))
    names = [u.name for u in units] + ["candlewick-chart-worker@1.service", "candlewick-llm-worker@1.service"]
    r = subprocess.run(["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    ours = [l for l in (r.stdout + r.stderr).splitlines() if "candlewick" in l]
    assert r.returncode == 0 and not ours, "\n".join(ours) or r.stderr
    users = {}
    for u in SYSTEMD.glob("*.service"):
        text = u.read_text()
        user = re.search(r"^User=(\S+)", text, re.M).group(1)
        users.setdefault(user, []).append(u.name)
        if "CANDLEWICK_SECURITY_KEYS" in text:
            role = re.search(r"CANDLEWICK_SECURITY_KEYS=/etc/candlewick/keys/(\S+)", text).group(1)
            assert user == f"candlewick-{role}", u.name
            assert "CANDLEWICK_SECURITY_GENERATE_KEYS=false" in text, u.name
    assert all(len(v) == 1 for v in users.values()), users
