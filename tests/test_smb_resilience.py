"""SmbSource when things go wrong mid-crawl, against the real Samba DC: descriptors read over
several connections equal those read over one, also behind a DFS link, a dropped session or a killed reader process
is recovered without losing or widening anything, a server that goes away ends the crawl
without deleting anything, and an expired account gets its own clear message."""

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.source import SourceUnavailable
from aktenlotse.identity.directory import MSG_BAD_CREDENTIALS, LdapDirectory, LoginError
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import (
    FULL,
    OICI,
    READ,
    SERVICE_USER,
    PlainTextExtractor,
    ShareAdmin,
    crawler_source_config,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.samba
FOLDER = "Viele"
SUBFOLDERS = ("a", "b", "c", "d")
PER_FOLDER = 24  # above DescriptorReaders.MIN_SPLIT: each folder is split over the readers


@pytest.fixture(scope="module")
def share(samba_dc):
    admin = ShareAdmin(samba_dc)
    domain_users = admin.domain_sid + "-513"
    admin.mkdir(FOLDER)
    admin.set_acl(
        FOLDER,
        [
            ("A", OICI, FULL, "S-1-5-32-544"),
            ("A", OICI, READ, samba_dc.sid(SERVICE_USER)),
            ("A", OICI, READ, domain_users),
        ],
        protected=True,
    )
    for sub in SUBFOLDERS:
        admin.mkdir(f"{FOLDER}/{sub}")
        for i in range(PER_FOLDER):
            admin.write(f"{FOLDER}/{sub}/akte{i:02}.txt", f"Vorgang {sub} {i}".encode())
    # Files whose descriptors differ from their neighbours', in the middle of the reads:
    # explicit grants, a deny, and one the service account may not read at all.
    admin.set_acl(
        f"{FOLDER}/a/akte05.txt",
        [
            ("A", 0, READ, samba_dc.sid("bauamt")),
            ("A", 0, FULL, "S-1-5-32-544"),
            ("A", 0, READ, samba_dc.sid(SERVICE_USER)),
        ],
        protected=True,
    )
    admin.set_acl(
        f"{FOLDER}/b/akte11.txt",
        [
            ("D", 0, READ, samba_dc.sid("gast")),
            ("A", 0, READ, domain_users),
            ("A", 0, READ, samba_dc.sid(SERVICE_USER)),
        ],
        protected=True,
    )
    admin.set_acl(f"{FOLDER}/c/akte17.txt", [("A", 0, FULL, "S-1-5-32-544")], protected=True)
    yield admin
    admin.close()


def config(dc, **kw):
    return crawler_source_config(dc, name="viele", path=FOLDER, **kw)


def snapshot(listings) -> tuple[dict, list]:
    entries, problems = {}, []
    for listing in listings:
        entries.update({e.path: (e.size, e.ctime, e.allow, e.deny) for e in listing.files})
        problems += [(p.path, p.kind) for p in listing.problems]
    return entries, sorted(problems)


@pytest.fixture(scope="module")
def reference(samba_dc, share):
    src = SmbSource(config(samba_dc, smb_connections=1))
    try:
        return snapshot(src.listings())
    finally:
        src.close()


def test_reference_walk_sees_every_file_and_each_acl(reference, samba_dc):
    entries, problems = reference
    assert len(entries) == len(SUBFOLDERS) * PER_FOLDER - 1
    assert problems == [("c/akte17.txt", "unreadable")]  # not indexed, never public
    assert "sid:" + samba_dc.sid("bauamt") in entries["a/akte05.txt"][2]
    assert "sid:" + samba_dc.sid("gast") in entries["b/akte11.txt"][3]


@pytest.mark.parametrize("connections", [2, 3])
def test_several_connections_read_the_same_descriptors_as_one(samba_dc, share, reference, connections):
    src = SmbSource(config(samba_dc, smb_connections=connections, smb_requests_in_flight=3))
    try:
        assert snapshot(src.listings()) == reference
    finally:
        src.close()


def _walk_with(src: SmbSource, after_first_listing) -> tuple[dict, list]:
    def listings():
        for number, listing in enumerate(src.listings()):
            yield listing
            if number == 0:
                after_first_listing()

    return snapshot(listings())


def test_dropped_sessions_are_reestablished(samba_dc, share, reference):
    proxy = TcpProxy(445)
    src = SmbSource(config(samba_dc, smb_port=proxy.port))
    try:
        assert _walk_with(src, proxy.drop) == reference  # crawler and reader connections cut at once
        assert proxy.connections > 3  # the first connections and their replacements
    finally:
        src.close()
        proxy.stop()


def test_killed_reader_process_is_replaced(samba_dc, share, reference):
    src = SmbSource(config(samba_dc))

    def kill_a_reader():
        src._readers._readers[0].process.kill()

    try:
        assert _walk_with(src, kill_a_reader) == reference
    finally:
        src.close()


def test_server_gone_mid_crawl_ends_the_crawl_and_deletes_nothing(samba_dc, share, reference, tmp_path):
    proxy = TcpProxy(445)
    cfg = config(samba_dc, smb_port=proxy.port)
    state, backend = StateDB(tmp_path / "state.sqlite"), EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        first = Crawler(state, backend, PlainTextExtractor(), workers=2).run([SmbSource(cfg)])
        indexed = len(reference[0])
        assert first.new == indexed

        class Vanishing(SmbSource):
            def listings(self):
                for number, listing in enumerate(super().listings()):
                    yield listing
                    if number == 0:
                        proxy.stop()

        second = Crawler(state, backend, PlainTextExtractor(), workers=2).run([Vanishing(cfg)])
        assert second.deleted == 0 and second.errors >= 1
        assert any("abgebrochen" in m or "nicht erreichbar" in m for m in second.messages), second.messages
        assert len(backend.ids()) == indexed
    finally:
        proxy.stop()
        backend.close()
        state.close()


def test_expired_account_is_named_as_such_for_the_crawler_and_refused_at_login(samba_dc, share):
    name, password = "abgelaufen", "Alt-Passwort-7!"
    conf = ["-s", str(samba_dc.conf)]
    subprocess.run(["samba-tool", "user", "create", name, password, *conf], check=True, capture_output=True)
    subprocess.run(["samba-tool", "user", "setexpiry", name, "--days=0", *conf], check=True, capture_output=True)
    src = SmbSource(dataclasses.replace(config(samba_dc), smb_username=name, smb_password=password))
    with pytest.raises(SourceUnavailable, match="abgelaufen"):
        list(src.listings())
    src.close()
    auth = samba_dc.service_auth()
    with pytest.raises(LoginError) as refused:
        LdapDirectory(auth).authenticate(name, password)
    assert refused.value.message == MSG_BAD_CREDENTIALS  # the same message as a wrong password


@pytest.mark.parametrize("connections", [1, 2])
def test_dfs_link_is_followed_with_the_same_permissions(samba_dc, share, reference, connections):
    link = f"viele-{connections}"
    os.symlink(f"msdfs:{samba_dc.host}\\{samba_dc.share}\\{FOLDER}", samba_dc.dfs_root / link)
    cfg = dataclasses.replace(
        config(samba_dc, smb_connections=connections),
        smb_share="dfs",
        smb_path=link,
        root=Path(f"//{samba_dc.host}/dfs/{link}"),
    )
    src = SmbSource(cfg)
    try:
        assert snapshot(src.listings()) == reference
        assert src.display_path("a/akte00.txt") == f"\\\\{samba_dc.host}\\dfs\\{link}\\a\\akte00.txt"
        entry = src.current_entry("a/akte00.txt")
        with src.open(entry) as stream:
            assert stream.read() == b"Vorgang a 0"
    finally:
        src.close()
