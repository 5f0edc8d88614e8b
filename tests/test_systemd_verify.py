"""The shipped systemd units as systemd itself reads them: `systemd-analyze verify` finds no
unknown key, no bad value and no broken reference in any unit of deploy/ (systemd does not
run as PID 1 here, so the units cannot be started; the install test runs their ExecStart
lines as the service user instead). The one finding allowed is that the program the units
start is not installed on this machine (/opt/aktenlotse)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
NOT_INSTALLED = "Command /opt/aktenlotse/venv/bin/aktenlotse is not executable"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_every_unit_verifies_without_findings(tmp_path):
    units = sorted([*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")])
    assert {u.name for u in units} >= {"aktenlotse-portal.service", "aktenlotse-crawl.timer", "aktenlotse-report.timer"}
    for unit in units:
        shutil.copy(unit, tmp_path / unit.name)  # a timer is verified beside the service it starts
    out = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in units)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = [line for line in (out.stdout + out.stderr).splitlines() if line.strip() and NOT_INSTALLED not in line]
    assert findings == [], findings
