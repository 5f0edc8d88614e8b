"""Zero leaks: users from the real slapd × documents with mixed POSIX permissions, crawled
by the real crawler and Tika, searched and downloaded through the portal's services.

Each user must see exactly the documents their groups allow — in every search mode, in
totals and facet counts, in snippets and in downloads.
"""

import os
import subprocess

import pytest

from aktenlotse.config import AuthConfig, Config, EnrichConfig, ExtractorConfig
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.enrich.embed_pass import run_embedding_pass
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.portal.directory import LdapDirectory
from aktenlotse.portal.services import DownloadDenied, open_download
from aktenlotse.search.embedded import EmbeddedBackend
from tests.crawl_env import CrawlEnv, search_as
from tests.ldap_directory import BASE_DN, SERVICE_DN, SERVICE_PASSWORD, USERS

pytestmark = [pytest.mark.ldap, pytest.mark.tika_server,
              pytest.mark.skipif(os.geteuid() != 0, reason="chown to department groups needs root")]

GIDS = {"bauamt": 61001, "kaemmerei": 61004, "personal": 61002, "standesamt": 61003, "fachaemter": 61005}
MATRIX_USERS = ["mueller", "schmidt", "weber", "yilmaz", "krause", "admin.it"]
# Directory groups of each user including nesting (see tests/ldap_directory.py).
USER_GROUPS = {
    "mueller": {"bauamt", "fachaemter", "mitarbeitende"},
    "schmidt": {"kaemmerei", "fachaemter", "mitarbeitende"},
    "weber": {"personal", "mitarbeitende"},
    "yilmaz": {"standesamt", "digitallotsen", "fachaemter", "mitarbeitende"},
    "krause": {"ag-dms", "bauamt-leitung", "bauamt", "fachaemter", "mitarbeitende"},
    "admin.it": {"portal-admins", "mitarbeitende"},
}


def build_matrix(root):
    """50 documents; returns {name: rule} where rule(groups) says who may read it."""
    rules = {}

    def write(folder, name, text, mode=0o644):
        path = root / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Matrixwort {name.split('.')[0]} Verwaltungsvorgang {text}", encoding="utf-8")
        os.chmod(path, mode)
        return path

    def restrict(folder, group):
        os.chown(root / folder, 0, GIDS[group])
        os.chmod(root / folder, 0o750)

    for i in range(10):
        write("Allgemein", f"dok{i:02}.txt", "öffentlich")
        rules[f"dok{i:02}"] = lambda g: True
    for i, (group, count) in enumerate((("bauamt", 10), ("kaemmerei", 8), ("personal", 8), ("standesamt", 6))):
        for j in range(count):
            n = 10 + sum(c for _, c in (("bauamt", 10), ("kaemmerei", 8), ("personal", 8), ("standesamt", 6))[:i]) + j
            write(group, f"dok{n:02}.txt", f"nur {group}")
            rules[f"dok{n:02}"] = lambda g, group=group: group in g
        restrict(group, group)
    # Named-group POSIX ACL: readable by fachaemter (a nested group) only.
    for n in range(42, 46):
        path = write("Projekte", f"dok{n:02}.txt", "fachaemter per ACL", mode=0o600)
        subprocess.run(["setfacl", "-m", f"g:{GIDS['fachaemter']}:r", str(path)], check=True)
        rules[f"dok{n:02}"] = lambda g: "fachaemter" in g
    # Only the owner (root) may read: no portal user sees these.
    for n in range(46, 48):
        write("Allgemein", f"dok{n:02}.txt", "nur Eigentümer", mode=0o600)
        rules[f"dok{n:02}"] = lambda g: False
    # World-readable, but the owning group standesamt is excluded by its own bits: POSIX deny.
    for n in range(48, 50):
        path = write("Allgemein", f"dok{n:02}.txt", "alle außer standesamt", mode=0o604)
        os.chown(path, 0, GIDS["standesamt"])
        rules[f"dok{n:02}"] = lambda g: "standesamt" not in g
    assert len(rules) == 50
    return rules


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, tika_server, slapd):
    base = tmp_path_factory.mktemp("matrix")
    principal_map = {f"group:{gid}": f"group:{name}" for name, gid in GIDS.items()}
    env = CrawlEnv(base, TikaServerExtractor(managed=tika_server), principal_map=principal_map)
    rules = build_matrix(env.root)
    summary = env.crawl()
    assert summary.new == 50 and summary.errors == 0, summary
    auth = AuthConfig(url=slapd.url, start_tls=True, ca_cert=slapd.tls.ca_cert, base_dn=BASE_DN,
                      bind_dn=SERVICE_DN, bind_password=SERVICE_PASSWORD)
    directory = LdapDirectory(auth)
    users = {name: directory.authenticate(name, USERS[name][2]) for name in MATRIX_USERS}
    config = Config(data_dir=env.data, sources=(env.source_config,), extractor=ExtractorConfig(kind="external",
                    urls=(tika_server.url,)))
    backend = EmbeddedBackend(env.data / "index.sqlite")
    # Vectors too, so that semantic and hybrid searches really go through the vector index.
    stats = run_embedding_pass(backend, load_encoder(), EnrichConfig())
    assert stats.documents == 50
    yield env, rules, users, config, backend
    backend.close()


def expected_for(rules, user_name):
    return {doc for doc, rule in rules.items() if rule(USER_GROUPS[user_name])}


def visible_docs(backend, principals, mode="fulltext"):
    return search_as(backend, "Matrixwort Verwaltungsvorgang", principals, mode)


def test_leak_matrix_groups_resolved_from_the_directory(matrix):
    _, _, users, _, _ = matrix
    for name, user in users.items():
        assert USER_GROUPS[name] <= set(user.groups), name


@pytest.mark.parametrize("mode", ["fulltext", "semantic", "hybrid"])
def test_leak_matrix_search_totals_and_facets(matrix, mode):
    _, rules, users, _, backend = matrix
    for name, user in users.items():
        hits, titles = visible_docs(backend, user.principals, mode)
        expected = expected_for(rules, name)
        if mode == "semantic":
            # Semantic search returns the close neighbours, not every match: never more than allowed.
            assert titles and titles <= expected, (name, mode, sorted(titles - expected))
            assert hits.total <= len(expected)
        else:
            assert titles == expected, (name, mode, sorted(titles ^ expected))
            assert hits.total == len(expected)
        for facet, values in hits.facets.items():
            assert sum(count for _, count in values) <= len(expected), (name, facet)
        assert sum(count for _, count in hits.facets.get("file_type", [])) == hits.total
        for hit in hits.hits:
            # A snippet only ever shows text of a visible document.
            assert hit.title in hit.snippet or "Matrixwort" in hit.snippet


def test_leak_matrix_every_user_differs(matrix):
    _, rules, users, _, _ = matrix
    seen = {frozenset(expected_for(rules, name)) for name in users}
    assert len(seen) >= 5  # mueller and krause share bauamt by nesting; the others all differ


def test_leak_matrix_get_and_downloads(matrix):
    env, rules, users, config, backend = matrix
    docs = {d.title: d for d in env.documents()}
    for name, user in users.items():
        expected = expected_for(rules, name)
        for title, doc in docs.items():
            visible = backend.get(doc.id, list(user.principals)) is not None
            assert visible == (title in expected), (name, title)
            if title in expected:
                download = open_download(config, backend, doc.id, user.principals)
                with download.stream as stream:
                    assert stream.read().startswith(b"Matrixwort " + title.encode())
            else:
                with pytest.raises(DownloadDenied):
                    open_download(config, backend, doc.id, user.principals)


def test_leak_matrix_download_rechecks_permissions_at_the_source(matrix):
    env, rules, users, config, backend = matrix
    doc = next(d for d in env.documents() if d.title == "dok00")
    mueller = users["mueller"]
    path = env.root / "Allgemein" / "dok00.txt"
    try:
        os.chmod(path, 0o600)  # revoked after the crawl: the index still says everyone
        with pytest.raises(DownloadDenied) as denied:
            open_download(config, backend, doc.id, mueller.principals)
        assert "keinen Zugriff" in denied.value.message
    finally:
        os.chmod(path, 0o644)
    os.rename(path, path.with_name("verschoben.txt"))
    try:
        with pytest.raises(DownloadDenied) as gone:
            open_download(config, backend, doc.id, mueller.principals)
        assert "nicht mehr" in gone.value.message
    finally:
        os.rename(path.with_name("verschoben.txt"), path)


def test_leak_matrix_similar_documents(matrix):
    from aktenlotse.portal.services import similar_documents

    env, rules, users, _, backend = matrix
    docs = {d.title: d for d in env.documents()}
    for name, user in users.items():
        expected = expected_for(rules, name)
        for title in ("dok00", "dok10", "dok20", "dok42"):
            similar = similar_documents(backend, docs[title].id, user.principals, limit=50)
            found = {h.title for h in similar.hits}
            if title not in expected:
                assert found == set(), (name, title)  # no access to the document: nothing about it
            else:
                assert found <= expected, (name, title, found - expected)
                assert found, (name, title)  # the matrix documents all share words


@pytest.mark.parametrize("hostile_id", ["../../etc/passwd", "/etc/shadow", "..%2F..%2Fetc%2Fpasswd", "", "x" * 5000,
                                        "d0~../../x", "' OR 1=1 --"])
def test_leak_matrix_download_rejects_path_traversal_ids(matrix, hostile_id):
    _, _, users, config, backend = matrix
    with pytest.raises(DownloadDenied) as denied:
        open_download(config, backend, hostile_id, users["admin.it"].principals)
    assert "gibt es nicht" in denied.value.message
