"""Chunk vectors inside the embedded index's SQLite file, searched by brute-force cosine.

Storage: one row per (document, model) in `doc_vectors`: the chunk vectors as one blob
(see `encode_vectors`: int8 per chunk with its float32 scale, ~dim + 4 bytes a chunk instead
of 4 x dim; rows written before hold plain float32 and stay readable, the blob's length
says which), their (start, end) character spans as an int32 blob,
and the `content_key` of the text they were computed from. A re-upsert of the document
with another content key drops the row (the text changed); a move or a permission change
keeps it. A row with zero chunks marks a document as done without vectors (empty text, a
source with `embeddings = false`), so the resumable pass does not pick it up again.

Search: per model, one float32 matrix of all chunks in memory (about 200 MB for 100k
chunks of 512 dimensions; the int8 rows are expanded and normalised again on load),
reloaded when `meta.vector_generation` moves (any vector write, by any process). A query
scores every chunk with one matrix-vector product and folds chunk scores to documents;
`embedded_semantic` keeps only the caller's visible documents' scores, so an invisible
document's vectors never influence a result.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from aktenlotse.search import meta_counters

SCHEMA = """
CREATE TABLE IF NOT EXISTS doc_vectors (
    doc_id TEXT NOT NULL,
    model TEXT NOT NULL,
    content_key TEXT NOT NULL,
    dim INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    spans BLOB NOT NULL,
    vectors BLOB NOT NULL,
    PRIMARY KEY (doc_id, model)
);
CREATE INDEX IF NOT EXISTS doc_vectors_model ON doc_vectors(model);
INSERT OR IGNORE INTO meta(key, value) VALUES ('vector_generation', '0');
"""

# How chunk scores become a document score: the best chunk, plus a small share of the
# second best (a document that answers in two places is a little more likely the one;
# measured against plain max in docs/evaluation-search.md).
SECOND_CHUNK_WEIGHT = 0.3
# How `encode_vectors` stores chunk vectors (a benchmark keys its cached indexes by it).
STORED_FORM = "int8"
# "Document d has no vectors of the model" (one parameter): listing and counting the due
# documents share it, so the embedding pass's total is what its listing walks through.
_WITHOUT_VECTORS = "NOT EXISTS (SELECT 1 FROM doc_vectors v WHERE v.doc_id = d.id AND v.model = ?)"


def encode_vectors(vectors: np.ndarray) -> bytes:
    """The stored form of L2-normalised chunk vectors (chunks x dim): each chunk as int8
    (symmetric, its largest component at 127) after all chunks' float32 scales. Cosines
    change by about 1e-3, below what orders search results (docs/evaluation.md), for a
    quarter of the bytes."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.size == 0:
        return b""
    scales = np.abs(vectors).max(axis=1) / 127.0
    safe = np.where(scales > 0, scales, 1.0).astype(np.float32)
    quantized = np.clip(np.rint(vectors / safe[:, None]), -127, 127).astype(np.int8)
    return scales.astype(np.float32).tobytes() + quantized.tobytes()


def decode_vectors(blob: bytes, chunks: int, dim: int) -> np.ndarray:
    """Chunk vectors (chunks x dim, float32, unit length) from either stored form: plain
    float32 (rows of indexes written before int8) or `encode_vectors`'s."""
    if len(blob) == chunks * dim * 4:
        return np.frombuffer(blob, dtype=np.float32).reshape(chunks, dim)
    if len(blob) != chunks * (dim + 4):
        raise ValueError(f"vector blob of {len(blob)} bytes fits neither form for {chunks} x {dim}")
    scales = np.frombuffer(blob, dtype=np.float32, count=chunks)
    quantized = np.frombuffer(blob, dtype=np.int8, offset=chunks * 4).reshape(chunks, dim)
    vectors = quantized.astype(np.float32) * scales[:, None]
    # Normalised again, so a score stays a cosine (the rounding shortens or lengthens a vector).
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def content_key(content_hash: str | None, title: str, text: str) -> str:
    """What the vectors of a document depend on: the file's content hash, or (for
    documents without one, e.g. wiki pages) a hash of title and text."""
    if content_hash:
        return content_hash
    digest = hashlib.sha1(f"{title}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"text:{digest}"


@dataclass
class ChunkMatrix:
    """All chunks of one model: rows grouped by document, documents in `ids` order."""

    model: str
    dim: int
    generation: str
    ids: list[str]
    index: dict[str, int]  # doc id -> position in ids
    offsets: np.ndarray  # first chunk row per document (int64)
    counts: np.ndarray  # chunks per document (int64)
    vectors: np.ndarray  # (chunks, dim) float32
    spans: np.ndarray  # (chunks, 2) int64

    def doc_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, best chunk row) per document in `ids` order."""
        if not self.ids:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        chunk_scores = self.vectors @ query
        return fold_chunk_scores(chunk_scores, self.offsets, self.counts)


@dataclass
class StoredChunks:
    """Chunks of some documents as `VectorStore.chunks_of` read them, grouped per document."""

    ids: list[str]
    counts: np.ndarray  # chunks per document (int64)
    vectors: np.ndarray  # (chunks, dim) float32, unit length
    spans: np.ndarray  # (chunks, 2) int64

    def doc_scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, best chunk row) per document in `ids` order, as `ChunkMatrix` folds them."""
        offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        return fold_chunk_scores(self.vectors @ query, offsets, self.counts)


def fold_chunk_scores(
    chunk_scores: np.ndarray, offsets: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Documents' scores from their chunks' scores (rows grouped per document, every
    document with at least one chunk): max + SECOND_CHUNK_WEIGHT * second best."""
    best = np.maximum.reduceat(chunk_scores, offsets)
    # Best chunk row per document: the first row of the document equal to its max.
    owner = np.repeat(np.arange(len(offsets)), counts)
    is_best = chunk_scores >= best[owner]
    rows = np.flatnonzero(is_best)
    first = np.full(len(offsets), -1, dtype=np.int64)
    first[owner[rows][::-1]] = rows[::-1]
    if SECOND_CHUNK_WEIGHT:
        masked = chunk_scores.copy()
        masked[first] = -np.inf
        has_second = counts > 1
        second = np.where(has_second, np.maximum.reduceat(masked, offsets), best)
        # (1 - w) * max + w * second: a one-chunk document stays on the scale of max.
        best = best + SECOND_CHUNK_WEIGHT * (second - best)
    return best.astype(np.float32), first


class VectorStore:
    """The vector half of the embedded backend. SQL runs on connections the backend
    passes in (inside its transactions); the matrices are cached per model."""

    def __init__(self) -> None:
        self._matrices: dict[str, ChunkMatrix] = {}
        self._models: dict[int, tuple[str, str | None]] = {}  # dim -> (generation, model)
        self._lock = threading.Lock()

    # -- writes (inside the backend's transaction) --

    @staticmethod
    def drop_changed(connection: sqlite3.Connection, keys: dict[str, str]) -> None:
        """Drop vectors of documents whose content key is not the given one."""
        ids = list(keys)
        stale: list[tuple[str]] = []
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            rows = connection.execute(
                f"SELECT doc_id, content_key FROM doc_vectors WHERE doc_id IN ({', '.join('?' * len(part))})", part
            ).fetchall()
            stale.extend((doc_id,) for doc_id, key in rows if keys[doc_id] != key)
        if stale:
            connection.executemany("DELETE FROM doc_vectors WHERE doc_id = ?", stale)
            meta_counters.bump(connection, "vector_generation")

    @staticmethod
    def delete(connection: sqlite3.Connection, ids: Sequence[str]) -> None:
        before = connection.total_changes
        connection.executemany("DELETE FROM doc_vectors WHERE doc_id = ?", [(i,) for i in ids])
        if connection.total_changes != before:
            meta_counters.bump(connection, "vector_generation")

    @staticmethod
    def write(connection: sqlite3.Connection, rows: Iterable[tuple[str, str, str, np.ndarray, np.ndarray]]) -> None:
        """Store (doc_id, model, content_key, vectors, spans); one model per document.

        Every row gets a rowid above all rowids ever written (`meta.vector_rowid`): SQLite
        alone would give a rewritten last row its old rowid again, and an ANN snapshot
        tells its rows from newer ones by rowid (`vector_ann`)."""
        rowid = int(
            connection.execute(
                "SELECT max(coalesce((SELECT max(rowid) FROM doc_vectors), 0),"
                " coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'vector_rowid'), 0))"
            ).fetchone()[0]
        )
        for doc_id, model, key, vectors, spans in rows:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            spans = np.ascontiguousarray(spans, dtype=np.int32).reshape(-1, 2)
            dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[0] else 0
            connection.execute("DELETE FROM doc_vectors WHERE doc_id = ?", (doc_id,))
            rowid += 1
            connection.execute(
                "INSERT INTO doc_vectors(rowid, doc_id, model, content_key, dim, chunks, spans, vectors)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (rowid, doc_id, model, key, dim, int(len(spans)), spans.tobytes(), encode_vectors(vectors)),
            )
        connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('vector_rowid', ?)", (str(rowid),))
        meta_counters.bump(connection, "vector_generation")

    # -- reads --

    @staticmethod
    def ids_without(connection: sqlite3.Connection, model: str, limit: int) -> list[str]:
        rows = connection.execute(
            f"SELECT d.id FROM docs d WHERE {_WITHOUT_VECTORS} ORDER BY d.rowid LIMIT ?",
            (model, max(0, int(limit))),
        ).fetchall()
        return [row[0] for row in rows]

    @staticmethod
    def count_without(connection: sqlite3.Connection, model: str) -> int:
        return int(connection.execute(f"SELECT count(*) FROM docs d WHERE {_WITHOUT_VECTORS}", (model,)).fetchone()[0])

    @staticmethod
    def counts(connection: sqlite3.Connection) -> dict[str, dict[str, int]]:
        rows = connection.execute(
            "SELECT model, count(*), sum(chunks), max(dim) FROM doc_vectors GROUP BY model"
        ).fetchall()
        return {model: {"documents": docs, "chunks": chunks or 0, "dim": dim or 0} for model, docs, chunks, dim in rows}

    @staticmethod
    def chunks_of(connection: sqlite3.Connection, model: str, dim: int, doc_ids: Sequence[str]) -> StoredChunks:
        """The current chunks of `model` of the given documents (those that have some)."""
        ids: list[str] = []
        counts: list[int] = []
        parts: list[np.ndarray] = []
        spans: list[np.ndarray] = []
        for doc_id, chunks, span_blob, vector_blob in connection.execute(
            "SELECT doc_id, chunks, spans, vectors FROM doc_vectors"
            " WHERE model = ? AND dim = ? AND chunks > 0 AND doc_id IN (SELECT value FROM json_each(?))",
            (model, dim, json.dumps(list(doc_ids))),
        ):
            ids.append(doc_id)
            counts.append(chunks)
            spans.append(np.frombuffer(span_blob, dtype=np.int32).reshape(chunks, 2))
            if len(vector_blob) == chunks * (dim + 4):
                # int8 rows: the scale drops out of a unit vector, so only the codes are read
                # here, and normalised together below (one array operation for all rows).
                parts.append(np.frombuffer(vector_blob, dtype=np.int8, offset=chunks * 4).reshape(chunks, dim))
            else:
                parts.append(decode_vectors(vector_blob, chunks, dim))
        if not ids:
            return StoredChunks([], np.zeros(0, np.int64), np.zeros((0, dim), np.float32), np.zeros((0, 2), np.int64))
        vectors = np.concatenate([part.astype(np.float32) for part in parts])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors /= np.where(norms > 0, norms, 1.0)
        return StoredChunks(ids, np.asarray(counts, np.int64), vectors, np.concatenate(spans).astype(np.int64))

    def model_for(self, connection: sqlite3.Connection, dim: int) -> str | None:
        """The model whose vectors have `dim` dimensions (the one with most documents when
        several do), or None when there are none. Counted again only after vector writes."""
        generation = _generation(connection)
        with self._lock:
            cached = self._models.get(dim)
        if cached is not None and cached[0] == generation:
            return cached[1]
        row = connection.execute(
            "SELECT model FROM doc_vectors WHERE dim = ? AND chunks > 0 GROUP BY model ORDER BY count(*) DESC LIMIT 1",
            (dim,),
        ).fetchone()
        model = None if row is None else str(row[0])
        with self._lock:
            self._models[dim] = (generation, model)
        return model

    def matrix_for(
        self, connection: sqlite3.Connection, dim: int, model: str | None = None, after_rowid: int | None = None
    ) -> ChunkMatrix | None:
        """The chunk matrix of `model` (default: `model_for(dim)`), or None when there are
        no vectors. `after_rowid`: only rows written after that rowid (an ANN snapshot's delta)."""
        generation = _generation(connection)
        key = f"{dim}/{model}/{after_rowid}"
        with self._lock:
            cached = self._matrices.get(key)
            if cached is not None and cached.generation == generation:
                return cached
        model = model or self.model_for(connection, dim)
        if model is None:
            return None
        matrix = _load(connection, model, dim, generation, after_rowid or 0)
        with self._lock:
            self._matrices[key] = matrix
        return matrix

    def invalidate(self) -> None:
        with self._lock:
            self._matrices.clear()
            self._models.clear()


def _generation(connection: sqlite3.Connection) -> str:
    return str(meta_counters.read(connection, "vector_generation"))


def _load(connection: sqlite3.Connection, model: str, dim: int, generation: str, after_rowid: int) -> ChunkMatrix:
    # Two passes (count, then stream rows into the preallocated matrix): holding all
    # blobs and the matrix at once would double the peak memory.
    where = "WHERE model = ? AND dim = ? AND chunks > 0 AND rowid > ?"
    params = (model, dim, after_rowid)
    documents, total = connection.execute(
        f"SELECT count(*), coalesce(sum(chunks), 0) FROM doc_vectors {where}", params
    ).fetchone()
    vectors = np.empty((total, dim), dtype=np.float32)
    spans = np.empty((total, 2), dtype=np.int64)
    offsets = np.empty(documents, dtype=np.int64)
    counts = np.empty(documents, dtype=np.int64)
    ids: list[str] = []
    position = 0
    cursor = connection.execute(
        f"SELECT doc_id, chunks, spans, vectors FROM doc_vectors {where} ORDER BY doc_id", params
    )
    for doc_id, chunks, span_blob, vector_blob in cursor:
        if len(ids) == documents or position + chunks > total:
            break  # rows written after the count (another process); the next query reloads
        vectors[position : position + chunks] = decode_vectors(vector_blob, chunks, dim)
        spans[position : position + chunks] = np.frombuffer(span_blob, dtype=np.int32).reshape(chunks, 2)
        offsets[len(ids)], counts[len(ids)] = position, chunks
        ids.append(doc_id)
        position += chunks
    n = len(ids)
    return ChunkMatrix(
        model,
        dim,
        generation,
        ids,
        {doc_id: i for i, doc_id in enumerate(ids)},
        offsets[:n],
        counts[:n],
        vectors[:position],
        spans[:position],
    )
