"""`aktenlotse access explain|who` with the real slapd and a local share whose groups
are mapped to directory groups. The ground truth: a process with the uid and groups a
directory user has on the file server, opening the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from aktenlotse.core.config import load_config
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.services.access_explain import explain, who_may_read
from tests.certificates import free_port
from tests.directory_truth import readers_by_user, share_config
from tests.ldap_directory import SERVICE_PASSWORD, USERS

pytestmark = [pytest.mark.ldap, pytest.mark.skipif(os.geteuid() != 0, reason="chown and other uids need root")]

GIDS = {"bauamt": 63101, "kaemmerei": 63102, "fachaemter": 63105}
FILES = ["Bauamt/antrag.txt", "Kaemmerei/haushalt.txt", "Projekte/plan.txt", "Allgemein/info.txt", "Bauamt"]
ENV = {**os.environ, "AKTENLOTSE_LDAP_BIND_PASSWORD": SERVICE_PASSWORD}


@pytest.fixture()
def share():
    base = Path(tempfile.mkdtemp(prefix="aktenlotse-access-cli-", dir="/tmp"))
    os.chmod(base, 0o755)
    root = base / "daten"
    for folder, gid, mode in (
        ("Bauamt", GIDS["bauamt"], 0o750),
        ("Kaemmerei", GIDS["kaemmerei"], 0o750),
        ("Projekte", 0, 0o755),
        ("Allgemein", 0, 0o755),
    ):
        (root / folder).mkdir(parents=True)
        os.chown(root / folder, 0, gid)
        os.chmod(root / folder, mode)
    for rel in FILES[:4]:
        (root / rel).write_text("Inhalt", encoding="utf-8")
        os.chmod(root / rel, 0o644)
    os.chmod(root / "Projekte/plan.txt", 0o600)
    subprocess.run(["setfacl", "-m", f"g:{GIDS['fachaemter']}:r", str(root / "Projekte/plan.txt")], check=True)
    try:
        yield base, root
    finally:
        shutil.rmtree(base)


def write_config(base: Path, root: Path, slapd, url: str | None = None) -> Path:
    return share_config(base, root, {f"group:{gid}": f"group:{name}" for name, gid in GIDS.items()}, slapd, url)


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "access", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )


def ground_truth(root: Path, directory: LdapDirectory) -> dict[str, set[str]]:
    """rel path -> directory users whose file-server identity (their mapped groups) opens it."""
    return readers_by_user(root, FILES, directory, GIDS)


def test_explain_and_who_agree_with_what_each_user_can_open(share, slapd, monkeypatch):
    base, root = share
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    config = load_config(write_config(base, root, slapd))
    directory = LdapDirectory(config.auth)
    truth = ground_truth(root, directory)
    assert truth["Bauamt/antrag.txt"] and truth["Bauamt/antrag.txt"] != set(USERS)  # both outcomes occur
    for rel in FILES:
        allowed = {name for name in USERS if explain(config, directory, name, f"daten:{rel}").decision.allowed}
        assert allowed == truth[rel], rel
        assert set(who_may_read(config, directory, f"daten:{rel}").users) == truth[rel], rel


def test_cli_explain_shows_principals_checks_and_the_deciding_check(share, slapd):
    base, root = share
    config = write_config(base, root, slapd)
    refused = cli(config, "explain", "schmidt", r"\\rathaus\daten\Bauamt\antrag.txt")
    assert refused.returncode == 0, refused.stderr
    assert "group:kaemmerei" in refused.stdout.splitlines()[1]  # the directory's principals
    assert "Ordner „Bauamt“: nicht bestanden" in refused.stdout
    assert "Entscheidung: Lesen verweigert – Ordner „Bauamt“" in refused.stdout
    assert "Gruppe group:bauamt (group:63101): r-x → Durchsuchen: ja" in refused.stdout
    allowed = cli(config, "explain", "mueller", str(root / "Bauamt" / "antrag.txt"), "--json")
    data = json.loads(allowed.stdout)
    assert data["allowed"] is True and data["deciding_check"] is None
    # The folders above the source root are checked by the kernel too; they come first.
    above = [c for c in data["checks"] if c["path"].startswith("/")]
    assert [c["path"] for c in above] == [str(p) for p in reversed(root.parents)]
    own = data["checks"][len(above) :]
    assert [(c["kind"], c["path"], c["passed"]) for c in own] == [
        ("folder", "", True),
        ("folder", "Bauamt", True),
        ("item", "Bauamt/antrag.txt", True),
    ]
    assert own[1]["matched"] == ["group:bauamt"]
    acl = json.loads(cli(config, "explain", "yilmaz", "daten:Projekte/plan.txt", "--json").stdout)
    assert acl["allowed"] is True
    assert acl["deciding_entries"] == ["ACL Gruppe group:fachaemter (group:63105): r-- → Lesen: ja"]


def test_cli_who_lists_groups_and_users(share, slapd):
    base, root = share
    config = write_config(base, root, slapd)
    result = cli(config, "who", "daten:Bauamt/antrag.txt", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["groups"] == ["bauamt"]
    assert {"mueller", "krause"} <= set(data["users"]) and "schmidt" not in data["users"]
    table = cli(config, "who", "daten:Allgemein/info.txt")
    assert "Gruppe    kaemmerei" in table.stdout and "Benutzer  weber" in table.stdout


def test_bad_input_gives_one_german_line_and_an_error_code(share, slapd):
    base, root = share
    config = write_config(base, root, slapd)
    for args, words in (
        (("explain", "niemand", "daten:Allgemein/info.txt"), "nicht bekannt"),
        (("explain", "mueller", "/etc/passwd"), "in keiner konfigurierten Quelle"),
        (("explain", "mueller", "daten:Allgemein/fehlt.txt"), "gibt es nicht"),
        (("who", "daten:../x"), "Ungültiger Pfad"),
    ):
        result = cli(config, *args)
        assert result.returncode == 1, (args, result.stdout)
        assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    down = write_config(base, root, slapd, url=f"ldap://127.0.0.1:{free_port()}")
    result = cli(down, "explain", "mueller", "daten:Allgemein/info.txt")
    assert result.returncode == 1 and "nicht erreichbar" in result.stderr and result.stderr.count("\n") == 1


def test_directory_lists_users_and_groups_page_by_page(slapd):
    from tests.test_directory import auth

    directory = LdapDirectory(auth(slapd))
    assert directory.user_names(page_size=2) == sorted(USERS)
    assert {"bauamt", "fachaemter", "portal-admins"} <= set(directory.group_names(page_size=3))
