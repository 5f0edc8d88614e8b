"""How the embedded index's costs grow with its size: 10k → 100k (→ 1M) documents.

    python -m bench.scale [--sizes 10000,100000] [--chunks 5] [--rounds 3]

For every size an index of synthetic documents (`bench.es_query_latency.documents`: the
demo's departments and vocabulary, 15 % restricted to a group, 5 % denying `mueller`)
with `--chunks` chunk vectors each (near its title's embedding, see `_chunk_vectors`) is built once
and cached under ~/.cache/aktenlotse/bench/scale-N-…-vS-pPk/ (S: the index schema version, P the page size;
rebuilt when missing or incomplete).
Each size is then queried in a fresh process, as the portal asks (principals
`everyone, authenticated, group:bauamt, user:mueller`, facets on, 10 hits with snippets),
so that its peak RSS is the query process's own. Prints one summary line per figure and
size, then the growth ratio between consecutive sizes of every query figure (p95).

Query kinds: a common word (in most documents), a one-hit word (a document's unique
number), a phrase, a filtered search (folder + year), a browse with facets only (empty
text, one filter), semantic and hybrid (query embedding included).

With vectors, semantic and hybrid are measured twice in the same run: exact (the ANN
snapshot set aside, every chunk scored) and over the ANN snapshot (`vector_ann`, built once
per cached index), with the snapshot's build rate and size, the query process's RSS and
recall@10 of the snapshot's answers against the exact ones.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.embeddings import Encoder, encode_queries, load_encoder
from aktenlotse.search.backend import ChunkVectors, Hits, Query
from aktenlotse.search.embedded import SCHEMA_VERSION, EmbeddedBackend
from aktenlotse.search.embedded_base import PAGE_SIZE
from aktenlotse.search.fulltext_index import FOLDER_SUFFIX
from aktenlotse.search.vector_store import STORED_FORM
from bench.crawl_throughput import CACHE
from bench.es_query_latency import documents
from bench.latency import percentiles
from bench.scale_ann import ensure_snapshot, recall_at_10, set_aside

PRINCIPALS = ["everyone", "authenticated", "group:bauamt", "user:mueller"]
BATCH = 1000
QUERY_KINDS = ("common_word", "one_hit_word", "phrase", "filtered", "facets_only", "semantic", "hybrid")
ANN_KINDS = ("semantic", "hybrid")


def numbered(n_docs: int):
    """The benchmark's documents, each with a unique word (its one-hit query)."""
    for i, doc in enumerate(documents(n_docs)):
        yield replace(doc, text=f"{doc.text}\nVorgangsnummer{i:07d}")


def _chunk_vectors(
    docs: list[Document], encoder: Encoder, chunks: int, spans: list[tuple[int, int]], rng: np.random.Generator
) -> list[ChunkVectors]:
    """Chunk vectors near the document's title embedding (noise added per chunk), so that
    semantic queries find documents above the similarity floor, as real vectors do;
    embedding every chunk's text would take the encoder hours at these sizes."""
    if not docs:
        return []
    titles = encode_queries(encoder, [doc.title for doc in docs])
    noise = rng.standard_normal((len(docs), chunks, titles.shape[1])).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=2, keepdims=True)
    vectors = titles[:, None, :] + 0.7 * noise
    vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
    return [ChunkVectors(doc.id, encoder.name, vectors[j], spans) for j, doc in enumerate(docs)]


def build(index: Path, n_docs: int, chunks: int, encoder: Encoder) -> dict:
    """Write the index (documents, then their vectors); the build figures."""
    index.parent.mkdir(parents=True, exist_ok=True)
    for stale in index.parent.glob(index.name + "*"):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    rng = np.random.default_rng(1)
    backend = EmbeddedBackend(index)
    started = time.perf_counter()
    try:
        batch: list[Document] = []
        for doc in numbered(n_docs):
            batch.append(doc)
            if len(batch) == BATCH:
                backend.upsert(batch)
                batch = []
        backend.upsert(batch)
        text_seconds = time.perf_counter() - started
        spans = [(i * 100, i * 100 + 100) for i in range(chunks)]
        batch = []
        for doc in numbered(n_docs if chunks else 0):  # --chunks 0: full text only
            batch.append(doc)
            if len(batch) == BATCH:
                backend.upsert_vectors(_chunk_vectors(batch, encoder, chunks, spans, rng))
                batch = []
        backend.upsert_vectors(_chunk_vectors(batch, encoder, chunks, spans, rng))
    finally:
        backend.close()
    total_seconds = time.perf_counter() - started
    return {"docs_per_s": n_docs / text_seconds, "with_vectors_docs_per_s": n_docs / total_seconds}


def sizes_on_disk(index: Path, n_docs: int) -> dict:
    """Bytes per table (SQLite's dbstat) and of the full-text folder, the stored text,
    index bytes per document without vectors, and vector bytes per chunk."""
    connection = sqlite3.connect(index)
    try:
        tables = dict(connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        text_bytes = connection.execute(
            "SELECT sum(length(CAST(text AS BLOB)) + length(CAST(title AS BLOB))) FROM docs"
        ).fetchone()[0]
        n_chunks = connection.execute("SELECT sum(chunks) FROM doc_vectors").fetchone()[0] or 0
    finally:
        connection.close()
    fulltext = index.with_name(index.name + FOLDER_SUFFIX)
    tables["fulltext (tantivy)"] = sum(p.stat().st_size for p in fulltext.rglob("*") if p.is_file())
    vector_bytes = sum(
        size
        for name, size in tables.items()
        if name.startswith("doc_vectors") or name == "sqlite_autoindex_doc_vectors_1"
    )
    without_vectors = sum(tables.values()) - vector_bytes
    return {
        "tables": tables,
        "text_bytes": text_bytes,
        "index_bytes_per_doc": without_vectors / n_docs,
        "index_to_text": without_vectors / text_bytes,
        "vector_bytes_per_chunk": vector_bytes / max(n_chunks, 1),
        "chunks": n_chunks,
    }


def ensure_index(n_docs: int, chunks: int, encoder: Encoder) -> tuple[Path, dict]:
    """The cached index of `n_docs` documents and its build figures (built if needed)."""
    layout = f"v{SCHEMA_VERSION}-p{PAGE_SIZE // 1024}k"  # a new layout builds a new index
    if chunks:
        layout += f"-{STORED_FORM}"
    folder = CACHE / f"scale-{n_docs}-{chunks}x{encoder.dim}-{encoder.name}-{layout}"
    index, marker = folder / "index.sqlite", folder / "complete.json"
    if index.exists() and marker.exists():
        return index, json.loads(marker.read_text())
    figures = build(index, n_docs, chunks, encoder)
    figures.update(sizes_on_disk(index, n_docs))
    marker.write_text(json.dumps(figures))
    return index, figures


def _queries(n_docs: int) -> dict[str, list[Query]]:
    step = max(1, n_docs // 40)
    return {
        "common_word": [Query(facets=True, text=word, limit=10) for word in ("Vorgang", "Akte", "Unterlagen", "Frau")],
        "one_hit_word": [Query(facets=True, text=f"Vorgangsnummer{i:07d}", limit=10) for i in range(0, n_docs, step)],
        "phrase": [
            Query(facets=True, text=f'"{words}"', limit=10) for words in ("Antrag auf", "der Stadt", "im Rahmen")
        ],
        "filtered": [
            Query(facets=True, text=word, folder="Bauamt", years=(year,), limit=10)
            for word in ("Antrag", "Bauantrag")
            for year in (2018, 2021, 2024)
        ],
        "facets_only": [Query(facets=True, text="", file_types=(kind,), limit=10) for kind in ("pdf", "docx", "eml")],
        "semantic": [
            Query(facets=True, text=text, mode="semantic", limit=10)
            for text in ("Bauantrag Garage", "Hundesteuer", "Haushaltsplan 2022")
        ],
        "hybrid": [
            Query(facets=True, text=text, mode="hybrid", limit=10)
            for text in ("Bauantrag Garage", "Hundesteuer", "Haushaltsplan 2022")
        ],
    }


def _timed(run: Callable[[], object], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _run_query(backend: EmbeddedBackend, encoder, query: Query) -> Hits:
    """One search as the portal runs it (semantic and hybrid embed the query first)."""
    if query.mode != "fulltext":
        vector = encode_queries(encoder, [query.text])[0]
        query = replace(query, vector=tuple(float(x) for x in vector))
    return backend.search(query, PRINCIPALS)


def query_figures(
    index: str, n_docs: int, rounds: int, model: str, kinds: tuple[str, ...], results: multiprocessing.Queue
) -> None:
    """Run in a fresh process: p50/p95 and the median total per query kind, the top ids
    of every query (`top`), and this process's peak RSS."""
    encoder = load_encoder(model)
    backend = EmbeddedBackend(Path(index))
    figures: dict[str, object] = {}
    top: dict[str, list[list[str]]] = {}
    try:
        for kind, queries in _queries(n_docs).items():
            if kind not in kinds:
                continue
            timings: list[float] = []
            totals = []
            for query in queries:
                hits = _run_query(backend, encoder, query)  # warm-up; the first semantic one loads the vectors
                totals.append(hits.total)
                top.setdefault(kind, []).append([hit.id for hit in hits.hits])
                timings += _timed(partial(_run_query, backend, encoder, query), rounds)
            figures[kind] = (*percentiles(timings), statistics.median(totals))
    finally:
        backend.close()
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["top"] = top
    results.put(figures)


def _measured(index: Path, n_docs: int, args: argparse.Namespace, kinds: tuple[str, ...]) -> dict:
    """`query_figures` in a fresh process (its RSS is the query process's own)."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    process = spawn.Process(target=query_figures, args=(str(index), n_docs, args.rounds, args.model, kinds, results))
    process.start()
    figures = results.get()
    process.join()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated document counts")
    parser.add_argument("--chunks", type=int, default=5, help="chunk vectors per document (0: full text only)")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of every query")
    parser.add_argument("--model", default=EnrichConfig.model)
    args = parser.parse_args()
    encoder = load_encoder(args.model)
    previous: dict | None = None
    previous_ann: dict | None = None
    previous_size = 0
    # Without vectors semantic and hybrid would fall back to full text: not worth a line.
    kinds = QUERY_KINDS if args.chunks else tuple(k for k in QUERY_KINDS if k not in ("semantic", "hybrid"))
    for n_docs in (int(size) for size in args.sizes.split(",")):
        index, built = ensure_index(n_docs, args.chunks, encoder)
        with set_aside(index):  # exact search first: every chunk scored
            figures = _measured(index, n_docs, args, kinds)
        print(
            f"scale_build_{n_docs} {built['docs_per_s']:.0f} docs/s (text),"
            f" {built['with_vectors_docs_per_s']:.0f} docs/s with {args.chunks} vectors each",
            flush=True,
        )
        print(
            f"scale_index_{n_docs} {built['index_bytes_per_doc'] / 1024:.1f} KB per document without vectors ="
            f" {built['index_to_text']:.2f}x the stored text (target <= 2.5x); "
            + (
                f"vectors {built['vector_bytes_per_chunk']:.0f} bytes per chunk (target <= 600)"
                if built["chunks"]
                else "no vectors"
            ),
            flush=True,
        )
        for kind in kinds:
            p50, p95, total = figures[kind]
            print(f"scale_{kind}_ms_{n_docs} p50 {p50:.1f} p95 {p95:.1f}  (median total {total:.0f})", flush=True)
        print(f"scale_query_process_rss_mb_{n_docs} {figures['rss_mb']:.0f}  (target <= 3072 at 1M)", flush=True)
        ann = _ann_figures(index, n_docs, args, figures) if args.chunks else None
        if previous is not None:
            growth = ", ".join(f"{kind} {figures[kind][1] / max(previous[kind][1], 1e-9):.1f}x" for kind in kinds)
            print(f"scale_growth_p95_{previous_size}_to_{n_docs} {growth}  (target <= 2x for 100k -> 1M)", flush=True)
        if previous_ann is not None and ann is not None:
            growth = ", ".join(f"{kind} {ann[kind][1] / max(previous_ann[kind][1], 1e-9):.1f}x" for kind in ANN_KINDS)
            print(f"scale_growth_p95_ann_{previous_size}_to_{n_docs} {growth}  (target <= 2x)", flush=True)
        previous, previous_ann, previous_size = figures, ann, n_docs


def _ann_figures(index: Path, n_docs: int, args: argparse.Namespace, exact: dict) -> dict:
    """Semantic and hybrid over the ANN snapshot, beside the exact figures of the same run."""
    built = ensure_snapshot(index, args.model)
    print(
        f"scale_ann_build_{n_docs} {built['chunks_per_s']:.0f} chunks/s ({built['chunks']} chunks,"
        f" {built['nlist']} clusters, {built['seconds']:.0f} s), {built['bytes_per_chunk']:.0f} bytes per chunk",
        flush=True,
    )
    ann = _measured(index, n_docs, args, ANN_KINDS)
    for kind in ANN_KINDS:
        p50, p95, total = ann[kind]
        recall = recall_at_10(exact["top"][kind], ann["top"][kind])
        print(
            f"scale_{kind}_ann_ms_{n_docs} p50 {p50:.1f} p95 {p95:.1f}  (median total {total:.0f};"
            f" exact p95 {exact[kind][1]:.1f}, {exact[kind][1] / max(p95, 1e-9):.1f}x; recall@10 {recall:.3f})",
            flush=True,
        )
    print(f"scale_query_process_rss_mb_ann_{n_docs} {ann['rss_mb']:.0f}", flush=True)
    return ann


if __name__ == "__main__":
    main()
