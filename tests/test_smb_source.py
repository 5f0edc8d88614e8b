"""SmbSource against the real Samba share: listing, streams, and each bad input giving a
clear message or error record (never a wider audience)."""

import dataclasses
import os
from pathlib import Path

import pytest
import smbclient
from smbclient._pool import get_smb_tree

from aktenlotse.crawler import smb_path_checks, smb_source
from aktenlotse.crawler.smb_connection import query_security
from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.source import SourceUnavailable
from tests.certificates import free_port
from tests.samba_dc import ENCRYPTED_SHARE, ShareAdmin, crawler_source_config

pytestmark = pytest.mark.samba
FOLDER = "Fehlerfaelle"


@pytest.fixture(scope="module")
def share(samba_dc):
    admin = ShareAdmin(samba_dc)
    admin.mkdir_readable(FOLDER)
    payload = os.urandom(300_000)
    admin.write(f"{FOLDER}/binaer.bin", payload)
    admin.write(f"{FOLDER}/gesperrt.txt", b"in Benutzung")
    admin.write(f"{FOLDER}/fluechtig.txt", b"gleich weg")
    admin.mkdir(f"{FOLDER}/" + "/".join(["sehr-langer-ordnername-" + "x" * 20] * 3))
    admin.write(f"{FOLDER}/" + "/".join(["sehr-langer-ordnername-" + "x" * 20] * 3) + "/tief.txt", b"tief")
    yield admin, payload
    admin.close()


def source(dc, **kw):
    return SmbSource(crawler_source_config(dc, name="fehler", path=FOLDER, **kw))


def test_listing_streams_and_unc_display(samba_dc, share):
    _, payload = share
    src = source(samba_dc)
    try:
        entries = {e.path: e for e in src.walk()}
        assert {"binaer.bin", "gesperrt.txt", "fluechtig.txt"} <= set(entries)
        entry = entries["binaer.bin"]
        assert entry.size == len(payload) and entry.file_id
        assert "authenticated" in entry.allow and entry.deny == ()
        with src.open(entry) as stream:
            assert stream.read() == payload  # the same bytes as the local file
        assert src.display_path("binaer.bin") == f"\\\\127.0.0.1\\share\\{FOLDER}\\binaer.bin"
        assert src.current_entry("binaer.bin").allow == entry.allow
        assert src.current_entry("../etc/passwd") is None
    finally:
        src.close()


def test_wrong_password_is_a_clear_unavailable_message(samba_dc, share):
    src = SmbSource(dataclasses.replace(crawler_source_config(samba_dc, path=FOLDER), smb_password="falsch"))
    with pytest.raises(SourceUnavailable, match="Passwort falsch"):
        list(src.listings())


def test_share_not_found(samba_dc):
    src = SmbSource(dataclasses.replace(crawler_source_config(samba_dc), smb_share="gibtsnicht"))
    with pytest.raises(SourceUnavailable, match="gibt es auf 127.0.0.1 nicht"):
        list(src.listings())


def test_server_down(samba_dc):
    src = SmbSource(dataclasses.replace(crawler_source_config(samba_dc), smb_port=free_port()))
    with pytest.raises(SourceUnavailable, match="nicht erreichbar"):
        list(src.listings())


def test_locked_file_gives_a_readable_error(samba_dc, share):
    admin, _ = share
    src = source(samba_dc)
    try:
        entry = next(e for e in src.walk() if e.path == "gesperrt.txt")
        # Opened elsewhere without sharing (like an exclusive lock): the descriptor still reads.
        with smbclient.open_file(
            admin.unc(f"{FOLDER}/gesperrt.txt"), "rb", share_access=None, connection_cache=admin.cache
        ):
            assert src.current_entry("gesperrt.txt").allow == entry.allow
            with pytest.raises(OSError, match="gesperrt"):
                src.open(entry)
    finally:
        src.close()


def test_file_deleted_between_listing_and_reading(samba_dc, share):
    admin, _ = share
    src = source(samba_dc)
    try:
        entry = next(e for e in src.walk() if e.path == "fluechtig.txt")
        admin.remove(f"{FOLDER}/fluechtig.txt")
        with pytest.raises(FileNotFoundError):
            src.open(entry)
        assert src.current_entry("fluechtig.txt") is None
    finally:
        src.close()


def test_path_too_long_is_an_error_record(samba_dc, share):
    src = source(samba_dc, smb_max_path=120)
    try:
        problems = [p for listing in src.listings() for p in listing.problems]
        assert any(p.kind == "too_long" for p in problems), problems
        assert not any("tief.txt" in e.path for e in src.walk())
    finally:
        src.close()


def test_share_that_demands_encryption_is_read_encrypted(samba_dc, share, monkeypatch):
    admin, _ = share
    single_reads = []
    # Single descriptor reads happen in the source (files) and in its live path checks
    # (the folders above the root).
    for module in (smb_source, smb_path_checks):
        monkeypatch.setattr(
            module, "query_security", lambda *a, **kw: single_reads.append(a) or query_security(*a, **kw)
        )
    unc = f"\\\\{samba_dc.host}\\{ENCRYPTED_SHARE}"
    smbclient.makedirs(unc + "\\Akten", exist_ok=True, connection_cache=admin.cache)
    for i in range(20):
        with smbclient.open_file(f"{unc}\\Akten\\brief{i:02}.txt", "wb", connection_cache=admin.cache) as f:
            f.write(f"Brief {i}".encode())
    config = dataclasses.replace(
        crawler_source_config(samba_dc, name="geheim", path="Akten"),
        smb_share=ENCRYPTED_SHARE,
        root=Path(f"//{samba_dc.host}/{ENCRYPTED_SHARE}/Akten"),
    )
    for settings in ({}, {"smb_encrypt": True, "smb_connections": 1}):
        src = SmbSource(dataclasses.replace(config, **settings))
        try:
            entries = {e.path: e for e in src.walk()}
            assert len(entries) == 20 and all(e.allow for e in entries.values())
            tree, _ = get_smb_tree(src._unc("Akten"), **src._session.kwargs())
            assert tree.encrypt_data  # every request on this share went encrypted
            # The pipelined (reader) reads of the files were accepted too; single reads are
            # only those of the folders above the root (traverse checks, once per crawl).
            assert [r for r in single_reads if r[0].endswith(".txt")] == []
            assert single_reads and all(r[0].rstrip("\\").endswith(ENCRYPTED_SHARE) for r in single_reads)
            with src.open(entries["brief03.txt"]) as stream:
                assert stream.read() == b"Brief 3"
        finally:
            src.close()
