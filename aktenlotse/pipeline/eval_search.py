"""`aktenlotse eval search`: retrieval quality on a labelled BEIR-layout data set.

It runs the production code paths: every corpus entry becomes a `Document` that
the backend's `upsert` analyses (the embedded index, or with `--backend elasticsearch|
opensearch --server-url URL` a throw-away index on that server), the embedding pass (`run_embedding_pass`) stores chunk
vectors, and every query goes through `backend.search` as the principal "everyone".
Embeddings are cached on disk (default ~/.cache/aktenlotse/embeddings, keyed by model and
a hash of the encoder input), so a repeated evaluation encodes nothing again.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from aktenlotse.core.config import ConfigError, ElasticsearchConfig, EnrichConfig, load_config
from aktenlotse.core.records import EVERYONE, Document
from aktenlotse.enrich.embeddings import Encoder, encode_queries, load_encoder
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.backend import Backend, Query
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
from aktenlotse.search.embedded import EmbeddedBackend

DEPTH = 100
REPORTED = ("mode", "n", "ndcg_at_10", "recall_at_10", "recall_at_100")


def run(args: argparse.Namespace) -> int:
    enrich = _enrich_config(args)
    setup = SearchSetup(
        mode=args.mode,
        enrich=enrich,
        cache_dir=Path(args.cache_dir) if args.cache_dir else default_cache_dir(),
        server=_server(args),
        vector_index=args.vector_index,
    )
    result = evaluate(Path(args.corpus), Path(args.queries), Path(args.qrels), setup)
    if args.json:
        print(json.dumps({key: result[key] for key in REPORTED}, ensure_ascii=False))
    else:
        for key in (*REPORTED, "model", "ms_per_query", "seconds"):
            print(f"{key}: {result[key]}")
    return 0


def _server(args: argparse.Namespace) -> ElasticsearchConfig | None:
    """The search server to measure on (a throw-away index), None for the embedded index."""
    backend = getattr(args, "backend", "embedded")
    if backend == "embedded":
        return None
    if not args.server_url:
        raise ConfigError(f"--backend {backend} braucht --server-url (z. B. http://127.0.0.1:9200)")
    return ElasticsearchConfig(urls=(args.server_url,), index=f"aktenlotse-eval-{uuid.uuid4().hex[:8]}", engine=backend)


def _enrich_config(args: argparse.Namespace) -> EnrichConfig:
    base = EnrichConfig()
    if getattr(args, "config", None) or os.environ.get("AKTENLOTSE_CONFIG"):
        base = load_config(getattr(args, "config", None)).enrich
    changes = {}
    if args.model:
        changes["model"] = args.model
    if args.chunk_words:
        changes["chunk_words"] = args.chunk_words
    if args.chunk_overlap is not None:
        changes["chunk_overlap"] = args.chunk_overlap
    return replace(base, **changes)


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "aktenlotse"


# --- data ------------------------------------------------------------------------------


def load_corpus(path: Path) -> list[Document]:
    """BEIR corpus entries as Documents, readable by everyone."""
    docs = []
    for entry in _jsonl(path):
        doc_id, title, text = str(entry["_id"]), entry.get("title") or "", entry.get("text") or ""
        digest = hashlib.sha1(f"{title}\x00{text}".encode()).hexdigest()
        docs.append(
            Document(
                id=doc_id,
                source="eval",
                path=f"{doc_id}.txt",
                title=title,
                text=text,
                file_type="txt",
                size=len(text.encode()),
                content_hash=digest,
                display_path=doc_id,
                allow=(EVERYONE,),
            )
        )
    return docs


def load_queries(path: Path) -> dict[str, str]:
    return {str(e["_id"]): e["text"] for e in _jsonl(path)}


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            try:
                score = int(float(row[2]))
            except ValueError:
                continue
            if score > 0:
                qrels.setdefault(row[0], {})[row[1]] = score
    return qrels


def _jsonl(path: Path):
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- metrics ---------------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


# --- embedding cache ------------------------------------------------------------------------


class CachedEncoder:
    """An encoder wrapper that keeps vectors on disk, keyed by model and input hash."""

    def __init__(self, encoder: Encoder, cache_dir: Path):
        self._encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        cache_dir.mkdir(parents=True, exist_ok=True)
        slug = hashlib.sha1(encoder.name.encode()).hexdigest()[:12]
        self._db = sqlite3.connect(cache_dir / f"embeddings-{slug}.sqlite", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")

    def _cached(self, texts: Sequence[str], kind: str, encode: Callable[[Sequence[str]], np.ndarray]) -> np.ndarray:
        keys = [
            hashlib.sha1(f"{self.name}\x00{kind}\x00{t}".encode("utf-8", "surrogatepass")).hexdigest() for t in texts
        ]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            for key, blob in self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({', '.join('?' * len(part))})", part
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            fresh = encode([texts[i] for i in missing])
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors(key, vector) VALUES (?, ?)",
                [(keys[i], np.asarray(v, np.float32).tobytes()) for i, v in zip(missing, fresh, strict=False)],
            )
            self._db.execute("COMMIT")
            for i, v in zip(missing, fresh, strict=False):
                found[keys[i]] = np.asarray(v, np.float32)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([found[key] for key in keys])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors, from the cache where it has them."""
        return self._cached(texts, "passage", self._encoder.encode)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors (the encoder's query form), from the cache where it has them."""
        return self._cached(texts, "query", lambda batch: encode_queries(self._encoder, batch))

    def close(self) -> None:
        """Close the cache database."""
        self._db.close()


# --- the evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchSetup:
    """How an evaluation indexes and searches: the retrieval `mode`, the enrichment settings
    (model, chunking), the embedding cache below `cache_dir`, and the search server holding
    the throw-away index (None: the embedded index); `vector_index` "ann" builds the
    approximate vector index even where the corpus is too small for it to be due."""

    mode: str
    enrich: EnrichConfig
    cache_dir: Path
    server: ElasticsearchConfig | None = None
    vector_index: str = "auto"


def build_index(
    corpus: Path, index_path: Path, setup: SearchSetup, encoder: Encoder | None = None
) -> tuple[Backend, Encoder | None]:
    """An index of the corpus (with vectors unless the mode is fulltext) and the (cached)
    encoder, or None for full text: embedded at `index_path`, or on the setup's server."""
    backend: Backend = EmbeddedBackend(index_path) if setup.server is None else ElasticsearchBackend(setup.server)
    docs = load_corpus(corpus)
    for start in range(0, len(docs), 200):
        backend.upsert(docs[start : start + 200])
    if setup.mode == "fulltext":
        return backend, None
    if encoder is None:
        model = load_encoder(setup.enrich.model, setup.enrich.threads)
        encoder = CachedEncoder(model, setup.cache_dir / "embeddings")
    run_embedding_pass(backend, encoder, setup.enrich)
    backend.refresh_vector_index(encoder.name, force=setup.vector_index == "ann")
    return backend, encoder


def evaluate(
    corpus: Path, queries_path: Path, qrels_path: Path, setup: SearchSetup, encoder: Encoder | None = None
) -> dict[str, Any]:
    """n, ndcg_at_10, recall_at_10, recall_at_100 (means over queries with a relevant document);
    on the embedded index, or on a throw-away index of the setup's server."""
    mode = setup.mode
    queries = load_queries(queries_path)
    qrels = load_qrels(qrels_path)
    evaluated = [q for q in qrels if q in queries]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aktenlotse-eval-") as tmp:
        backend, encoder = build_index(corpus, Path(tmp) / "index.db", setup, encoder)
        try:
            vectors = None
            if encoder is not None:
                vectors = encode_queries(encoder, [queries[q] for q in evaluated])
            ndcg = r10 = r100 = 0.0
            search_started = time.perf_counter()
            for i, qid in enumerate(evaluated):
                vector = tuple(float(x) for x in vectors[i]) if vectors is not None else None
                hits = backend.search(Query(text=queries[qid], mode=mode, limit=DEPTH, vector=vector), [EVERYONE])
                ranked = [h.id for h in hits.hits]
                relevant = qrels[qid]
                ndcg += ndcg_at(ranked, relevant, 10)
                r10 += recall_at(ranked, relevant, 10)
                r100 += recall_at(ranked, relevant, 100)
            search_seconds = time.perf_counter() - search_started
        finally:
            if isinstance(backend, ElasticsearchBackend):
                backend.drop_index()
            backend.close()
            close = getattr(encoder, "close", None)  # the cache's database (Encoder has no close)
            if close is not None:
                close()
    n = len(evaluated)
    return {
        "mode": mode,
        "n": n,
        "ndcg_at_10": round(ndcg / n, 4) if n else 0.0,
        "recall_at_10": round(r10 / n, 4) if n else 0.0,
        "recall_at_100": round(r100 / n, 4) if n else 0.0,
        "model": None if mode == "fulltext" else setup.enrich.model,
        "ms_per_query": round(1000 * search_seconds / n, 2) if n else 0.0,
        "seconds": round(time.perf_counter() - started, 1),
    }
