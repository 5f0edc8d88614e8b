"""The resumable embedding pass, `aktenlotse enrich`, and what only the embedded vector store has."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import replace

import numpy as np

from aktenlotse.cli.main import main
from aktenlotse.core.config import EnrichConfig
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.backend import ChunkVectors, Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.hybrid import LEXICAL_WEIGHT, fuse, rrf
from aktenlotse.search.vector_store import content_key, decode_vectors
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, ids_of, query_vector, shared_encoder

SMALL = EnrichConfig(chunk_words=50, chunk_overlap=10, batch_size=4)
PARKEN = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"


def test_pass_stops_after_limit_and_rerun_completes(tmp_path):
    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(list(CORPUS))
        first = run_embedding_pass(backend, encoder, SMALL, limit=4)
        assert first.documents == 4 and not first.complete
        assert len(backend.ids_without_vectors(encoder.name, 100)) == len(CORPUS) - 4
    # A new process (a rerun after a kill) continues with what is left.
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        seen: list[int] = []
        second = run_embedding_pass(backend, encoder, SMALL, progress=lambda s: seen.append(s.documents))
        assert second.documents == len(CORPUS) - 4 and second.complete
        assert seen and seen[-1] == second.documents
        assert backend.ids_without_vectors(encoder.name, 100) == []
        assert run_embedding_pass(backend, encoder, SMALL).documents == 0
        assert backend.stats()["vectors"][encoder.name]["documents"] == len(CORPUS)
        assert second.chunks_per_s > 0 and second.docs_per_s > 0


def test_pass_counts_what_is_due_before_the_first_document(tmp_path):
    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(list(CORPUS))
        seen: list[tuple[int, int, float | None]] = []
        first = run_embedding_pass(
            backend, encoder, SMALL, limit=4, progress=lambda s: seen.append((s.due, s.done, s.remaining_seconds))
        )
        assert first.due == 4 and first.as_dict()["due"] == 4
        assert seen[0] == (4, 0, None)  # counted before anything is embedded: no pace yet
        assert seen[-1][:2] == (4, 4) and seen[-1][2] == 0
        assert len(backend.ids_without_vectors(encoder.name, 100)) == len(CORPUS) - 4  # the count wrote nothing
        second = run_embedding_pass(backend, encoder, SMALL, skip_sources=["mail"])
        assert second.due == len(CORPUS) - 4 == second.done and second.complete
        assert run_embedding_pass(backend, encoder, SMALL).due == 0


def test_sources_without_embeddings_are_skipped(tmp_path):
    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(list(CORPUS))
        stats = run_embedding_pass(backend, encoder, SMALL, skip_sources=["mail"])
        assert stats.skipped == 1 and stats.documents == len(CORPUS) - 1 and stats.complete
        hits = backend.search(
            Query(
                "Einspruch gegen einen Bescheid", mode="semantic", vector=query_vector("Einspruch gegen einen Bescheid")
            ),
            BAUAMT,
        )
        assert "az-2" not in ids_of(hits)


def test_empty_documents_are_marked_done(tmp_path):
    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(
            [
                replace(BY_ID["ord-1"], text="", title=""),
                replace(BY_ID["bau-1"], id="t", text="", title="Nur ein Titel"),
            ]
        )
        stats = run_embedding_pass(backend, encoder, SMALL)
        assert stats.complete and stats.skipped == 1 and stats.documents == 1
        assert backend.ids_without_vectors(encoder.name, 10) == []


def test_other_process_sees_new_vectors(tmp_path):
    # The portal keeps its chunk matrix cached; a write by the crawler must reach it.
    encoder = shared_encoder()
    reader = EmbeddedBackend(tmp_path / "index.db")
    with EmbeddedBackend(tmp_path / "index.db") as writer:
        writer.upsert(list(CORPUS))
        query = Query(PARKEN, mode="semantic", vector=query_vector(PARKEN))
        assert ids_of(reader.search(query, BAUAMT)) == []
        run_embedding_pass(writer, encoder, SMALL)
        assert ids_of(reader.search(query, BAUAMT))[0] == "ord-1"
        writer.delete(["ord-1"])
        assert "ord-1" not in ids_of(reader.search(query, BAUAMT))
    reader.close()


def test_vector_of_other_dimension_falls_back(tmp_path):
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(list(CORPUS))
        run_embedding_pass(backend, shared_encoder(), SMALL)
        hits = backend.search(Query("Lindenweg", mode="hybrid", vector=(1.0, 0.0, 0.0)), BAUAMT)
        assert ids_of(hits) == ["bau-1"] and hits.notices


def test_fuse_beats_single_lists_on_agreement_and_keeps_scale():
    lexical = [("a", 12.0), ("b", 11.5), ("c", 3.0)]
    semantic = [("b", 0.62), ("d", 0.55), ("a", 0.30), ("c", 0.29)]
    fused = fuse(lexical, semantic, 10)
    assert fused[0][0] == "b"
    assert {d for d, _ in fused} == {"a", "b", "c", "d"}
    assert all(0.0 <= s <= 1.0 for _, s in fused)
    assert fuse(lexical, [], 2) == [("a", LEXICAL_WEIGHT), ("b", LEXICAL_WEIGHT * 11.5 / 12)]
    assert [d for d, _ in fuse([], semantic, 10)] == ["b", "d", "a", "c"]
    assert fuse([], [], 5) == [] and len(fuse(lexical, semantic, 2)) == 2
    assert rrf(lexical, semantic, 1)[0][0] in {"a", "b"}


def test_enrich_command(tmp_path, monkeypatch, capsys):
    config = tmp_path / "aktenlotse.toml"
    config.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[enrich]\nchunk_words = 50\nchunk_overlap = 10\n', encoding="utf-8"
    )
    with EmbeddedBackend(tmp_path / "data" / "index.sqlite") as backend:
        backend.upsert(list(CORPUS))
    assert main(["--config", str(config), "enrich", "--limit", "3", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["embeddings"]
    assert first["documents"] == 3 and first["complete"] is False and first["model"] == "use-static"
    assert first["due"] == 3  # bounded by --limit
    assert main(["--config", str(config), "enrich"]) == 0
    out = capsys.readouterr().out
    assert "7 Dokumente" in out and "alle Dokumente haben Vektoren" in out


def test_stored_vectors_are_int8_with_scales_and_decode_to_the_encoders_vectors(tmp_path):
    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert([BY_ID["kaem-1"]])
        run_embedding_pass(backend, encoder, SMALL)
    with closing(sqlite3.connect(tmp_path / "index.db")) as connection:
        blob, spans, chunks, dim = connection.execute("SELECT vectors, spans, chunks, dim FROM doc_vectors").fetchone()
    assert dim == encoder.dim and len(blob) == chunks * (dim + 4)  # a byte a component, a float32 scale a chunk
    vectors = decode_vectors(blob, chunks, dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    _, inputs = document_chunks(BY_ID["kaem-1"].title, BY_ID["kaem-1"].text, SMALL)
    exact = encoder.encode(inputs)
    assert np.min(np.sum(vectors * exact, axis=1)) > 0.999
    start, end = np.frombuffer(spans, dtype=np.int32)[:2]
    assert BY_ID["kaem-1"].text[start:end].startswith("Die Hundesteuersatzung")


def test_rows_of_float32_vectors_from_before_int8_are_still_searched(tmp_path):
    """An index written before int8 storage keeps its float32 rows next to new int8 ones."""
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert([BY_ID["bau-1"], BY_ID["kaem-1"]])
        backend.upsert_vectors([_chunk_vectors("bau-1", [1.0, 0.0, 0.0]), _chunk_vectors("kaem-1", [0.0, 1.0, 0.0])])
    with closing(sqlite3.connect(tmp_path / "index.db")) as connection, connection:
        legacy = np.array([[0.0, 0.0, 1.0]], dtype=np.float32)  # as the old format stored it
        connection.execute("UPDATE doc_vectors SET vectors = ? WHERE doc_id = 'kaem-1'", (legacy.tobytes(),))
        connection.execute("UPDATE meta SET value = value + 1 WHERE key = 'vector_generation'")
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        hits = backend.search(Query("x", mode="semantic", vector=(0.0, 0.1, 1.0)), BAUAMT)
        assert ids_of(hits)[0] == "kaem-1"
        hits = backend.search(Query("x", mode="semantic", vector=(1.0, 0.0, 0.1)), BAUAMT)
        assert ids_of(hits)[0] == "bau-1"


def _chunk_vectors(doc_id: str, vector: list[float]) -> ChunkVectors:
    doc = BY_ID[doc_id]
    unit = np.array([vector], dtype=np.float32) / np.linalg.norm(vector)
    return ChunkVectors(doc_id, "test", unit, [(0, 10)], content_key(doc.content_hash, doc.title, doc.text))


def test_vectors_of_a_text_that_changed_meanwhile_are_refused(tmp_path):
    from aktenlotse.pipeline.embed_pass import _vectors_of

    encoder = shared_encoder()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert([BY_ID["ord-1"]])
        stale = _vectors_of(BY_ID["ord-1"], encoder.name, encoder.encode(["Parkausweise"]), [(0, 10)])
        backend.upsert([replace(BY_ID["ord-1"], text="Neuer Text.", content_hash="neu")])
        backend.upsert_vectors([stale])
        assert backend.ids_without_vectors(encoder.name, 10) == ["ord-1"]
