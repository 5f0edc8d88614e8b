"""`aktenlotse access explain|who` on a real SMB source against the Samba AD DC of the tests:
a share ACL (`sharesec`), a folder ACL and a file ACL (with a deny), the users' principals
as AD resolves them (tokenGroups, nested groups). The ground truth is each user's own SMB
open with their password (tests/smb_truth.py), never the crawler's view.

The path on the second share: the share admits fachaemter (bauamt, kaemmerei, standesamt
are in it; bauamt-leitung is in bauamt), the folder bauamt and kaemmerei, the file
fachaemter with a deny for bauamt. So each check decides for somebody: weber and gast
stop at the share, yilmaz at the folder, mueller and krause (nested) at the file's deny,
schmidt reads — through fachaemter only, which his group is nested in.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from aktenlotse.core.config import load_config
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.services.access_explain import explain, who_may_read
from tests.cli_process import run_cli
from tests.config_files import write_source_config
from tests.samba_dc import (
    FULL,
    OICI,
    READ,
    SECOND_SHARE,
    SERVICE_PASSWORD,
    SERVICE_USER,
    USERS,
    ShareAdmin,
)
from tests.smb_truth import listable_folders, readable_files

pytestmark = pytest.mark.samba

FOLDER = "Zugriff"
FILE = f"{FOLDER}/bescheid.txt"
CHECKED_USERS = ["mueller", "schmidt", "weber", "yilmaz", "krause", "gast"]


@pytest.fixture(scope="module")
def share(samba_dc):
    """The folder and file on the second share with their ACLs and the share's own ACL;
    afterwards the share is as it was (the DC serves the whole test run). The share root's
    own ACL is left as it is: every user may enter it (Samba's default from the folder's
    mode, or what the leak matrix sets)."""
    dc = samba_dc
    admin = ShareAdmin(dc, SECOND_SHARE)
    base = [("A", OICI, FULL, "S-1-5-32-544"), ("A", OICI, READ, dc.sid(SERVICE_USER))]
    try:
        admin.mkdir(FOLDER)
        admin.set_acl(
            FOLDER, [*base, ("A", OICI, READ, dc.sid("bauamt")), ("A", OICI, READ, dc.sid("kaemmerei"))], protected=True
        )
        admin.write(FILE, b"Bescheid")
        admin.set_acl(
            FILE,
            [*base, ("A", 0, READ, dc.sid("fachaemter")), ("D", 0, READ, dc.sid("bauamt"))],
            protected=True,
        )
        dc.set_share_acl(
            SECOND_SHARE,
            f"{dc.sid('fachaemter')}:ALLOWED/0/READ,{dc.sid(SERVICE_USER)}:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL",
        )
        yield admin
    finally:
        dc.set_share_acl(SECOND_SHARE, "S-1-1-0:ALLOWED/0/FULL")
        for step in (lambda: admin.remove(FILE), lambda: admin.rmdir(FOLDER)):
            with contextlib.suppress(OSError):  # a failed setup may not have made them
                step()
        admin.close()


@pytest.fixture()
def config_file(tmp_path, samba_dc) -> Path:
    (tmp_path / "data").mkdir()
    service = samba_dc.service_auth()
    source = {
        "name": "freigabe",
        "root": f"smb://{samba_dc.host}/{SECOND_SHARE}",
        "display_root": "\\\\rathaus\\freigabe",
    }
    auth = {
        "url": samba_dc.ldaps_url,
        "ca_cert": str(samba_dc.ca_cert),
        "base_dn": service.base_dn,
        "bind_dn": service.bind_dn,
    }
    return write_source_config(tmp_path, source, auth)


@pytest.fixture()
def env(monkeypatch) -> dict[str, str]:
    values = {
        "AKTENLOTSE_SMB_USER": SERVICE_USER,
        "AKTENLOTSE_SMB_PASSWORD": SERVICE_PASSWORD,
        "AKTENLOTSE_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**{k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}, **values}


def cli(config: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_cli(config, "access", *args, env=env, timeout=180)


def readers(dc) -> set[str]:
    """The users who can open and read the file over SMB with their own password, now."""
    return {u for u in CHECKED_USERS if readable_files(dc.host, SECOND_SHARE, u, USERS[u][2], [FILE])}


def test_the_path_restricts_at_every_check(share, samba_dc):
    """The truth itself: each check stops somebody (otherwise the test would test nothing)."""
    assert readers(samba_dc) == {"schmidt"}
    entered = {u for u in CHECKED_USERS if listable_folders(samba_dc.host, SECOND_SHARE, u, USERS[u][2], [""])}
    assert entered == {"mueller", "schmidt", "yilmaz", "krause"}  # the share ACL: fachaemter, nested


def test_explain_decides_as_the_server_does(share, samba_dc, config_file, env):
    config = load_config(config_file)
    directory = LdapDirectory(config.auth)
    truth = readers(samba_dc)
    decided = {u: explain(config, directory, u, f"freigabe:{FILE}") for u in CHECKED_USERS}
    assert {u for u, e in decided.items() if e.decision.allowed} == truth
    kinds = {u: e.decision.deciding.kind if e.decision.deciding else None for u, e in decided.items()}
    assert kinds == {
        "mueller": "item",
        "krause": "item",
        "schmidt": None,
        "yilmaz": "folder",
        "weber": "share",
        "gast": "share",
    }
    assert decided["yilmaz"].decision.deciding.path == FOLDER
    bauamt = f"sid:{samba_dc.sid('bauamt')}"
    assert bauamt in decided["krause"].steps[-1].matched  # refused through the group it is nested in


def test_cli_explain_names_the_share_acl_the_folders_and_the_deciding_entry(share, samba_dc, config_file, env):
    refused = cli(config_file, env, "explain", "krause", r"\\rathaus\freigabe\Zugriff\bescheid.txt")
    assert refused.returncode == 0, refused.stderr
    lines = refused.stdout.splitlines()
    steps = [line for line in lines if line[:1].isdigit()]
    assert steps[0].startswith("1. Freigabe: bestanden")
    assert any(f"Ordner „{FOLDER}“: bestanden" in line for line in steps)
    assert any("Ordner „(Wurzel der Quelle)“" in line for line in steps)
    assert steps[-1].startswith(f"{len(steps)}. „{FILE}“: nicht bestanden")
    bauamt = f"sid:{samba_dc.sid('bauamt')}"
    assert f"Entscheidung: Lesen verweigert – „{FILE}“: Zugriff verweigert für {bauamt}" in refused.stdout
    deciding = next(line for line in lines if line.startswith("Maßgeblich: "))
    assert samba_dc.sid("bauamt") in deciding  # the deny entry itself
    allowed = json.loads(cli(config_file, env, "explain", "schmidt", f"freigabe:{FILE}", "--json").stdout)
    assert allowed["allowed"] is True
    assert [c["kind"] for c in allowed["checks"]] == ["share", "folder", "folder", "item"]
    assert f"sid:{samba_dc.sid('fachaemter')}" in allowed["checks"][0]["matched"]  # nested: kaemmerei in it
    shut = json.loads(cli(config_file, env, "explain", "weber", f"freigabe:{FILE}", "--json").stdout)
    assert shut["allowed"] is False and shut["deciding_check"]["kind"] == "share"
    assert shut["deciding_entries"] and all(samba_dc.sid("weber") not in e for e in shut["deciding_entries"])


def test_who_on_active_directory_counts_nested_groups(share, samba_dc, config_file, env):
    config = load_config(config_file)
    directory = LdapDirectory(config.auth)
    # The folder: bauamt-leitung is in through bauamt (the folder) and fachaemter (the share).
    folder = who_may_read(config, directory, f"freigabe:{FOLDER}")
    assert {"bauamt", "bauamt-leitung", "kaemmerei"} <= set(folder.groups)
    assert not {"standesamt", "fachaemter", "personal"} & set(folder.groups)
    # The file: kaemmerei passes share and file through fachaemter only; bauamt is denied,
    # and bauamt-leitung with it.
    file = who_may_read(config, directory, f"freigabe:{FILE}")
    assert "kaemmerei" in file.groups
    assert not {"bauamt", "bauamt-leitung"} & set(file.groups)
    assert set(file.users) & set(CHECKED_USERS) == readers(samba_dc)
