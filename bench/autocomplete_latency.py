"""Autocomplete latency (issue 20): p50/p95 of the suggestions for N typed prefixes, as the
search box asks for them (`services.completions.query_completions`, 8 suggestions).

    python -m bench.autocomplete_latency [--docs 20000] [--prefixes 300] [--engine opensearch]

The embedded index is `bench.scale`'s cached index of that size when one exists (the same
synthetic documents: 15 % restricted to a group, 5 % denying `mueller`), else one of the
same documents without vectors, built once under ~/.cache/aktenlotse/bench/. The prefixes
are the first 2–6 letters of words drawn from the index's vocabulary (seeded), typed by
two users: `reader` (everyone, authenticated, group:bauamt, user:mueller: most of the
index) and `few` (only group:standesamt: a sliver of it, the slow case for trimming: most
candidates are unreadable). With --engine the same documents go to a fresh local
Elasticsearch/OpenSearch (or --url) and are measured the same way.
Target: p95 <= 100 ms. One summary line per figure.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.core.records import Document
from aktenlotse.search.backend import Backend
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.fulltext_query import WORDS
from aktenlotse.services.completions import query_completions
from bench.crawl_throughput import CACHE
from bench.latency import print_latency
from bench.scale import BATCH, numbered

USERS = {
    "reader": ["everyone", "authenticated", "group:bauamt", "user:mueller"],
    "few": ["group:standesamt"],
}


def embedded_index(n_docs: int) -> Path:
    """A cached embedded index of `n_docs` benchmark documents (bench.scale's if built)."""
    for folder in sorted(CACHE.glob(f"scale-{n_docs}-*")):
        if (folder / "complete.json").exists() and (folder / "index.sqlite").exists():
            return folder / "index.sqlite"
    folder = CACHE / f"autocomplete-{n_docs}"
    index, marker = folder / "index.sqlite", folder / "complete"
    if index.exists() and marker.exists():
        return index
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("index.sqlite*"):
        stale.unlink()
    backend = EmbeddedBackend(index)
    try:
        for batch in _batches(numbered(n_docs)):
            backend.upsert(batch)
    finally:
        backend.close()
    marker.write_text("ok")
    return index


def _batches(docs: Iterator[Document]) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def typed_prefixes(backend: EmbeddedBackend, count: int, seed: int = 11) -> list[str]:
    """`count` prefixes (2–6 letters, capitalised like a German noun half of the time) of
    alphabetic words of the index, drawn weighted by how many documents hold them."""
    searcher = backend._fulltext.searcher()  # the benchmark reads the index's own vocabulary
    words = [(term, docs) for term, docs in searcher.terms_with_prefix(WORDS, "") if len(term) >= 4]
    words = [(term, docs) for term, docs in words if term.isalpha()]
    rng = random.Random(seed)
    chosen = rng.choices([term for term, _ in words], weights=[docs for _, docs in words], k=count)
    prefixes = []
    for term in chosen:
        prefix = term[: rng.randint(2, min(6, len(term)))]
        prefixes.append(prefix.capitalize() if rng.random() < 0.5 else prefix)
    return prefixes


def measure(name: str, backend: Backend, prefixes: list[str], n_docs: int) -> None:
    for user, principals in USERS.items():
        for prefix in prefixes[:20]:
            query_completions(backend, prefix, principals)  # warm-up (caches, page cache)
        timings, offered = [], 0
        for prefix in prefixes:
            start = time.perf_counter()
            offered += len(query_completions(backend, prefix, principals))
            timings.append((time.perf_counter() - start) * 1000)
        print_latency(
            f"autocomplete_{name}_{user}_ms_{n_docs}",
            timings,
            f"target p95 <= 100 ms; {len(prefixes)} prefixes, {offered / len(prefixes):.1f} suggestions each",
        )


def measure_server(engine: str, url: str | None, n_docs: int, prefixes: list[str]) -> None:
    from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
    from bench.es_common import search_server

    with search_server(url, engine) as server_url:
        config = ElasticsearchConfig(
            urls=(server_url,), index=f"bench-{uuid.uuid4().hex[:8]}", bulk_size=1000, engine=engine
        )
        backend = ElasticsearchBackend(config, refresh=False)
        try:
            for batch in _batches(numbered(n_docs)):
                backend.upsert(batch)
            backend.client.indices.refresh(index=backend.alias)
            measure(engine, backend, prefixes, n_docs)
        finally:
            backend.client.indices.delete(index=backend.index)
            backend.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--prefixes", type=int, default=300)
    parser.add_argument("--engine", choices=("elasticsearch", "opensearch"), help="also measure this search server")
    parser.add_argument("--url", help="a running search server instead of a fresh local one")
    args = parser.parse_args()
    index = embedded_index(args.docs)
    backend = EmbeddedBackend(index)
    try:
        prefixes = typed_prefixes(backend, args.prefixes)
        measure("embedded", backend, prefixes, args.docs)
    finally:
        backend.close()
    if args.engine:
        measure_server(args.engine, args.url, args.docs, prefixes)


if __name__ == "__main__":
    main()
