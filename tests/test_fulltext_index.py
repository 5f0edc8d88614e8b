"""The embedded backend's tantivy full-text index stays in step with SQLite, its truth:
after a crash between the two commits, with a damaged or missing folder, and with two
processes writing at once. A row whose full-text entry may be stale is hidden, never shown."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

from aktenlotse.core.records import Document
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, EVERYONE, ids_of

ROOT = Path(__file__).resolve().parent.parent


def _numbered(n: int, prefix: str) -> list[Document]:
    base = BY_ID["bau-1"]
    return [
        replace(base, id=f"{prefix}-{i}", path=f"/share/{prefix}/{i}.txt", text=f"Vermerk {prefix}wort{i} Lindenweg")
        for i in range(n)
    ]


def _found(backend: EmbeddedBackend, word: str, principals=EVERYONE) -> list[str]:
    return ids_of(backend.search(Query(word, limit=50), principals))


def test_pending_rows_are_hidden_until_applied(tmp_path):
    path = tmp_path / "index.sqlite"
    with EmbeddedBackend(path) as backend:
        backend.upsert(CORPUS)
        assert _found(backend, "Lindenweg", BAUAMT) == ["bau-1"]
    # As a crash right after the SQLite commit leaves it: the row changed, tantivy not yet.
    connection = sqlite3.connect(path)
    rowid = connection.execute("SELECT rowid FROM docs WHERE id = 'bau-1'").fetchone()[0]
    connection.execute("UPDATE docs SET perm_id = 'nobody-knows-this-set' WHERE rowid = ?", (rowid,))
    connection.execute("INSERT INTO fulltext_pending(rowid) VALUES (?)", (rowid,))
    connection.commit()
    connection.close()
    with EmbeddedBackend(path) as reopened:  # opening applies the pending row
        assert _found(reopened, "Lindenweg", BAUAMT) == []
        assert reopened.search(Query("Lindenweg", facets=True), BAUAMT).facets["file_type"] == []
        pending = sqlite3.connect(path).execute("SELECT count(*) FROM fulltext_pending").fetchone()[0]
        assert pending == 0


def test_a_reader_hides_rows_still_pending(tmp_path):
    path = tmp_path / "index.sqlite"
    with EmbeddedBackend(path) as writer, EmbeddedBackend(path) as reader:
        writer.upsert(CORPUS)
        assert _found(reader, "Lindenweg", BAUAMT) == ["bau-1"]
        connection = sqlite3.connect(path)
        connection.execute("INSERT INTO fulltext_pending(rowid) SELECT rowid FROM docs WHERE id = 'bau-1'")
        connection.commit()
        connection.close()
        result = reader.search(Query("Lindenweg", facets=True), BAUAMT)
        assert (ids_of(result), result.total) == ([], 0)
        writer.delete(["nothing-of-that-name"])  # the next write applies it
        assert _found(reader, "Lindenweg", BAUAMT) == ["bau-1"]


def test_kill_between_the_commits_loses_nothing(tmp_path):
    path = tmp_path / "index.sqlite"
    with EmbeddedBackend(path) as backend:
        backend.upsert(CORPUS)
    script = textwrap.dedent(
        f"""
        import os, signal
        from dataclasses import replace
        from aktenlotse.search import fulltext_index
        from aktenlotse.search.embedded import EmbeddedBackend
        from tests.test_fulltext_index import _numbered
        backend = EmbeddedBackend({str(path)!r})
        fulltext_index.Fulltext.sync = lambda self, connection: os.kill(os.getpid(), signal.SIGKILL)
        backend.upsert(_numbered(30, "neu"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -signal.SIGKILL
    with EmbeddedBackend(path) as reopened:
        assert len(reopened.ids()) == len(CORPUS) + 30
        assert _found(reopened, "neuwort7") == ["neu-7"]
        assert reopened.search(Query("Vermerk", limit=1), EVERYONE).total >= 30


def test_damaged_or_missing_folder_is_rebuilt(tmp_path):
    path = tmp_path / "index.sqlite"
    with EmbeddedBackend(path) as backend:
        backend.upsert(CORPUS)
        folder = backend._fulltext.path
    (folder / "meta.json").write_text("{ kaputt")
    with EmbeddedBackend(path) as reopened:
        assert _found(reopened, "Lindenweg", BAUAMT) == ["bau-1"]
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    with EmbeddedBackend(path) as reopened:
        assert _found(reopened, "Lindenweg", BAUAMT) == ["bau-1"]
        assert reopened._fulltext.searcher().num_docs == len(CORPUS)


def test_a_folder_from_another_index_is_rebuilt(tmp_path):
    first, second = tmp_path / "a" / "index.sqlite", tmp_path / "b" / "index.sqlite"
    with EmbeddedBackend(first) as backend:
        backend.upsert(CORPUS)
    with EmbeddedBackend(second) as backend:
        backend.upsert(_numbered(len(CORPUS), "fremd"))  # as many documents as the other
        folder = backend._fulltext.path
    # A restore that brings the SQLite file of one index and the full-text folder of another.
    for child in folder.iterdir():
        child.unlink()
    for child in (first.parent / (first.name + ".fulltext")).iterdir():
        (folder / child.name).write_bytes(child.read_bytes())
    with EmbeddedBackend(second) as reopened:
        assert _found(reopened, "Sonnenhang") == []
        assert sorted(_found(reopened, "fremdwort1")) == ["fremd-1"]


def _write_many(path: str, prefix: str) -> None:
    with EmbeddedBackend(Path(path)) as backend:
        for start in range(0, 60, 10):
            backend.upsert(_numbered(60, prefix)[start : start + 10])
            backend.delete([f"{prefix}-{start}"])


def test_two_processes_writing_at_once_stay_in_step(tmp_path):
    path = tmp_path / "index.sqlite"
    EmbeddedBackend(path).close()
    # Separate interpreters, not multiprocessing: a spawned child re-runs the parent's
    # `__main__`, which an earlier Streamlit AppTest in the same session may have replaced.
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from tests.test_fulltext_index import _write_many; _write_many({str(path)!r}, {prefix!r})",
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for prefix in ("eins", "zwei")
    ]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    with EmbeddedBackend(path) as backend:
        stored = backend.ids()
        assert len(stored) == 2 * 54
        assert backend._fulltext.searcher().num_docs == len(stored)
        assert set(_found(backend, "Vermerk", EVERYONE)) <= stored
        assert backend.search(Query("Vermerk"), EVERYONE).total == len(stored)


def test_folder_facet_below_the_deepest_kept_level(tmp_path):
    deep = "/".join(f"E{level}" for level in range(1, 12))  # 11 levels, the index keeps 10
    docs = [
        replace(doc, path=f"{deep}/{child}/{doc.id}.txt")
        for doc, child in zip(_numbered(3, "tief"), ("A", "A", "B"), strict=True)
    ]
    with EmbeddedBackend(tmp_path / "index.sqlite") as backend:
        backend.upsert(docs)
        facets = backend.search(Query("Vermerk", folder=deep, facets=True), EVERYONE).facets
        assert facets["folder"] == [(f"{deep}/A", 2), (f"{deep}/B", 1)]
        facets = backend.search(Query("Vermerk", folder="E1/E2", facets=True), EVERYONE).facets
        assert facets["folder"] == [("E1/E2/E3", 3)]
