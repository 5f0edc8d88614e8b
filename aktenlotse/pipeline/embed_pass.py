"""The resumable second enrichment pass: chunk vectors for documents that have none.

Full-text indexing never waits for this: the crawler upserts documents, and this pass
counts the documents due (`count_without_vectors`, for the progress display), asks the
backend for `ids_without_vectors`, embeds them in batches and stores the vectors with
`upsert_vectors`. Each batch is durable when stored, so a killed pass loses at most
the batch in flight and a rerun continues with the documents still without vectors.

The pass writes only its own fields (`EmbeddingPass.fields`: vectors, and the Aktenplan
suggestion a refinement changed, as `update_fields` refused when the content moved),
enforced by the Pass contract (`aktenlotse.pipeline.passes`). It never writes a document
whole, so a crawl that changes permissions while the pass runs is never undone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from copy import deepcopy
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.embeddings import Encoder
from aktenlotse.pipeline.passes import VECTORS, OwnFieldsIndex
from aktenlotse.search.backend import ChunkVectors, FieldUpdate, PassIndex
from aktenlotse.search.vector_store import content_key

# Documents fetched per round trip; chunks go to the encoder in `config.batch_size` groups.
DOCS_PER_ROUND = 64
# Encoder inputs between two writes: at the slowest offline encoder (~50 chunks/s on 2
# cores) a group takes well under a minute; one archive cannot stall the pass.
CHUNKS_PER_ROUND = 1024


@dataclass
class EmbedStats:
    """What one pass did. `seconds` is wall time of the whole pass; `encode_seconds`
    the part spent inside the encoder. `due` is how many documents were without vectors
    at the start (at most the limit): what the progress display counts towards."""

    documents: int = 0
    chunks: int = 0
    skipped: int = 0  # documents of sources with embeddings = false, or without text
    seconds: float = 0.0
    encode_seconds: float = 0.0
    longest_round_seconds: float = 0.0  # the longest time between two stored groups
    model: str = ""
    complete: bool = False  # no document without vectors was left
    errors: list[str] = field(default_factory=list)
    due: int = 0

    @property
    def done(self) -> int:
        """Documents finished so far, embedded or marked done without embedding."""
        return self.documents + self.skipped

    @property
    def remaining_seconds(self) -> float | None:
        """The time the documents still due take at the pace so far; None before the first
        stored group (no pace yet). Documents added during the pass are not foreseen."""
        if not self.done or not self.seconds:
            return None
        return max(0, self.due - self.done) * self.seconds / self.done

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "model": self.model,
            "documents": self.documents,
            "chunks": self.chunks,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "encode_seconds": round(self.encode_seconds, 3),
            "longest_round_seconds": round(self.longest_round_seconds, 3),
            "docs_per_s": round(self.docs_per_s, 2),
            "chunks_per_s": round(self.chunks_per_s, 2),
            "complete": self.complete,
            "due": self.due,
        }


class EmbeddingPass:
    """The embedding pass under the Pass contract: owns the chunk vectors and the Aktenplan
    suggestion (`extra.aktenplan`, which `on_vectors` refines). See `run_embedding_pass`."""

    name = "embeddings"
    fields = frozenset({VECTORS, "extra.aktenplan"})

    def __init__(
        self,
        index: PassIndex,
        encoder: Encoder,
        config: EnrichConfig,
        skip_sources: Iterable[str] = (),
        on_vectors: Callable[[Document, np.ndarray], None] | None = None,
    ):
        self.index = index
        self.encoder = encoder
        self.config = config
        self.skip_sources = tuple(skip_sources)
        self.on_vectors = on_vectors

    def run(self, limit: int | None = None, progress: Callable[[EmbedStats], None] | None = None) -> EmbedStats:
        """Embed at most `limit` documents without vectors; `progress` once the documents due
        are counted and after each stored group."""
        return run_embedding_pass(
            self.index, self.encoder, self.config, limit, progress, self.skip_sources, self.on_vectors
        )


def run_embedding_pass(
    backend: PassIndex,
    encoder: Encoder,
    config: EnrichConfig,
    limit: int | None = None,
    progress: Callable[[EmbedStats], None] | None = None,
    skip_sources: Iterable[str] = (),
    on_vectors: Callable[[Document, np.ndarray], None] | None = None,
) -> EmbedStats:
    """Embed documents without vectors of `encoder.name`, at most `limit` of them.

    `on_vectors(doc, chunk_vectors)` may refine a document's `extra` with its vectors (the
    Aktenplan suggestion uses semantic evidence); the keys it changed are stored with
    `update_fields` (skipped when the document's content changed meanwhile), nothing else.

    `skip_sources` are source names whose documents get an empty vectors row (sources
    configured with `embeddings = false`): marked done, never embedded. Chunks of several
    documents share encoder batches, so small documents do not make small batches.

    `progress(stats)` comes once before the first document, with `stats.due` counted
    (a read only), and after each stored group.
    """
    # Whoever calls: the pass writes only the fields EmbeddingPass owns.
    backend = OwnFieldsIndex(backend, EmbeddingPass.name, EmbeddingPass.fields)
    stats = EmbedStats(model=encoder.name)
    skipped_sources = frozenset(skip_sources)
    started = time.perf_counter()
    stats.due = backend.count_without_vectors(encoder.name)
    if limit is not None:
        stats.due = min(stats.due, max(0, limit))
    if progress is not None:
        progress(stats)
    batch_size = max(1, config.batch_size)
    while limit is None or stats.documents + stats.skipped < limit:
        want = DOCS_PER_ROUND if limit is None else min(DOCS_PER_ROUND, limit - stats.documents - stats.skipped)
        ids = backend.ids_without_vectors(encoder.name, want)
        if not ids:
            stats.complete = True
            break
        docs = backend.fetch_untrimmed(ids)
        if not docs:  # deleted in between; ask again
            continue
        items, empty = _chunk_documents(docs, config, skipped_sources)
        backend.upsert_vectors(
            [_vectors_of(doc, encoder.name, np.zeros((0, encoder.dim), np.float32), []) for doc in empty]
        )
        stats.skipped += len(empty)
        for group in _rounds(items, CHUNKS_PER_ROUND):
            # Stored group by group: progress is visible and a restart loses one group at most.
            round_started = time.perf_counter()
            vectors = _encode_all(encoder, [text for item in group for text in item[2]], batch_size, stats)
            results: list[ChunkVectors] = []
            position = 0
            for doc, spans, inputs in group:
                doc_vectors = vectors[position : position + len(inputs)]
                position += len(inputs)
                results.append(_vectors_of(doc, encoder.name, doc_vectors, spans))
            backend.upsert_vectors(results)
            if on_vectors is not None:
                backend.update_fields(_refinements(group, vectors, on_vectors))
            stats.documents += len(group)
            stats.chunks += sum(len(item[1]) for item in group)
            stats.longest_round_seconds = max(stats.longest_round_seconds, time.perf_counter() - round_started)
            stats.seconds = time.perf_counter() - started
            if progress is not None:
                progress(stats)
    stats.seconds = time.perf_counter() - started
    return stats


def _rounds(items: list, max_chunks: int) -> Iterator[list]:
    """Consecutive groups of chunked documents with at most `max_chunks` encoder inputs
    each (a document with more is a group of its own: it is bounded by enrich.max_chunks)."""
    group: list = []
    count = 0
    for item in items:
        if group and count + len(item[2]) > max_chunks:
            yield group
            group, count = [], 0
        group.append(item)
        count += len(item[2])
    if group:
        yield group


def _refinements(
    items: Sequence[tuple[Document, Any, Sequence[str]]],
    vectors: np.ndarray,
    on_vectors: Callable[[Document, np.ndarray], None],
) -> list[FieldUpdate]:
    """The extra keys `on_vectors` changed per document, as partial updates."""
    updates = []
    position = 0
    for doc, _spans, inputs in items:
        scratch = replace(doc, extra=deepcopy(doc.extra))
        on_vectors(scratch, vectors[position : position + len(inputs)])
        position += len(inputs)
        changed = {key: value for key, value in scratch.extra.items() if doc.extra.get(key) != value}
        changed.update({key: None for key in doc.extra if key not in scratch.extra})
        if changed:
            updates.append(FieldUpdate(doc.id, {"extra": changed}, content_key(doc.content_hash, doc.title, doc.text)))
    return updates


def _vectors_of(doc: Document, model: str, vectors: np.ndarray, spans: list[tuple[int, int]]) -> ChunkVectors:
    # The document stays without vectors if its text changed meanwhile; the next pass embeds the new text.
    return ChunkVectors(doc.id, model, vectors, spans, content_key(doc.content_hash, doc.title, doc.text))


def _chunk_documents(
    docs: Sequence[Document], config: EnrichConfig, skipped_sources: frozenset[str]
) -> tuple[list[tuple[Document, list[tuple[int, int]], list[str]]], list[Document]]:
    items = []
    empty = []
    for doc in docs:
        if doc.source in skipped_sources:
            empty.append(doc)
            continue
        spans, inputs = document_chunks(doc.title, doc.text, config)
        if not inputs:
            empty.append(doc)
            continue
        if not spans:  # title only: a zero-length span marks "no text to show"
            spans = [(0, 0)]
        items.append((doc, spans, inputs))
    return items, empty


def _encode_all(encoder: Encoder, texts: list[str], batch_size: int, stats: EmbedStats) -> np.ndarray:
    if not texts:
        return np.zeros((0, encoder.dim), np.float32)
    parts = []
    for start in range(0, len(texts), batch_size):
        began = time.perf_counter()
        parts.append(encoder.encode(texts[start : start + batch_size]))
        stats.encode_seconds += time.perf_counter() - began
    return np.concatenate(parts)
