"""The ANN snapshot of the embedded backend (`vector_ann`, `embedded_ann`): as good as exact
search where it matters, trimmed inside the search, current after writes."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from aktenlotse.cli.main import main
from aktenlotse.core.visibility import permissions
from aktenlotse.search import vector_ann
from aktenlotse.search.backend import ChunkVectors, Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.vector_ann import snapshot_dir
from aktenlotse.search.vector_store import content_key
from tests.conformance_corpus import BAUAMT, CORPUS, ids_of, query_vector
from tests.sample_documents import sample_document
from tests.test_semantic_candidates import _reference

DIM = 32
READERS = (BAUAMT, ["everyone", "authenticated", "group:kaemmerei"], ["everyone", "authenticated", "user:mueller"])


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def _doc(i: int, allow: str):
    return sample_document(
        f"d{i:05d}", f"Akten/{i % 7}/akte{i}.pdf", f"Akte {i}", f"Vorgang {i}", source="share", size=100, allow=(allow,)
    )


def _vectors(doc, unit: np.ndarray) -> ChunkVectors:
    spans = [(10 * k, 10 * k + 9) for k in range(len(unit))]
    return ChunkVectors(doc.id, "test", unit, spans, content_key(doc.content_hash, doc.title, doc.text))


def _clustered(n: int, seed: int = 1):
    """Documents of two chunks around 40 topics, readable by one of four groups."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    topics = rng.normal(size=(40, DIM))
    docs, vectors, chunks_of = [], [], {}
    for i in range(n):
        doc = _doc(i, pick.choice(("everyone", "group:bauamt", "group:kaemmerei", "user:mueller")))
        unit = _unit(topics[i % 40] + 0.6 * rng.normal(size=(2, DIM)))
        docs.append(doc)
        vectors.append(_vectors(doc, unit))
        chunks_of[doc.id] = unit
    return docs, vectors, chunks_of, topics


def _query(vector: np.ndarray, **fields) -> Query:
    return Query("x", mode="semantic", limit=10, vector=tuple(float(x) for x in vector), **fields)


@pytest.fixture
def indexed(tmp_path):
    docs, vectors, chunks_of, topics = _clustered(3000)
    backend = EmbeddedBackend(tmp_path / "index.db")
    backend.upsert(docs)
    backend.upsert_vectors(vectors)
    built = backend.refresh_vector_index("test", force=True)
    assert built is not None and built["documents"] == 3000 and built["chunks"] == 6000
    yield backend, docs, chunks_of, topics
    backend.close()


def test_snapshot_finds_what_exact_search_finds(indexed):
    backend, docs, chunks_of, topics = indexed
    rng = np.random.default_rng(9)
    overlaps = []
    for principals in READERS:
        for topic in range(0, 40, 4):
            query = _query(topics[topic] + 0.3 * rng.normal(size=DIM))
            _, exact_top = _reference(docs, chunks_of, query, principals)
            hits = backend.search(query, principals)
            overlaps.append(len(set(ids_of(hits)) & set(exact_top)) / len(exact_top))
            allowed = {d.id for d in docs if d.allow[0] in principals}
            assert set(ids_of(hits)) <= allowed  # ground truth: the ACL each document was given
    assert (
        backend._ann.snapshot(backend._connection(), "test", DIM) is not None
    )  # the snapshot answered, not the matrix
    assert np.mean(overlaps) >= 0.9, overlaps


def test_hidden_documents_never_take_a_visible_ones_place(tmp_path):
    rng = np.random.default_rng(3)
    target = _unit(rng.normal(size=DIM))
    docs = [_doc(i, "group:kaemmerei") for i in range(2000)]
    vectors = [_vectors(doc, _unit(target + 0.05 * rng.normal(size=(1, DIM)))) for doc in docs]
    far = _doc(5000, "group:bauamt")  # the one document Bauamt may read: far from the query
    docs.append(far)
    vectors.append(_vectors(far, _unit(target + 0.3 * rng.normal(size=(1, DIM)))))  # cosine ~0.6, the rest ~0.99
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(docs)
        backend.upsert_vectors(vectors)
        backend.refresh_vector_index("test", force=True)
        hits = backend.search(_query(target), ["authenticated", "group:bauamt"])
        assert ids_of(hits) == [far.id] and hits.total == 1


def test_writes_after_the_snapshot_count_at_once(indexed):
    backend, docs, chunks_of, topics = indexed
    query = _query(topics[5])
    before = ids_of(backend.search(query, BAUAMT))
    newcomer = _doc(9000, "group:bauamt")
    backend.upsert([newcomer])
    backend.upsert_vectors([_vectors(newcomer, _unit(topics[5][None, :]))])
    assert ids_of(backend.search(query, BAUAMT))[0] == newcomer.id  # the delta, scored exactly
    backend.delete([newcomer.id, before[0]])
    after = ids_of(backend.search(query, BAUAMT))
    assert newcomer.id not in after and before[0] not in after
    moved_on = next(d for d in docs if d.id == before[1])  # re-embedded far away from the query
    backend.upsert_vectors([_vectors(moved_on, _unit(-topics[5][None, :]))])
    assert before[1] not in ids_of(backend.search(query, BAUAMT))
    assert ids_of(backend.search(query, BAUAMT))[:3] == [i for i in before if i not in (before[0], before[1])][:3]


def test_filters_and_permission_changes_apply_to_the_snapshot(indexed):
    backend, docs, _, topics = indexed
    query = _query(topics[2], folder="Akten/3")
    hits = backend.search(query, BAUAMT)
    assert hits.hits and all(h.path.startswith("Akten/3/") for h in hits.hits)
    first = hits.hits[0].id
    backend.set_permissions([first], permissions(["group:kaemmerei"]))
    assert first not in ids_of(backend.search(query, BAUAMT))


def test_a_reader_switches_to_the_rebuilt_snapshot(tmp_path):
    docs, vectors, _, topics = _clustered(600, seed=4)
    with EmbeddedBackend(tmp_path / "index.db") as portal, EmbeddedBackend(tmp_path / "index.db") as enrich:
        enrich.upsert(docs)
        enrich.upsert_vectors(vectors)
        exact = ids_of(portal.search(_query(topics[1]), BAUAMT))
        assert portal._ann.snapshot(portal._connection(), "test", DIM) is None
        assert enrich.refresh_vector_index("test") is None  # 1,200 chunks: exact search is enough
        enrich.refresh_vector_index("test", force=True)
        assert portal._ann.snapshot(portal._connection(), "test", DIM) is not None
        assert ids_of(portal.search(_query(topics[1]), BAUAMT))[:5] == exact[:5]
        enrich.refresh_vector_index("test", force=True)  # again: the old files go, the reader follows
        assert len(list(snapshot_dir(tmp_path / "index.db").glob("*.faiss"))) == 1
        assert ids_of(portal.search(_query(topics[1]), BAUAMT))[:5] == exact[:5]


def test_enrich_builds_the_vector_index_when_due(tmp_path, monkeypatch, capsys):
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    with EmbeddedBackend(tmp_path / "data" / "index.sqlite") as backend:
        backend.upsert(list(CORPUS))
    monkeypatch.setattr(vector_ann, "ANN_MIN_CHUNKS", 1)  # the corpus is small; the rule is the same
    assert main(["--config", str(config), "enrich"]) == 0
    assert f"Vektorindex neu aufgebaut: {len(CORPUS)} Dokumente" in capsys.readouterr().out
    assert list(snapshot_dir(tmp_path / "data" / "index.sqlite").glob("use-static.*.faiss"))
    assert main(["--config", str(config), "enrich", "--json"]) == 0
    assert "vector_index" not in capsys.readouterr().out  # nothing new: not due
    assert main(["--config", str(config), "enrich", "--rebuild-vector-index", "--json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)["vector_index"]
    assert rebuilt["documents"] == len(CORPUS) and rebuilt["chunks"] >= len(CORPUS)
    with EmbeddedBackend(tmp_path / "data" / "index.sqlite") as backend:
        query = Query("Parken vor der Wohnung", mode="semantic", vector=query_vector("Parken vor der Wohnung"))
        assert ids_of(backend.search(query, BAUAMT))[0] == "ord-1"  # answered by the snapshot
        assert backend._ann.snapshot(backend._connection(), "use-static", 512) is not None


def test_an_index_restored_from_before_the_snapshot_ignores_it(tmp_path):
    docs, vectors, _, topics = _clustered(400, seed=8)
    index = tmp_path / "index.db"
    with EmbeddedBackend(index) as backend:
        backend.upsert(docs[:200])
        backend.upsert_vectors(vectors[:200])
        exact = ids_of(backend.search(_query(topics[3]), BAUAMT))
        with sqlite3.connect(tmp_path / "backup.db") as copy:
            backend._connection().backup(copy)  # the backup, taken before the rest came
        backend.upsert(docs[200:])
        backend.upsert_vectors(vectors[200:])
        backend.refresh_vector_index("test", force=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index}{suffix}").unlink(missing_ok=True)
    (tmp_path / "backup.db").rename(index)
    with EmbeddedBackend(index) as restored:
        assert restored._ann.snapshot(restored._connection(), "test", DIM) is None
        assert ids_of(restored.search(_query(topics[3]), BAUAMT)) == exact
        assert restored.refresh_vector_index("test", force=True) is not None
        assert restored._ann.snapshot(restored._connection(), "test", DIM) is not None


def test_the_last_written_document_re_embedded_after_the_snapshot_is_found(tmp_path):
    # SQLite gives a new row the highest rowid + 1: rewriting the row that held the highest
    # rowid must still land above the snapshot's bound, or it would be in neither part.
    docs, vectors, _, topics = _clustered(300, seed=6)
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(docs)
        backend.upsert_vectors(vectors)
        backend.refresh_vector_index("test", force=True)
        last = docs[-1]
        target = np.zeros(DIM, dtype=np.float32)
        target[0] = 1.0
        backend.set_permissions([last.id], permissions(["group:bauamt"]))
        backend.upsert_vectors([_vectors(last, target[None, :])])
        assert ids_of(backend.search(_query(target), BAUAMT))[0] == last.id
