"""`aktenlotse doctor` against the real Samba AD DC: the SMB source's line and its share
ACL line ("Freigabeberechtigungen") as the crawl reads them, a wrong service password, and
`share_acl = "ignore"`."""

import os
import subprocess
import sys

import pytest

from tests.samba_dc import SECOND_SHARE, SERVICE_PASSWORD, SERVICE_USER

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]
pytestmark = pytest.mark.samba


def doctor(tmp_path, dc, password, extra=""):
    (tmp_path / "data").mkdir(exist_ok=True)
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nname = "freigabe"\n'
        f'root = "smb://{dc.host}/{SECOND_SHARE}"\n{extra}'
        '[extractor]\nkind = "inprocess"\n[portal]\nport = 1\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}
    env |= {"AKTENLOTSE_SMB_USER": SERVICE_USER, "AKTENLOTSE_SMB_PASSWORD": password}
    return subprocess.run(
        [*CLI, "--config", str(config), "doctor"], capture_output=True, text=True, env=env, timeout=180
    )


def line_of(out, name):
    return next(line for line in out.stdout.splitlines() if name in line)


def test_share_and_its_acl_are_read(tmp_path, samba_dc):
    out = doctor(tmp_path, samba_dc, SERVICE_PASSWORD)
    assert "Traceback" not in out.stderr
    assert line_of(out, "SMB-Quelle freigabe").startswith("[OK")
    assert line_of(out, "Freigabe-ACL freigabe").startswith("[OK")
    assert "gelesen und berücksichtigt" in line_of(out, "Freigabe-ACL freigabe")


def test_ignored_share_acl_is_said(tmp_path, samba_dc):
    out = doctor(tmp_path, samba_dc, SERVICE_PASSWORD, 'share_acl = "ignore"\n')
    line = line_of(out, "Freigabe-ACL freigabe")
    assert line.startswith("[OK") and "nicht berücksichtigt" in line


def test_wrong_service_password_fails_with_a_fix(tmp_path, samba_dc):
    out = doctor(tmp_path, samba_dc, "falsch")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    line = line_of(out, "SMB-Quelle freigabe")
    assert line.startswith("[FEHLER") and "AKTENLOTSE_SMB_USER" in out.stdout
    # Unreachable with this account: no second line repeating the failure after a timeout.
    assert "Freigabe-ACL" not in out.stdout
