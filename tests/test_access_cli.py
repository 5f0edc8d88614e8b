"""`aktenlotse access explain|who` with the real slapd and a local share whose groups
are mapped to directory groups. The ground truth: a process with the uid and groups a
directory user has on the file server, opening the file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest

from aktenlotse.core.config import AuthConfig, Config, load_config
from aktenlotse.identity.demo_directory import DemoDirectory
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.identity.users import group_ancestors
from aktenlotse.services.access_explain import explain, who_may_read
from tests.certificates import free_port
from tests.cli_process import run_cli
from tests.directory_truth import readers_by_user, share_config
from tests.ldap_directory import GROUPS, NESTED, SERVICE_PASSWORD, USERS

pytestmark = [pytest.mark.ldap, pytest.mark.skipif(os.geteuid() != 0, reason="chown and other uids need root")]

GIDS = {"bauamt": 63101, "kaemmerei": 63102, "fachaemter": 63105}
# The folder "Bauamt" last: the files are written before it.
FILES = [
    "Bauamt/antrag.txt",
    "Kaemmerei/haushalt.txt",
    "Projekte/plan.txt",
    "Allgemein/info.txt",
    "Allgemein/ohne-bauamt.txt",
    "Bauamt",
]
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
    for rel in FILES[:-1]:
        (root / rel).write_text("Inhalt", encoding="utf-8")
        os.chmod(root / rel, 0o644)
    os.chmod(root / "Projekte/plan.txt", 0o600)
    # Readable by all but the owning group: the kernel refuses bauamt's members (and with
    # them bauamt-leitung's, who are in bauamt through nesting) what "other" may do.
    os.chown(root / "Allgemein/ohne-bauamt.txt", 0, GIDS["bauamt"])
    os.chmod(root / "Allgemein/ohne-bauamt.txt", 0o604)
    subprocess.run(["setfacl", "-m", f"g:{GIDS['fachaemter']}:r", str(root / "Projekte/plan.txt")], check=True)
    try:
        yield base, root
    finally:
        shutil.rmtree(base)


def write_config(base: Path, root: Path, slapd, url: str | None = None) -> Path:
    return share_config(base, root, {f"group:{gid}": f"group:{name}" for name, gid in GIDS.items()}, slapd, url)


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli(config, "access", *args, env=ENV)


class Resolved(NamedTuple):
    """The share's configuration as loaded, the real directory behind it, and the ground
    truth: rel path -> directory users whose file-server identity (their mapped groups)
    opens it."""

    config: Config
    directory: LdapDirectory
    truth: dict[str, set[str]]


@pytest.fixture()
def resolved(share, slapd, monkeypatch) -> Resolved:
    base, root = share
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    config = load_config(write_config(base, root, slapd))
    directory = LdapDirectory(config.auth)
    return Resolved(config, directory, readers_by_user(root, FILES, directory, GIDS))


def test_explain_and_who_agree_with_what_each_user_can_open(resolved):
    config, directory, truth = resolved
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
    assert data["groups"] == ["bauamt", "bauamt-leitung"]  # bauamt-leitung is a member of bauamt
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


def test_who_names_nested_groups_through_the_groups_they_are_in(resolved):
    config, directory, truth = resolved
    members = {g: {u for u in USERS if g in directory.lookup(u).groups} for g in GROUPS}
    # The ACL names fachaemter only; bauamt, kaemmerei, standesamt are in it, bauamt-leitung
    # two levels down (bauamt-leitung in bauamt in fachaemter).
    plan = who_may_read(config, directory, "daten:Projekte/plan.txt")
    assert set(plan.groups) == {"fachaemter", "bauamt", "bauamt-leitung", "kaemmerei", "standesamt"}
    # Refused to bauamt: a group nested in it is refused as well, others pass.
    refused = who_may_read(config, directory, "daten:Allgemein/ohne-bauamt.txt")
    assert "bauamt" not in refused.groups and "bauamt-leitung" not in refused.groups
    assert {"kaemmerei", "personal", "portal-admins"} <= set(refused.groups)
    assert "krause" not in truth["Allgemein/ohne-bauamt.txt"]  # bauamt-leitung's member
    # Whatever group is named, every one of its members can open the file.
    for rel in FILES:
        for group in who_may_read(config, directory, f"daten:{rel}").groups:
            assert members[group] <= truth[rel], (rel, group)


def test_group_parents_are_read_from_the_directory(slapd):
    from tests.test_directory import auth

    parents = LdapDirectory(auth(slapd)).group_parents(page_size=3)
    expected: dict[str, set[str]] = {}
    for parent, children in NESTED.items():
        for child in children:
            expected.setdefault(child, set()).add(parent)
    assert {child: set(found) for child, found in parents.items()} == expected
    assert group_ancestors(parents)["bauamt-leitung"] == ("bauamt", "fachaemter", "mitarbeitende")


def test_ancestors_end_on_cycles_and_the_demo_directory_nests():
    ancestors = group_ancestors({"a": ("b",), "b": ("c",), "c": ("a", "d")})
    assert ancestors == {"a": ("b", "c", "d"), "b": ("a", "c", "d"), "c": ("a", "b", "d")}
    assert group_ancestors({"a": ("a",)}) == {}
    demo = DemoDirectory(
        AuthConfig(mode="demo"), users={"u": ("U", ("team",), "pw")}, nested={"amt": ("team",), "alle": ("amt",)}
    )
    assert demo.group_parents() == {"amt": ("alle",), "team": ("amt",)}
    assert set(demo.lookup("u").groups) == {"team", "amt", "alle"}
    assert set(demo.group_names()) == {"team", "amt", "alle"}
