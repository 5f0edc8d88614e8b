"""The conformance suite on the embedded SQLite backend, plus what only it has."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from aktenlotse.search.backend import BackendError, Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.embedded_schema import unpack_terms
from tests.backend_conformance import BackendConformance
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, ids_of


class TestEmbeddedConformance(BackendConformance):
    @pytest.fixture
    def backend(self, tmp_path):
        backend = EmbeddedBackend(tmp_path / "index.db")
        yield backend
        backend.close()


def test_persists_across_reopen(tmp_path):
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(list(CORPUS))
    with EmbeddedBackend(tmp_path / "index.db") as reopened:
        assert reopened.ids() == set(BY_ID)
        assert ids_of(reopened.search(Query("Lindenweg"), BAUAMT)) == ["bau-1"]


def test_uses_wal(tmp_path):
    with EmbeddedBackend(tmp_path / "index.db"):
        mode = sqlite3.connect(tmp_path / "index.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_reader_in_other_connection_while_writing(tmp_path):
    writer = EmbeddedBackend(tmp_path / "index.db")
    reader = EmbeddedBackend(tmp_path / "index.db")
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(30):
                reader.search(Query("Antrag"), BAUAMT)
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    for _ in range(10):
        writer.upsert(list(CORPUS))
    thread.join()
    assert errors == []
    assert reader.ids() == set(BY_ID)
    writer.close()
    reader.close()


def test_closed_backend_raises_backend_error(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.db")
    backend.close()
    with pytest.raises(BackendError):
        backend.search(Query("Antrag"), BAUAMT)


def test_unreadable_index_is_backend_error(tmp_path):
    path = tmp_path / "index.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackendError) as caught:
        EmbeddedBackend(path)
    assert "Suchindex" in str(caught.value)


def test_fills_terms_from_text(tmp_path):
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert([BY_ID["kaem-1"]])
        stored = sqlite3.connect(tmp_path / "index.db").execute("SELECT terms, title_terms FROM docs").fetchone()
    row = [unpack_terms(value) for value in stored]
    assert "hundesteuer" in row[0].split() and "hund" in row[0].split()
    assert "hundesteuersatzung" in row[1].split()
