"""`aktenlotse doctor` against real services: the LDAP line with a good and a bad bind
password at the real slapd (TLS with the test CA), and the exit code."""

import os
import subprocess
import sys

import pytest

from tests.ldap_directory import BASE_DN, SERVICE_DN, SERVICE_PASSWORD

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]
pytestmark = pytest.mark.ldap


def doctor(config, password):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}
    env["AKTENLOTSE_LDAP_BIND_PASSWORD"] = password
    return subprocess.run(
        [*CLI, "--config", str(config), "doctor"], capture_output=True, text=True, env=env, timeout=120
    )


def write_config(tmp_path, slapd, ca_cert):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "share").mkdir(exist_ok=True)
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[[sources]]\nroot = "{tmp_path / "share"}"\n'
        '[extractor]\nkind = "inprocess"\n'
        f'[auth]\nurl = "{slapd.url}"\nstart_tls = true\nca_cert = "{ca_cert}"\nbase_dn = "{BASE_DN}"\n'
        f'bind_dn = "{SERVICE_DN}"\n[portal]\nport = 1\n',
        encoding="utf-8",
    )
    return config


def line_of(out, name):
    return next(line for line in out.stdout.splitlines() if name in line)


def test_good_bind_password_passes(tmp_path, slapd):
    out = doctor(write_config(tmp_path, slapd, slapd.tls.ca_cert), SERVICE_PASSWORD)
    assert "Traceback" not in out.stderr
    assert line_of(out, "LDAP").startswith("[OK")
    assert "TLS-Zertifikat gültig" in line_of(out, "LDAP")
    assert line_of(out, "Datenverzeichnis").startswith("[OK")


def test_bad_bind_password_fails_with_a_fix(tmp_path, slapd):
    out = doctor(write_config(tmp_path, slapd, slapd.tls.ca_cert), "falsch")
    assert out.returncode == 1
    line = line_of(out, "LDAP")
    assert line.startswith("[FEHLER") and "Dienstkontos" in line
    assert "AKTENLOTSE_LDAP_BIND_PASSWORD" in out.stdout


def test_untrusted_certificate_fails(tmp_path, slapd):
    out = doctor(write_config(tmp_path, slapd, slapd.tls.other_ca), SERVICE_PASSWORD)
    assert out.returncode == 1
    assert line_of(out, "LDAP").startswith("[FEHLER ] LDAP-TLS-Zertifikat")
    assert "auth.ca_cert" in out.stdout


def test_missing_data_dir_fails_and_is_not_created(tmp_path, slapd):
    config = write_config(tmp_path, slapd, slapd.tls.ca_cert)
    (tmp_path / "data").rmdir()
    out = doctor(config, SERVICE_PASSWORD)
    assert out.returncode == 1 and line_of(out, "Datenverzeichnis").startswith("[FEHLER")
    assert not (tmp_path / "data").exists()
