"""The server installation end to end: scripts/install.sh into a temporary root, the
shipped units' ExecStart lines run as the service user (systemd does not run here), the
demo share crawled and searched, the portal started and stopped, an upgrade in place and
the uninstall."""

import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path

import pytest
import tomli_w

from aktenlotse.demo.share import build_demo_share
from tests.systemd_units import read_service

REPO = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.install,
    pytest.mark.skipif(os.geteuid() != 0, reason="install.sh creates a system user: needs root"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install(root: Path, user: str) -> subprocess.CompletedProcess:
    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "install.sh"), "--root", str(root), "--user", user, "--no-packages"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def run_unit(unit, argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        unit.command_as_user(argv), cwd=unit.working_directory, capture_output=True, text=True, timeout=600, **kwargs
    )


@pytest.fixture
def root():
    # Below /tmp with mode 755 (pytest's own temp dirs are 700): the service user must traverse it.
    path = Path(tempfile.mkdtemp(prefix="aktenlotse-root-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def user(root):
    name = f"akl-{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(
        ["bash", str(REPO / "scripts" / "uninstall.sh"), "--root", str(root), "--user", name, "--purge"],
        capture_output=True,
    )
    subprocess.run(["userdel", name], capture_output=True)


def test_install_crawl_search_serve_upgrade_uninstall(root, user):
    install(root, user)
    etc, data = root / "etc" / "aktenlotse", root / "var" / "lib" / "aktenlotse"
    config_path = etc / "aktenlotse.toml"
    service_user = pwd.getpwnam(user)
    mode = config_path.stat()
    assert stat.S_IMODE(mode.st_mode) == 0o640 and mode.st_gid == service_user.pw_gid and mode.st_uid == 0
    assert (data.stat().st_uid, (root / "var" / "cache" / "aktenlotse" / "tika").is_dir()) == (
        service_user.pw_uid,
        True,
    )
    venv_python = root / "opt" / "aktenlotse" / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(venv_python), "-c", "import aktenlotse; print(aktenlotse.__file__)"],
        capture_output=True,
        text=True,
        cwd=root,
        check=True,
    ).stdout
    assert where.startswith(str(root / "opt" / "aktenlotse" / "venv")), where  # a copy, not the checkout

    share = build_demo_share(root / "srv" / "daten")
    config = tomllib.loads(config_path.read_text(encoding="utf-8"))
    assert config["data_dir"] == str(data)
    port = free_port()
    config.update(
        sources=[{"name": "daten", "root": str(share.root), "principal_map": share.principal_map}],
        auth={"mode": "demo"},
        portal={"host": "127.0.0.1", "port": port},
    )
    config_path.write_text(tomli_w.dumps(config), encoding="utf-8")

    units = root / "etc" / "systemd" / "system"
    crawl = read_service(units / "aktenlotse-crawl.service")
    portal = read_service(units / "aktenlotse-portal.service")
    report = read_service(units / "aktenlotse-report.service")
    assert crawl.user == portal.user == user
    assert portal.settings["ProtectSystem"] == ["strict"] and portal.settings["Restart"] == ["on-failure"]
    assert set(portal.settings["ReadWritePaths"][0].split()) == {str(data), str(root / "var" / "cache" / "aktenlotse")}

    (crawl_cmd,) = crawl.exec_start
    crawled = run_unit(crawl, crawl_cmd)
    # Restricted demo folders (other groups, mode 750) are not readable by the service
    # account: error records, not a failed crawl.
    assert crawled.returncode == 0, crawled.stdout + crawled.stderr
    assert "Neu " in crawled.stdout and "Traceback" not in crawled.stderr
    assert (data / "state.sqlite").exists() and (data / "index.sqlite").exists()

    cli = crawl_cmd[0]
    found = run_unit(portal, [cli, "search", "--json", "Bauantrag"])
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert hits and all(h["path"] for h in hits)

    for command in report.exec_start:
        assert run_unit(report, command).returncode == 0

    (serve_cmd,) = portal.exec_start
    server = subprocess.Popen(
        portal.command_as_user(serve_cmd),
        cwd=portal.working_directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.read() == b"ok"
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "portal did not answer /_stcore/health"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Upgrade in place: the config is kept byte for byte, the index still answers.
    before = config_path.read_bytes()
    install(root, user)
    assert config_path.read_bytes() == before
    assert json.loads(run_unit(portal, [cli, "search", "--json", "Bauantrag"]).stdout)["hits"]

    out = subprocess.run(
        ["bash", str(REPO / "scripts" / "uninstall.sh"), "--root", str(root), "--user", user],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert not (root / "opt" / "aktenlotse").exists() and not (units / "aktenlotse-portal.service").exists()
    assert subprocess.run(["getent", "passwd", user], capture_output=True).returncode != 0
    assert config_path.exists() and (data / "index.sqlite").exists()
