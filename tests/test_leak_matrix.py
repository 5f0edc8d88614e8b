"""Zero leaks, nothing missing: users from the real slapd × files with mixed POSIX modes and
ACLs, crawled by the real crawler (a separate process without DAC override, as a service
account runs) and Tika, searched and downloaded through the portal's services, in both
backends.

Ground truth is not the crawler's view: each test user's uid (with the groups their
directory login resolves) tries to open and read every file. The portal must show each
user exactly those files — in every search mode, totals, facets, snippets, "Meinten Sie",
similar documents and downloads.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from aktenlotse.core.config import EnrichConfig, load_config
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.pipeline.app import open_backend
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.services.documents import DownloadDenied, open_download
from aktenlotse.services.search import similar_documents
from aktenlotse.stores.statedb import UNVERIFIED, StateDB
from tests.crawl_env import search_as
from tests.ldap_directory import USERS
from tests.unprivileged import OTHER_UID, WITHOUT_READ_OVERRIDE

pytestmark = [
    pytest.mark.ldap,
    pytest.mark.tika_server,
    pytest.mark.skipif(os.geteuid() != 0, reason="chown to department groups and test uids needs root"),
]

CLI = [sys.executable, "-m", "aktenlotse.cli.main"]
GIDS = {"bauamt": 61001, "kaemmerei": 61004, "personal": 61002, "standesamt": 61003, "fachaemter": 61005}
UIDS = {"mueller": 62001, "schmidt": 62002, "weber": 62003, "yilmaz": 62004, "krause": 62005, "admin.it": 62006}
PRIMARY_GID = 62999  # a group no file names: the users' access comes from the matrix groups only
MODES = ["fulltext", "semantic", "hybrid"]
QUERY = "Matrixwort Verwaltungsvorgang"


def unique_words(n: int) -> list[str]:
    """Made-up words far apart from each other and from German: a misspelling of one can
    only ever be corrected to that one."""
    rng = random.Random(16)
    syllables = ["ka", "lo", "mu", "ri", "te", "zu", "bo", "ne", "fi", "da", "go", "pe", "su", "wa", "xi", "yo"]
    words: list[str] = []
    while len(words) < n:
        word = "".join(rng.choice(syllables) for _ in range(5)).capitalize()
        if all(edit_distance(word.lower(), w.lower()) > 5 for w in words):
            words.append(word)
    return words


def edit_distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def misspell(word: str) -> str:
    return word[:4] + word[5] + word[4] + word[6:]


def build_matrix(root: Path) -> dict[str, Path]:
    """The files, by title. Who may read them is not written down here: the users' own
    opens decide (see `truth`)."""
    files: dict[str, Path] = {}
    words = unique_words(60)

    def folder(rel: str, mode: int = 0o755, uid: int = 0, gid: int = 0) -> Path:
        path = root / rel
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        return path

    def write(rel_folder: str, mode: int = 0o644, uid: int = 0, gid: int = 0, acl: str | None = None) -> Path:
        title = f"dok{len(files):02}"
        path = root / rel_folder / f"{title}.txt"
        path.write_text(f"Matrixwort {title} Verwaltungsvorgang {words[len(files)]}", encoding="utf-8")
        os.chown(path, uid, gid)
        os.chmod(path, mode)
        if acl:
            subprocess.run(["setfacl", "-m", acl, str(path)], check=True)
        files[title] = path
        return path

    folder("Allgemein")
    for _ in range(6):
        write("Allgemein")
    write("Allgemein", 0o600)  # only the owner (root)
    write("Allgemein", 0o604, gid=GIDS["standesamt"])  # world, but the owning group's bits exclude standesamt
    write("Allgemein", 0o044, uid=UIDS["yilmaz"])  # world, but the owner's bits exclude yilmaz
    for group in ("bauamt", "kaemmerei", "personal", "standesamt"):
        folder(group, 0o750, gid=GIDS[group])
        for _ in range(3):
            write(group)
    folder("Projekte")
    for _ in range(2):
        write("Projekte", 0o600, acl=f"g:{GIDS['fachaemter']}:r")  # a nested group via a named-group ACL
    # Traverse via a group, read via the user: only mueller (owner, in bauamt) may open it.
    write("bauamt", 0o640, uid=UIDS["mueller"])
    # Read via a named user who cannot traverse the folder: nobody but root.
    write("bauamt", 0o640, acl=f"u:{UIDS['schmidt']}:r")
    # Read via the group, but the group may only list the folder, not traverse it (files only).
    folder("Personal-Liste", 0o750)
    subprocess.run(["setfacl", "-m", f"g:{GIDS['personal']}:r", str(root / "Personal-Liste")], check=True)
    write("Personal-Liste", 0o640, gid=GIDS["personal"])
    folder("Personal-Offen", 0o750, gid=GIDS["personal"])
    write("Personal-Offen", 0o640, gid=GIDS["personal"])
    # The ACL mask limits a named user: weber is named with r, the mask grants nothing.
    write("Allgemein", 0o640, acl=f"u:{UIDS['weber']}:r,m::-")
    write("Allgemein", 0o640, acl=f"u:{UIDS['weber']}:r")
    # A folder whose owner's bits lack traverse while everyone else has it: all but krause.
    folder("Krause-Ordner", 0o055, uid=UIDS["krause"])
    write("Krause-Ordner")
    # A folder the crawler will lose (and get back) in test_unlistable_folder_*.
    folder("Archiv")
    folder("Archiv/Alt")
    for _ in range(2):
        write("Archiv")
        write("Archiv/Alt")
    return files


def truth(files: dict[str, Path], uid: int, gids: list[int]) -> set[str]:
    """The titles a process with this uid and these groups can open and read."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the user, try every file, report, never return
        try:
            os.close(read_end)
            os.setgroups(gids)
            os.setgid(PRIMARY_GID)
            os.setuid(uid)
            readable = []
            for title, path in files.items():
                try:
                    with open(path, "rb") as f:
                        f.read(1)
                    readable.append(title)
                except OSError:
                    pass
            os.write(write_end, json.dumps(readable).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read()
    os.waitpid(pid, 0)
    return set(json.loads(raw))


class Matrix:
    def __init__(self, base: Path, backend_kind: str, tika_url: str, es_url: str | None):
        self.base = base
        self.root = base / "share"
        self.root.mkdir()
        os.chmod(self.root, 0o755)
        self.data = base / "data"
        principal_map = {f"group:{gid}": f"group:{name}" for name, gid in GIDS.items()}
        principal_map.update({f"user:{uid}": f"user:{name}" for name, uid in UIDS.items()})
        index = ""
        if backend_kind == "elasticsearch":
            index = (
                f'[index]\nbackend = "elasticsearch"\n[index.elasticsearch]\nurls = ["{es_url}"]\n'
                f'index = "leak-{uuid.uuid4().hex[:10]}"\n'
            )
        mapping = "".join(f'"{k}" = "{v}"\n' for k, v in principal_map.items())
        self.config_path = base / "aktenlotse.toml"
        self.config_path.write_text(
            f'data_dir = "{self.data}"\n{index}[[sources]]\nname = "daten"\nroot = "{self.root}"\n'
            f'display_root = "\\\\\\\\rathaus\\\\daten"\n'
            f"[sources.principal_map]\n{mapping}"
            f'[extractor]\nkind = "external"\nurls = ["{tika_url}"]\n[enrich]\nenabled = false\n'
        )
        self.config = load_config(self.config_path)

    def crawl(self) -> dict:
        """`aktenlotse crawl` as its own process, without the capabilities that let root
        read any file: what it cannot open, it cannot vouch for."""
        out = subprocess.run(
            [*WITHOUT_READ_OVERRIDE, *CLI, "--config", str(self.config_path), "crawl", "--json"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.stdout.strip(), out.stderr
        return json.loads(out.stdout)


@pytest.fixture(scope="module", params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def matrix(request, tika_server, slapd):
    base = Path(tempfile.mkdtemp(prefix="leak-matrix-"))
    os.chmod(base, 0o755)  # its ancestors are world-traversable: the files' own rules decide
    es_url = request.getfixturevalue("elasticsearch_url") if request.param == "elasticsearch" else None
    m = Matrix(base, request.param, tika_server.url, es_url)
    m.files = build_matrix(m.root)
    summary = m.crawl()
    assert summary["new"] == len(m.files) and summary["errors"] == 0, summary
    directory = LdapDirectory(slapd.service_auth())
    m.users = {name: directory.authenticate(name, USERS[name][2]) for name in UIDS}
    m.backend = open_backend(m.config)
    # Vectors too, so that semantic and hybrid searches really go through the vector index.
    assert run_embedding_pass(m.backend, load_encoder(), EnrichConfig()).documents == len(m.files)
    m.words = dict(zip(m.files, unique_words(60), strict=False))
    yield m
    m.backend.close()
    shutil.rmtree(base, ignore_errors=True)


def truth_of(m: Matrix, name: str) -> set[str]:
    """What the user can open now, with the groups their login resolved."""
    groups = [gid for group, gid in GIDS.items() if f"group:{group}" in m.users[name].principals]
    return truth(m.files, UIDS[name], groups)


def documents(m: Matrix) -> dict:
    return {d.title: d for d in m.backend.fetch_untrimmed(sorted(m.backend.ids()))}


def assert_portal_shows_exactly(m: Matrix, name: str, expected: set[str], mode: str) -> None:
    user = m.users[name]
    hits, titles = search_as(m.backend, QUERY, user.principals, mode)
    assert titles <= expected, (name, mode, "leak", sorted(titles - expected))
    assert expected <= titles, (name, mode, "missing", sorted(expected - titles))
    assert hits.total == len(expected), (name, mode, hits.total)
    assert sum(count for _, count in hits.facets.get("file_type", [])) == hits.total, (name, mode)
    for facet, values in hits.facets.items():
        assert sum(count for _, count in values) <= len(expected) or facet == "keywords", (name, facet, values)
    hidden_words = [m.words[t] for t in m.files if t not in expected]
    for hit in hits.hits:
        assert hit.title in hit.snippet or "Matrixwort" in hit.snippet, (name, hit.title, hit.snippet)
        assert not any(w in hit.snippet for w in hidden_words), (name, hit.title, hit.snippet)


def test_leak_matrix_groups_resolved_from_the_directory(matrix):
    for name, user in matrix.users.items():
        assert f"user:{name}" in user.principals
    assert "group:fachaemter" in matrix.users["mueller"].principals  # nested via bauamt
    assert "group:bauamt" in matrix.users["krause"].principals  # nested via bauamt-leitung


def test_leak_matrix_truth_has_every_case(matrix):
    """The matrix means something only if the users' truths really differ case by case."""
    truths = {name: truth_of(matrix, name) for name in matrix.users}
    assert len({frozenset(t) for t in truths.values()}) == len(truths)
    everyone_sees = set.intersection(*truths.values())
    nobody_sees = set(matrix.files) - set.union(*truths.values())
    assert len(everyone_sees) >= 6 and len(nobody_sees) >= 4, (everyone_sees, nobody_sees)
    assert "dok08" not in truths["yilmaz"] and "dok08" in truths["weber"]  # owner bits deny
    assert "dok07" not in truths["yilmaz"] and "dok07" in truths["mueller"]  # owning group's bits deny


@pytest.mark.parametrize("mode", MODES)
def test_leak_matrix_search_totals_facets_snippets(matrix, mode):
    for name in matrix.users:
        assert_portal_shows_exactly(matrix, name, truth_of(matrix, name), mode)


def test_leak_matrix_get_and_downloads(matrix):
    docs = documents(matrix)
    for name, user in matrix.users.items():
        expected = truth_of(matrix, name)
        for title, doc in docs.items():
            visible = matrix.backend.get(doc.id, list(user.principals)) is not None
            assert visible == (title in expected), (name, title)
            if title in expected:
                download = open_download(matrix.config, matrix.backend, doc.id, user.principals)
                with download.stream as stream:
                    assert stream.read() == matrix.files[title].read_bytes()
            else:
                with pytest.raises(DownloadDenied):
                    open_download(matrix.config, matrix.backend, doc.id, user.principals)


def test_leak_matrix_spelling_suggestions(matrix):
    """A misspelt word of a readable file is corrected; of an unreadable one, the answer is
    the same as for a word that exists nowhere."""
    nowhere = misspell("Quadrilobenzimat")
    for name, user in matrix.users.items():
        expected = truth_of(matrix, name)
        assert matrix.backend.spelling_suggestions(nowhere, user.principals) == [], name
        for title, word in matrix.words.items():
            suggestions = matrix.backend.spelling_suggestions(misspell(word), user.principals)
            if title in expected:
                assert any(word.lower() in s.lower() for s in suggestions), (name, title, word, suggestions)
            else:
                assert suggestions == [], (name, title, word, suggestions)


def test_leak_matrix_similar_documents(matrix):
    docs = documents(matrix)
    for name, user in matrix.users.items():
        expected = truth_of(matrix, name)
        for title, doc in docs.items():
            found = {h.title for h in similar_documents(matrix.backend, doc.id, user.principals, limit=80).hits}
            if title not in expected:
                assert found == set(), (name, title)  # no access to the document: nothing about it
            else:
                assert found <= expected, (name, title, found - expected)
                assert found or expected == {title}, (name, title)  # the matrix documents share words


def test_leak_matrix_download_rechecks_permissions_at_the_source(matrix):
    doc = documents(matrix)["dok00"]
    mueller = matrix.users["mueller"]
    path = matrix.files["dok00"]
    try:
        os.chmod(path, 0o600)  # revoked after the crawl: the index still says everyone
        with pytest.raises(DownloadDenied) as denied:
            open_download(matrix.config, matrix.backend, doc.id, mueller.principals)
        assert "keinen Zugriff" in denied.value.message
    finally:
        os.chmod(path, 0o644)
    os.rename(path, path.with_name("verschoben.txt"))
    try:
        with pytest.raises(DownloadDenied) as gone:
            open_download(matrix.config, matrix.backend, doc.id, mueller.principals)
        assert "nicht mehr" in gone.value.message
    finally:
        os.rename(path.with_name("verschoben.txt"), path)


def test_unlistable_folder_hides_everything_below_and_comes_back(matrix):
    """The crawler loses the right to list a folder (0700, someone else's): everything in
    and below it disappears for everyone at once, stays in index and state, marked
    unverified, and is shown again once the mode is restored and the next crawl ran."""
    archive = matrix.root / "Archiv"
    below = {t for t, p in matrix.files.items() if archive in p.parents}
    assert len(below) == 4
    ids_before = matrix.backend.ids()
    try:
        os.chown(archive, OTHER_UID, OTHER_UID)
        os.chmod(archive, 0o700)
        summary = matrix.crawl()
        assert summary["deleted"] == 0 and summary["hidden"] == len(below), summary
        assert matrix.backend.ids() == ids_before  # nothing deleted from the index
        state = StateDB(matrix.data / "state.sqlite")
        try:
            rows = [state.item(d.id) for d in documents(matrix).values() if d.title in below]
        finally:
            state.close()
        assert len(rows) == len(below) and all(r is not None and r.perm_id == UNVERIFIED for r in rows)
        for name in matrix.users:
            expected = truth_of(matrix, name)
            assert not expected & below, name  # the users lost it too: the truth agrees
            for mode in MODES:
                assert_portal_shows_exactly(matrix, name, expected, mode)
        for title in below:
            assert matrix.backend.spelling_suggestions(misspell(matrix.words[title]), ["everyone"]) == []
    finally:
        os.chown(archive, 0, 0)
        os.chmod(archive, 0o755)
    summary = matrix.crawl()
    assert summary["deleted"] == 0 and summary["new"] == 0 and summary["extracted"] == 0, summary
    for name in matrix.users:
        expected = truth_of(matrix, name)
        assert below <= expected, name
        for mode in MODES:
            assert_portal_shows_exactly(matrix, name, expected, mode)


@pytest.mark.parametrize(
    "hostile_id",
    ["../../etc/passwd", "/etc/shadow", "..%2F..%2Fetc%2Fpasswd", "", "x" * 5000, "d0~../../x", "' OR 1=1 --"],
)
def test_leak_matrix_download_rejects_path_traversal_ids(matrix, hostile_id):
    with pytest.raises(DownloadDenied) as denied:
        open_download(matrix.config, matrix.backend, hostile_id, matrix.users["admin.it"].principals)
    assert "gibt es nicht" in denied.value.message
