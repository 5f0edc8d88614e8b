"""The Samba leak matrix (tests/test_samba_leak_matrix.py): folders on two SMB shares of
the test domain with differing NT ACLs and share ACLs, crawled over SMB with the real
crawler and Tika; the ground truth, what each user can open over SMB with their own
password; and the comparison of the portal's results with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aktenlotse.core.config import AuthConfig, Config, EnrichConfig, ExtractorConfig
from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import analyzer, search_as
from tests.samba_dc import (
    FULL,
    OICI,
    READ,
    SECOND_SHARE,
    SERVICE_USER,
    USERS,
    ShareAdmin,
    crawler_source_config,
)
from tests.smb_truth import readable_files

MATRIX_USERS = ["mueller", "schmidt", "weber", "yilmaz", "krause", "gast"]
FILES_ONLY = 0x01 | 0x08  # OBJECT_INHERIT | INHERIT_ONLY: for the files below, not the folder itself
TRAVERSE = 0x20
LIST_AND_TRAVERSE = 0x01 | 0x20 | 0x80  # list folder, traverse, read attributes
# folder -> (number of documents, extra ACEs (kind, flags, mask, who)); who: a group or user
# name, "domain-users" or a well-known SID.
FOLDERS = {
    "Allgemein": (8, [("A", OICI, READ, "S-1-5-11")]),  # Authenticated Users
    "Alle": (3, [("A", OICI, READ, "S-1-1-0")]),  # Everyone
    "Domaene": (3, [("A", OICI, READ, "domain-users")]),
    "Bauamt": (6, [("A", OICI, READ, "bauamt")]),
    "Kaemmerei": (5, [("A", OICI, READ, "kaemmerei")]),
    "Personal": (5, [("A", OICI, READ, "personal")]),
    "Standesamt": (4, [("A", OICI, READ, "standesamt")]),
    # Nested group allowed, one of its member groups denied: the deny wins.
    "Projekte": (4, [("A", OICI, READ, "fachaemter"), ("D", OICI, READ, "kaemmerei")]),
    "Sperre": (3, [("A", OICI, READ, "domain-users"), ("D", OICI, READ, "schmidt")]),  # a user's own deny
    "Leitung": (3, [("A", OICI, READ, "krause")]),
    "Intern": (2, []),  # only the crawler and the administrators
    # A SID no directory knows (a deleted account, a foreign domain): nobody logs in with it.
    "Altlasten": (2, [("A", OICI, READ, "S-1-5-21-1111111111-2222222222-3333333333-1104")]),
    # Files readable by Domain Users, the folder itself gives them nothing: Samba stops them.
    "Nurdateien": (3, [("A", FILES_ONLY, READ, "domain-users")]),
    # Traverse (no listing) on the folder, files readable: Samba lets them through.
    "Durchgang": (2, [("A", 0, TRAVERSE, "domain-users"), ("A", FILES_ONLY, READ, "domain-users")]),
    # Traverse denied to a group on the folder only: not enforced by Samba, hidden by us.
    "Durchgangssperre": (2, [("A", OICI, READ, "domain-users"), ("D", 0, TRAVERSE, "kaemmerei")]),
    "Wechsel": (3, [("A", OICI, READ, "bauamt")]),  # changed later (inherited ACL)
    "Ausgesperrt": (3, [("A", OICI, READ, "domain-users")]),  # the crawler is locked out later
}
STRICTER_BY_DESIGN = {"Durchgangssperre"}  # folders whose misses are expected (see module docstring)
SECOND_FOLDER = "Akten"  # on the second share: NTFS Domain Users, share ACL bauamt only
SECOND_COUNT = 4


def _sid(dc, admin, who: str) -> str:
    if who.startswith("S-1-"):
        return who
    if who == "domain-users":
        return admin.domain_sid + "-513"
    return dc.sid(who)


def base_aces(dc) -> list:
    return [("A", OICI, FULL, "S-1-5-32-544"), ("A", OICI, READ, dc.sid(SERVICE_USER))]


def build_shares(dc) -> dict[str, str]:
    """Folders with differing NT ACLs and real files written into them (files inherit);
    returns title -> (source, path)."""
    admin = ShareAdmin(dc)
    base = base_aces(dc)
    # The share root lets every user in (list + traverse on the root itself, nothing inherited).
    admin.set_acl("", base + [("A", 0, LIST_AND_TRAVERSE, "S-1-5-11")], protected=True)
    files, n = {}, 0
    for folder, (count, extra) in FOLDERS.items():
        admin.mkdir(folder)
        admin.set_acl(folder, base + [(k, f, m, _sid(dc, admin, w)) for k, f, m, w in extra], protected=True)
        for _ in range(count):
            name = f"sdok{n:02}"
            admin.write(f"{folder}/{name}.txt", f"Sambawort {name} Verwaltungsakte {folder}".encode())
            files[name] = ("daten", f"{folder}/{name}.txt")
            n += 1
    # A file whose descriptor the crawler may not read: an error record, never indexed.
    admin.write("Allgemein/geschuetzt.txt", b"Sambawort geschuetzt nur Administratoren")
    admin.set_acl("Allgemein/geschuetzt.txt", [("A", 0, FULL, "S-1-5-32-544")], protected=True)
    admin.close()
    second = ShareAdmin(dc, SECOND_SHARE)
    domain_users = second.domain_sid + "-513"
    second.set_acl("", base + [("A", OICI, READ, domain_users)], protected=True)
    second.mkdir(SECOND_FOLDER)
    for _ in range(SECOND_COUNT):
        name = f"sdok{n:02}"
        second.write(f"{SECOND_FOLDER}/{name}.txt", f"Sambawort {name} Verwaltungsakte {SECOND_FOLDER}".encode())
        files[name] = ("freigabe", f"{SECOND_FOLDER}/{name}.txt")
        n += 1
    second.close()
    dc.set_share_acl(
        SECOND_SHARE,
        f"{dc.sid('bauamt')}:ALLOWED/0/READ,{dc.sid(SERVICE_USER)}:ALLOWED/0/READ,S-1-5-32-544:ALLOWED/0/FULL",
    )
    return files


def truth(dc, files: dict[str, tuple[str, str]]) -> dict[str, set[str]]:
    """user -> titles they can open and read over SMB with their own password, now."""
    shares = {"daten": dc.share, "freigabe": SECOND_SHARE}
    result = {}
    for user in MATRIX_USERS:
        readable = set()
        for source, share in shares.items():
            paths = {path: title for title, (src, path) in files.items() if src == source}
            readable |= {paths[p] for p in readable_files(dc.host, share, user, USERS[user][2], paths)}
        result[user] = readable
    return result


class SmbCrawlEnv:
    def __init__(self, dc, base, tika_server):
        self.dc = dc
        self.data = base / "data"
        self.data.mkdir(parents=True)
        self.source_configs = (
            crawler_source_config(dc, display_root="\\\\rathaus\\daten"),
            crawler_source_config(dc, name="freigabe", share=SECOND_SHARE),
        )
        self.extractor = TikaServerExtractor(managed=tika_server)

    def crawl(self):
        state = StateDB(self.data / "state.sqlite")
        backend = EmbeddedBackend(self.data / "index.sqlite")
        sources = [SmbSource(c) for c in self.source_configs]
        try:
            crawler = Crawler(state, backend, self.extractor, workers=4, batch_size=25, analyze=analyzer())
            return crawler.run(sources)
        finally:
            for source in sources:
                source.close()
            backend.close()
            state.close()

    def documents(self):
        backend = EmbeddedBackend(self.data / "index.sqlite")
        try:
            return backend.fetch_untrimmed(sorted(backend.ids()))
        finally:
            backend.close()

    def errors(self):
        import sqlite3

        with sqlite3.connect(self.data / "state.sqlite") as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            table = "errors" if "errors" in tables else next(t for t in tables if "error" in t)
            return [tuple(r) for r in conn.execute(f"SELECT * FROM {table}")]


@contextmanager
def leak_matrix(samba_dc, tika_server, base: Path) -> Iterator[tuple]:
    """The shares built and crawled (with vectors) under `base`: (env, files, users,
    config, backend), the users logged in through the domain."""
    samba_dc.empty_share()
    files = build_shares(samba_dc)
    env = SmbCrawlEnv(samba_dc, base, tika_server)
    summary = env.crawl()
    assert summary.new == len(files), summary
    assert summary.errors == 1, summary  # the descriptor the crawler may not read
    directory = LdapDirectory(env_auth(samba_dc))
    users = {name: directory.authenticate(name, USERS[name][2]) for name in MATRIX_USERS}
    config = Config(
        data_dir=env.data,
        sources=env.source_configs,
        extractor=ExtractorConfig(kind="external", urls=(tika_server.url,)),
    )
    backend = EmbeddedBackend(env.data / "index.sqlite")
    # Vectors too, so that semantic and hybrid searches really go through the vector index.
    assert run_embedding_pass(backend, load_encoder(), EnrichConfig()).documents == len(files)
    yield env, files, users, config, backend
    backend.close()


def env_auth(dc) -> AuthConfig:
    """The directory as the portal's service account reads it."""
    return dc.service_auth()


def visible(backend, principals, mode="fulltext"):
    return search_as(backend, "Sambawort", principals, mode, limit=200)


def in_folder(files, folder: str) -> set[str]:
    return {t for t, (_, path) in files.items() if path.split("/")[0] == folder}


def compare(backend, users, files, real: dict[str, set[str]], mode: str = "fulltext") -> dict[str, set[str]]:
    """Assert zero leaks for every user; return the misses (truth the portal does not show)."""
    misses = {}
    for name, user in users.items():
        hits, titles = visible(backend, user.principals, mode)
        leaks = titles - real[name]
        assert not leaks, (name, mode, sorted(leaks))
        assert hits.total == len(titles)
        assert sum(c for _, c in hits.facets.get("file_type", [])) == len(titles)
        misses[name] = real[name] - titles
    return misses
