"""The share ACL's srvsvc call has a time limit of its own (`share_acl_timeout_s`): behind a
relay that passes the file server's answers on but stalls any connection once it asks for
the srvsvc pipe, a crawl of the real Samba share finishes, and the share is unverified:
nothing below it visible to anyone, said in German by `aktenlotse check`."""

from __future__ import annotations

import time
import tomllib

import pytest

from aktenlotse.core.config import ConfigError, parse_config
from aktenlotse.core.visibility import NOBODY, permissions
from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import (
    FULL,
    OICI,
    READ,
    SECOND_SHARE,
    SERVICE_USER,
    PlainTextExtractor,
    ShareAdmin,
    crawler_source_config,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.samba
FOLDER = "Zeitlimit"
SRVSVC = "srvsvc".encode("utf-16-le")  # the pipe's name in the client's CREATE request
LIMIT = 1.0


@pytest.fixture(scope="module")
def share(samba_dc):
    admin = ShareAdmin(samba_dc, SECOND_SHARE)
    admin.mkdir(FOLDER)
    admin.set_acl(
        FOLDER,
        [
            ("A", OICI, FULL, "S-1-5-32-544"),
            ("A", OICI, READ, samba_dc.sid(SERVICE_USER)),
            ("A", OICI, READ, admin.domain_sid + "-513"),
        ],
        protected=True,
    )
    for i in range(3):
        admin.write(f"{FOLDER}/akte{i}.txt", f"Zeitlimit {i}".encode())
    try:
        yield admin
    finally:
        for i in range(3):
            admin.remove(f"{FOLDER}/akte{i}.txt")
        admin.rmdir(FOLDER)
        admin.close()


@pytest.fixture()
def stalling(samba_dc):
    proxy = TcpProxy(445, stall_on=SRVSVC)
    yield proxy
    proxy.stop()


def source_config(dc, port: int, limit: float = LIMIT):
    return crawler_source_config(
        dc, name="zeitlimit", share=SECOND_SHARE, path=FOLDER, smb_port=port, share_acl_timeout_s=limit
    )


def test_without_the_relay_the_share_acl_is_read(samba_dc, share):
    source = SmbSource(source_config(samba_dc, 445, limit=10.0))
    try:
        status = source.share_acl_status()
        assert status == (True, "Freigabeberechtigungen gelesen und berücksichtigt"), status
    finally:
        source.close()


def test_a_server_that_never_answers_leaves_the_share_unverified(samba_dc, share, stalling):
    source = SmbSource(source_config(samba_dc, stalling.port))
    try:
        started = time.monotonic()
        ok, line = source.share_acl_status()
        assert time.monotonic() - started < LIMIT + 5
        assert stalling.stalled == 1
        assert not ok
        assert "keine Antwort des Servers innerhalb von 1 s" in line and "verborgen" in line
        # The walk's own connection is untouched: it lists, and every file is hidden.
        files = [entry for listing in source.listings() for entry in listing.files]
        assert {entry.path for entry in files} == {f"akte{i}.txt" for i in range(3)}
        assert all(permissions(e.allow, e.deny, e.require) == NOBODY for e in files)
    finally:
        source.close()


def test_the_crawl_finishes_and_shows_nothing_of_the_share(samba_dc, share, stalling, tmp_path):
    state, backend = StateDB(tmp_path / "state.sqlite"), EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        started = time.monotonic()
        summary = Crawler(state, backend, PlainTextExtractor(), workers=2).run(
            [SmbSource(source_config(samba_dc, stalling.port))]
        )
        assert time.monotonic() - started < 60
        assert summary.new == 3 and stalling.stalled >= 1
        documents = backend.fetch_untrimmed(sorted(backend.ids()))
        assert len(documents) == 3
        assert all(permissions(d.allow, d.deny, d.require) == NOBODY for d in documents)
    finally:
        backend.close()
        state.close()


def test_the_limit_is_a_setting_of_smb_sources(tmp_path):
    def source(extra: str, root: str = "smb://srv/daten"):
        table = tomllib.loads(f'data_dir = "{tmp_path}"\n[[sources]]\nname = "d"\nroot = "{root}"\n{extra}')
        return parse_config(table, tmp_path).sources[0]

    assert source("").share_acl_timeout_s == 10.0
    assert source("share_acl_timeout_s = 2.5\n").share_acl_timeout_s == 2.5
    with pytest.raises(ConfigError, match="share_acl_timeout_s"):
        source("share_acl_timeout_s = 0\n")
    with pytest.raises(ConfigError, match="only for SMB roots"):
        source("share_acl_timeout_s = 5\n", root=str(tmp_path))
