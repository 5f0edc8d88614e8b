"""The admin page lists the folders a crawl could not verify (here: a folder the crawler
process may no longer list, crawled by the real CLI without a read override), with source,
path, reason and since when; and drops them once a crawl lists them again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from aktenlotse.stores.statedb import StateDB
from tests.unprivileged import IS_ROOT, OTHER_UID, WITHOUT_READ_OVERRIDE

pytestmark = pytest.mark.skipif(not IS_ROOT, reason="dropping the read override (setpriv) needs root")


def _crawl(config) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKTENLOTSE_")}
    out = subprocess.run(
        [
            *WITHOUT_READ_OVERRIDE,
            sys.executable,
            "-m",
            "aktenlotse.cli.main",
            "--config",
            str(config),
            "crawl",
            "--no-enrich",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in out.stderr, out.stderr


def _admin_page(config: str) -> None:
    from aktenlotse.identity.directory import UserInfo
    from aktenlotse.portal import ui_admin
    from aktenlotse.portal.context import build_context

    ui_admin.render(build_context(config), UserInfo("admin.it", "IT", "", "", (), (), frozenset({"employee", "admin"})))


def _unverified_rows(config) -> list[dict]:
    at = AppTest.from_function(_admin_page, args=(str(config),), default_timeout=90).run()
    assert not at.exception, at.exception
    headers = [h.value for h in at.subheader]
    assert "Nicht verifizierte Ordner" in headers
    # The table right after the heading: the sources table comes first, the runs after it.
    frames = [frame.value for frame in at.dataframe]
    tables = [f for f in frames if "Grund" in f.columns]
    return tables[0].to_dict("records") if tables else []


def test_admin_page_lists_unverified_folders_with_reason(tmp_path):
    os.chmod(tmp_path, 0o755)
    share = tmp_path / "ablage"
    for folder in ("Bauamt", "Personal"):
        (share / folder).mkdir(parents=True)
        (share / folder / "akte.txt").write_text(f"Akte {folder}", encoding="utf-8")
    os.chmod(share, 0o755)
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[auth]\nmode = "demo"\n[[sources]]\nname = "ablage"\n'
        f'root = "{share}"\n[extractor]\nkind = "inprocess"\n[enrich]\nenabled = false\n',
        encoding="utf-8",
    )
    _crawl(config)
    assert _unverified_rows(config) == []

    personal = share / "Personal"
    os.chown(personal, OTHER_UID, OTHER_UID)
    os.chmod(personal, 0o700)  # the crawler account can no longer list it
    try:
        _crawl(config)
        state = StateDB(tmp_path / "data" / "state.sqlite")
        try:
            expected = state.unverified()
        finally:
            state.close()
        assert [(f["source"], f["path"]) for f in expected] == [("ablage", "Personal")]
        rows = _unverified_rows(config)
        assert len(rows) == 1
        row = rows[0]
        assert (row["Quelle"], row["Pfad"]) == ("ablage", "Personal")
        assert row["Grund"] == expected[0]["reason"] and row["Grund"]
        assert row["Seit"] and row["Ausgeblendete Dateien"] == 1
    finally:
        os.chown(personal, 0, 0)
        os.chmod(personal, 0o755)
    _crawl(config)  # listed again: verified, gone from the page
    assert _unverified_rows(config) == []
