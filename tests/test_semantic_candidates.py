"""Semantic candidates from the in-memory copy of permissions (`vector_permissions`): never
more than the visibility SQL allows, never fewer than a search over every visible document."""

from __future__ import annotations

import random
import zlib

import numpy as np

from aktenlotse.core.visibility import NOBODY, permissions
from aktenlotse.search.backend import ChunkVectors, Query
from aktenlotse.search.backend_common import semantic_floor
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.embedded_semantic import semantic_side
from aktenlotse.search.vector_store import content_key, decode_vectors, encode_vectors
from tests.conformance_corpus import BAUAMT, ids_of
from tests.sample_documents import sample_document

DIM = 16
GROUPS = ("everyone", "group:bauamt", "group:kaemmerei", "user:mueller")
FOLDERS = ("Bauamt/2021", "Bauamt/2024", "Kaemmerei", "Ordnungsamt")


def _corpus(n: int, seed: int = 7) -> tuple[list, list[ChunkVectors], dict[str, np.ndarray]]:
    rng = random.Random(seed)
    docs, vectors, chunks_of = [], [], {}
    # Vectors near one direction: a band of many documents, so the band is wider than
    # hybrid.DEPTH and the cut to "band or top DEPTH" is exercised.
    axis = np.ones(DIM, dtype=np.float32)
    for i in range(n):
        folder = FOLDERS[i % len(FOLDERS)]
        allow = (rng.choice(GROUPS),)
        doc = sample_document(
            f"d{i:04d}",
            f"{folder}/akte{i}.pdf",
            f"Akte {i}",
            f"Vorgang {i} im {folder}",
            source="share",
            year=2020 + i % 5,
            size=100,
            allow=allow,
            deny=("user:mueller",) if i % 11 == 0 else (),
        )
        docs.append(doc)
        count = 1 + i % 3
        raw = np.asarray([axis + np.asarray([rng.gauss(0, 1.2) for _ in range(DIM)]) for _ in range(count)])
        unit = (raw / np.linalg.norm(raw, axis=1, keepdims=True)).astype(np.float32)
        # The reference scores what the index stores (int8), so near ties order alike.
        chunks_of[doc.id] = decode_vectors(encode_vectors(unit), count, DIM)
        spans = [(10 * k, 10 * k + 9) for k in range(count)]
        vectors.append(ChunkVectors(doc.id, "test", unit, spans, content_key(doc.content_hash, doc.title, doc.text)))
    return docs, vectors, chunks_of


def _query(text: str = "Vorgang", **filters) -> Query:
    rng = np.random.default_rng(zlib.crc32(text.encode()))
    vector = np.ones(DIM) + rng.normal(0, 0.8, DIM)
    return Query(text, mode="semantic", limit=10, vector=tuple(float(x) for x in vector), **filters)


def _reference(docs, chunks_of, query: Query, principals: list[str]) -> tuple[int, list[str]]:
    """Total and top ids computed here from the stored vectors and `may_read` alone."""
    unit = np.asarray(query.vector, dtype=np.float32)
    unit /= np.linalg.norm(unit)

    def score(doc_id: str) -> float:
        # In float32 as the index computes it, so that near ties and the floor fall alike.
        ranked = np.sort(chunks_of[doc_id] @ unit)[::-1]
        best, second = ranked[:1], ranked[1:2] if len(ranked) > 1 else ranked[:1]
        return float((best + 0.3 * (second - best))[0])

    # Readable: one allowed principal held, no denied one (the fixture's ACLs are that simple).
    visible = {d.id: score(d.id) for d in docs if set(d.allow) & set(principals) and not set(d.deny) & set(principals)}
    floor = semantic_floor(max(visible.values()))
    chosen = {
        doc_id: value
        for doc_id, value in visible.items()
        if value >= floor and (query.folder is None or doc_id in {d.id for d in docs if d.folder == query.folder})
    }
    return len(chosen), [doc_id for doc_id, _ in sorted(chosen.items(), key=lambda kv: -kv[1])[:10]]


def test_semantic_total_and_order_follow_the_ground_truth(tmp_path):
    docs, vectors, chunks_of = _corpus(400)
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(docs)
        backend.upsert_vectors(vectors)
        totals = []
        for principals in (BAUAMT, ["everyone", "authenticated", "user:mueller"], ["everyone"]):
            for query in (_query("a"), _query("b"), _query("c", folder="Kaemmerei")):
                total, top = _reference(docs, chunks_of, query, principals)
                hits = backend.search(query, principals)
                assert hits.total == total
                assert ids_of(hits) == top
                totals.append(total)
        assert max(totals) > 100  # a band wider than hybrid.DEPTH: the cut to band or top DEPTH is in play


def test_fast_candidates_and_the_sql_listing_give_the_same_rows(tmp_path):
    docs, vectors, _ = _corpus(300, seed=11)
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(docs)
        backend.upsert_vectors(vectors)
        connection = backend._connection()
        matrix = backend._vectors.matrix_for(connection, DIM)
        copy = backend._vector_permissions.for_matrix(connection, matrix)
        for principals in (BAUAMT, ["everyone", "authenticated", "user:mueller"], ["nobody"]):
            sets = backend._visible_sets(connection, principals)
            for query in (_query("x"), _query("y", folder="Bauamt/2024"), _query("z", years=(2021, 2023))):
                unit = np.asarray(query.vector, dtype=np.float32)
                unit /= np.linalg.norm(unit)
                fast = semantic_side(connection, matrix, copy, unit, query, sets, set())
                listed = semantic_side(connection, matrix, None, unit, query, sets, set())
                assert fast == listed


def test_a_stale_copy_never_shows_a_hidden_document(tmp_path):
    docs, vectors, _ = _corpus(120, seed=3)
    everyone = ["everyone", "authenticated", "group:bauamt", "group:kaemmerei"]
    with EmbeddedBackend(tmp_path / "index.db") as backend, EmbeddedBackend(tmp_path / "index.db") as crawler:
        backend.upsert(docs)
        backend.upsert_vectors(vectors)
        connection = backend._connection()
        matrix = backend._vectors.matrix_for(connection, DIM)
        stale = backend._vector_permissions.for_matrix(connection, matrix)
        query = _query("q")
        unit = np.asarray(query.vector, dtype=np.float32) / np.linalg.norm(query.vector)
        sets = backend._visible_sets(connection, everyone)
        before, _, _ = semantic_side(connection, matrix, stale, unit, query, sets, set())
        best = [row[2] for row in before[:3]]
        crawler.set_permissions(best, NOBODY)  # another process hides the three best
        after, _, anchor = semantic_side(connection, matrix, stale, unit, query, sets, set())
        assert not {row[2] for row in after} & set(best)
        assert after == semantic_side(connection, matrix, None, unit, query, sets, set())[0]
        assert anchor is not None and anchor < before[0][1]  # the hidden best no longer sets the band


def test_a_reader_follows_permission_changes_of_another_process(tmp_path):
    docs, vectors, _ = _corpus(60, seed=5)
    target = docs[0]
    with EmbeddedBackend(tmp_path / "index.db") as portal, EmbeddedBackend(tmp_path / "index.db") as crawler:
        crawler.upsert(docs)
        crawler.upsert_vectors(vectors)
        unit = vectors[0].vectors[0]
        query = Query("x", mode="semantic", limit=5, vector=tuple(float(x) for x in unit))
        crawler.set_permissions([target.id], permissions(["group:kaemmerei"]))
        assert target.id not in ids_of(portal.search(query, BAUAMT))
        crawler.set_permissions([target.id], permissions(["group:bauamt"]))  # access granted
        assert ids_of(portal.search(query, BAUAMT))[0] == target.id
        crawler.set_permissions([target.id], NOBODY)
        assert target.id not in ids_of(portal.search(query, BAUAMT))
