"""The Pass contract: each second pass names the fields it owns and can write no other.

Against the real embedded index and the real offline encoder."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aktenlotse.core.config import Config, EnrichConfig, SourceConfig
from aktenlotse.core.records import Document
from aktenlotse.pipeline.embed_pass import EmbeddingPass, run_embedding_pass
from aktenlotse.pipeline.ocr_pass import OcrPass, OcrStats
from aktenlotse.pipeline.passes import VECTORS, OwnFieldsIndex, PassFieldError, check_fields, run_passes
from aktenlotse.search.backend import ChunkVectors, FieldUpdate
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.vector_store import content_key
from aktenlotse.stores.statedb import StateDB
from tests.conformance_corpus import BY_ID, CORPUS, shared_encoder

SMALL = EnrichConfig(chunk_words=50, chunk_overlap=10, batch_size=4)
EVERYONE_DOC = "bau-1"


def _key(doc: Document) -> str:
    return content_key(doc.content_hash, doc.title, doc.text)


@pytest.fixture
def backend(tmp_path):
    with EmbeddedBackend(tmp_path / "index.db") as index:
        index.upsert([replace(d, extra={"keywords": ["Bauantrag"]}) for d in CORPUS])
        yield index


def test_the_passes_own_disjoint_fields_and_nothing_of_the_crawl() -> None:
    assert EmbeddingPass.fields == {VECTORS, "extra.aktenplan"}
    assert OcrPass.fields == {"text", "terms", "language", "pages", "extra.ocr"}
    assert not EmbeddingPass.fields & OcrPass.fields
    for crawl_field in ("allow", "deny", "require", "path", "content_hash", "extra"):
        with pytest.raises(PassFieldError, match="belong to the crawl"):
            check_fields("neu", {crawl_field})


def test_an_update_outside_the_own_fields_is_refused_whole(backend) -> None:
    ocr = OwnFieldsIndex(backend, OcrPass.name, OcrPass.fields)
    doc = BY_ID[EVERYONE_DOC]
    with pytest.raises(PassFieldError, match=r"ocr: does not own \['extra.aktenplan'\]"):
        ocr.update_fields(
            [
                FieldUpdate(doc.id, {"extra": {"ocr": "done"}}, _key(doc)),
                FieldUpdate(doc.id, {"extra": {"aktenplan": [{"code": "632"}]}}, _key(doc)),
            ]
        )
    assert "ocr" not in backend.fetch_untrimmed([doc.id])[0].extra  # nothing of the batch was written
    assert ocr.update_fields([FieldUpdate(doc.id, {"extra": {"ocr": "done"}}, _key(doc))]) == [doc.id]
    stored = backend.fetch_untrimmed([doc.id])[0]
    assert stored.extra["ocr"] == "done" and stored.extra["keywords"] == ["Bauantrag"]


def test_vectors_only_for_the_pass_that_owns_them(backend) -> None:
    ocr = OwnFieldsIndex(backend, OcrPass.name, OcrPass.fields)
    encoder = shared_encoder()
    with pytest.raises(PassFieldError, match="does not own vectors"):
        run_embedding_pass(ocr, encoder, SMALL)  # the embedding pass writes vectors whoever wraps it
    with pytest.raises(PassFieldError, match="does not own vectors"):
        OwnFieldsIndex(backend, "ocr", OcrPass.fields).upsert_vectors(
            [ChunkVectors(EVERYONE_DOC, encoder.name, np.zeros((0, encoder.dim), np.float32), [], "")]
        )


def test_a_refinement_that_changes_a_foreign_field_is_refused(backend) -> None:
    encoder = shared_encoder()

    def rewrites_keywords(doc: Document, vectors: np.ndarray) -> None:
        doc.extra["aktenplan"] = [{"code": "632", "score": 1.0}]
        doc.extra["keywords"] = ["überschrieben"]  # the inline enrichment's field

    with pytest.raises(PassFieldError, match=r"embeddings: does not own \['extra.keywords'\]"):
        EmbeddingPass(backend, encoder, SMALL, on_vectors=rewrites_keywords).run()
    assert all(d.extra["keywords"] == ["Bauantrag"] for d in backend.fetch_untrimmed(sorted(backend.ids())))
    assert not any("aktenplan" in d.extra for d in backend.fetch_untrimmed(sorted(backend.ids())))


def test_run_passes_gives_figures_by_name_and_progress_per_pass(backend, tmp_path) -> None:
    encoder = shared_encoder()
    refined: list[str] = []

    def refine(doc: Document, vectors: np.ndarray) -> None:
        refined.append(doc.id)
        doc.extra["aktenplan"] = [{"code": "632", "score": round(float(vectors.mean()), 3)}]

    seen: list[int] = []
    config = Config(data_dir=tmp_path, sources=(SourceConfig(name="daten", root=tmp_path, ocr=False),))
    state = StateDB(tmp_path / "state.sqlite")
    try:
        passes = [
            EmbeddingPass(backend, encoder, SMALL, on_vectors=refine),
            OcrPass(config, state, backend, extractor=object(), sources={}),  # type: ignore[arg-type]
        ]
        results = run_passes(passes, progress={"embeddings": lambda stats: seen.append(stats.documents)})
    finally:
        state.close()
    assert results["embeddings"]["documents"] == len(CORPUS) and results["embeddings"]["complete"]
    assert results["ocr"] == OcrStats().as_dict()  # no source with ocr = true
    assert seen and seen[-1] == len(CORPUS)
    assert sorted(refined) == sorted(d.id for d in CORPUS)
    assert all(d.extra["aktenplan"][0]["code"] == "632" for d in backend.fetch_untrimmed(sorted(backend.ids())))


def test_two_passes_claiming_one_field_are_refused_before_either_runs(backend) -> None:
    encoder = shared_encoder()
    twice = [EmbeddingPass(backend, encoder, SMALL), EmbeddingPass(backend, encoder, SMALL)]
    with pytest.raises(PassFieldError, match="owned by both"):
        run_passes(twice)
    assert len(backend.ids_without_vectors(encoder.name, 100)) == len(CORPUS)


def test_an_ocr_source_without_a_source_object_is_an_error_not_a_silent_skip(tmp_path, backend) -> None:
    config = Config(data_dir=tmp_path, sources=(SourceConfig(name="scans", root=tmp_path, ocr=True),))
    state = StateDB(tmp_path / "state.sqlite")
    try:
        stats = OcrPass(config, state, backend, extractor=object(), sources={}).run()  # type: ignore[arg-type]
    finally:
        state.close()
    assert stats.errors == 1 and stats.messages == ["scans: Quelle nicht geöffnet, keine OCR"]
