"""`aktenlotse report permissions`: the Berechtigungsbericht over a local share whose groups
are mapped to the real slapd's groups. Ground truth for every user × folder cell: the user's
own file-server identity listing and entering the folder (tests/directory_truth.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from aktenlotse.core.config import load_config
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.services.permissions_report import build_report
from aktenlotse.stores.statedb import StateDB
from tests.certificates import free_port
from tests.directory_truth import readers_by_user, share_config, uid_of
from tests.ldap_directory import SERVICE_PASSWORD, USERS

pytestmark = [pytest.mark.ldap, pytest.mark.skipif(os.geteuid() != 0, reason="chown and other uids need root")]

GIDS = {"bauamt": 63201, "kaemmerei": 63202, "fachaemter": 63205}
ENV = {**os.environ, "AKTENLOTSE_LDAP_BIND_PASSWORD": SERVICE_PASSWORD}
# folder -> (owner, group, mode, extra ACL)
FOLDERS = {
    "Allgemein": ("root", None, 0o755, None),
    "Bauamt": ("root", "bauamt", 0o750, None),
    "Bauamt/Antraege": ("root", "bauamt", 0o750, None),
    "Bauamt/Antraege/2024": ("root", "bauamt", 0o750, None),
    "Bauamt/Antraege/2024/Q1": ("root", "bauamt", 0o750, None),
    "Kaemmerei": ("root", "kaemmerei", 0o750, None),
    "Privat-Weber": ("weber", None, 0o700, None),
    "Projekte": ("root", None, 0o750, "fachaemter"),
}


@pytest.fixture()
def share():
    base = Path(tempfile.mkdtemp(prefix="aktenlotse-perm-report-", dir="/tmp"))
    os.chmod(base, 0o755)
    root = base / "daten"
    root.mkdir()
    os.chmod(root, 0o755)
    for rel, (owner, group, mode, acl) in FOLDERS.items():
        folder = root / rel
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "akte.txt").write_text(f"Akte {rel}", encoding="utf-8")
        os.chown(folder, 0 if owner == "root" else uid_of(owner), GIDS[group] if group else 0)
        os.chmod(folder, mode)
        if acl:
            subprocess.run(["setfacl", "-m", f"g:{GIDS[acl]}:rx", str(folder)], check=True)
    try:
        yield base, root
    finally:
        shutil.rmtree(base)


def write_config(base: Path, root: Path, slapd, url: str | None = None) -> Path:
    mapping = {f"group:{gid}": f"group:{name}" for name, gid in GIDS.items()}
    mapping[f"user:{uid_of('weber')}"] = "user:weber"
    return share_config(base, root, mapping, slapd, url, '[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n')


def cli(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )


@pytest.fixture()
def crawled(share, slapd, monkeypatch):
    base, root = share
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    config_path = write_config(base, root, slapd)
    crawl = cli(config_path, "crawl", "--no-progress")
    assert crawl.returncode == 0, crawl.stderr
    return base, root, config_path


def test_every_user_and_folder_cell_matches_what_the_user_can_open(crawled):
    base, root, config_path = crawled
    config = load_config(config_path)
    directory = LdapDirectory(config.auth)
    state = StateDB(config.state_db)
    try:
        report = build_report(config, directory, state, depth=3)
        deeper = build_report(config, directory, state, depth=4)
    finally:
        state.close()
    rows = {f.path: f for f in report.folders}
    assert set(rows) == {"", *(rel for rel in FOLDERS if rel.count("/") < 3)}  # Q1 is at depth 4
    truth = readers_by_user(root, sorted(rows), directory, GIDS)
    for rel, row in rows.items():
        assert set(row.users) == truth[rel], rel
        assert not row.problem
    assert truth["Bauamt"] and truth["Bauamt"] != set(USERS)  # both outcomes occur
    assert rows["Allgemein"].open_to == ("Jeder",) and rows["Bauamt"].open_to == ()
    assert rows["Privat-Weber"].single_person == "weber" and rows["Bauamt"].single_person == ""
    assert rows["Kaemmerei"].single_person == "schmidt"  # the group has one member in this directory
    assert "bauamt" in rows["Bauamt"].granting_groups
    assert rows["Projekte"].granting_groups == ("fachaemter",)
    assert rows["Bauamt/Antraege/2024"].depth == 3 and rows[""].depth == 0
    assert all(row.inherits is None for row in rows.values())  # POSIX: no inheritance to break
    assert "kaemmerei" in report.groups_with_one_folder and "fachaemter" in report.groups_with_one_folder
    assert "bauamt" not in report.groups_with_one_folder  # named in four folders
    assert "bauamt-leitung" in report.groups_without_access  # reads through bauamt, never named itself
    assert "Bauamt/Antraege/2024/Q1" in {f.path for f in deeper.folders}


def test_cli_writes_the_workbook(crawled):
    base, _, config_path = crawled
    output = base / "bericht.xlsx"
    result = cli(config_path, "report", "permissions", "--output", str(output), "--depth", "2")
    assert result.returncode == 0, result.stderr
    assert "Berechtigungsbericht geschrieben" in result.stdout
    book = load_workbook(output)
    assert book.sheetnames == [
        "Ordner",
        "Offen für alle",
        "Vererbung unterbrochen",
        "Nur eine Person",
        "Gruppen",
        "Info",
    ]
    rows = list(book["Ordner"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Quelle", "Pfad", "Tiefe", "Gruppen")
    paths = {r[1] for r in rows[1:]}
    assert "\\\\rathaus\\daten\\Bauamt\\Antraege" in paths and "\\\\rathaus\\daten\\Bauamt\\Antraege\\2024" not in paths
    # Kaemmerei through its group, which has one member in this directory; Privat-Weber by mode.
    assert [r[1:] for r in book["Nur eine Person"].iter_rows(min_row=2, values_only=True)] == [
        ("\\\\rathaus\\daten\\Kaemmerei", "schmidt"),
        ("\\\\rathaus\\daten\\Privat-Weber", "weber"),
    ]
    assert not (base / "bericht.xlsx.partial").exists()


def test_bad_input_gives_one_german_line_and_an_error_code(crawled, slapd):
    base, root, config_path = crawled
    for args, code, words in (
        (("--output", str(base / "bericht.txt")), 2, "xlsx"),
        (("--output", str(base / "fehlt" / "b.xlsx")), 2, "gibt es nicht"),
        (("--output", str(base / "b.xlsx"), "--source", "gibtsnicht"), 2, "nicht konfiguriert"),
        (("--output", str(base / "b.xlsx"), "--depth", "-1"), 2, "Tiefe"),
    ):
        result = cli(config_path, "report", "permissions", *args)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("Fehler:") and words in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    down = write_config(base, root, slapd, url=f"ldap://127.0.0.1:{free_port()}")
    result = cli(down, "report", "permissions", "--output", str(base / "b.xlsx"))
    assert result.returncode == 1 and "nicht erreichbar" in result.stderr, result.stderr
    assert not (base / "b.xlsx").exists()


def test_report_needs_a_crawl(share, slapd):
    base, root = share
    config_path = write_config(base, root, slapd)
    result = cli(config_path, "report", "permissions", "--output", str(base / "b.xlsx"))
    assert result.returncode == 1 and "Noch kein Crawl" in result.stderr


def _permissions_page(config: str, roles: tuple[str, ...]) -> None:
    from aktenlotse.identity.users import UserInfo
    from aktenlotse.portal import ui_permissions
    from aktenlotse.portal.context import build_context

    ui_permissions.render(build_context(config), UserInfo("krause", "Heike Krause", "", "", (), (), frozenset(roles)))


def _run_page(config_path: Path, roles: tuple[str, ...]):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_permissions_page, args=(str(config_path), roles), default_timeout=120).run()
    assert not at.exception, at.exception
    at.number_input(key="perm_depth").set_value(1)
    at.button(key="perm_submit").click()
    return at.run()


def test_portal_page_shows_the_report_to_the_ag_dms_only(crawled, monkeypatch):
    _, _, config_path = crawled
    monkeypatch.setenv("AKTENLOTSE_LDAP_BIND_PASSWORD", SERVICE_PASSWORD)
    shown = _run_page(config_path, ("employee", "ag_dms"))
    assert not shown.exception, shown.exception
    table = shown.dataframe[0].value
    assert len(table) == 1 + len([rel for rel in FOLDERS if "/" not in rel])  # the root and depth 1
    assert set(table.loc[table["Pfad"].str.endswith("Privat-Weber"), "Nur eine Person"]) == {"weber"}
    assert [m.value for m in shown.metric][1] == "2"  # the root and Allgemein are open to everybody
    refused = _run_page(config_path, ("employee",))
    assert not refused.dataframe and "nur für Administration und AG DMS" in refused.error[0].value
