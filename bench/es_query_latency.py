"""Query latency on the search servers over a 20,000-document index: Elasticsearch and
OpenSearch side by side in one run (the same documents, vectors and queries, one engine
after the other on the same machine). Prints one summary line per figure and engine.

    python -m bench.es_query_latency [--docs 20000] [--engines elasticsearch,opensearch]

- full-text p50/p95 (BENCH_QUERIES, a user with three principals, 10 hits + snippets);
- kNN and hybrid p50/p95 *including the query embedding* with the configured encoder
  (enrich/embeddings.load_encoder, default multilingual USE), over chunk vectors of all
  documents. Document vectors are random unit vectors of the encoder's dimension
  (encoding 20,000 documents would take the encoder hours on 2 cores; the search cost
  does not depend on what the vectors mean).
Targets: full text p95 <= 100 ms, kNN/hybrid p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

import numpy as np
import requests

from aktenlotse.core.config import ElasticsearchConfig, EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.embeddings import encode_queries, load_encoder
from aktenlotse.search.backend import ChunkVectors, Query
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
from bench.corpus import BENCH_QUERIES
from bench.corpus_text import DEPARTMENTS, TITLES, fill, paragraphs
from bench.es_common import search_server
from bench.latency import print_latency

PRINCIPALS = ["everyone", "authenticated", "group:bauamt"]


def documents(n: int, seed: int = 3):
    rng = random.Random(seed)
    for i in range(n):
        dep = rng.choice(DEPARTMENTS)
        year = rng.randint(2015, 2025)
        folder = rng.choice(dep.open_folders or ("Allgemein",))
        text = "\n".join(paragraphs(rng, dep, year))
        file_type = rng.choice(["pdf", "docx", "txt", "eml", "xlsx"])
        yield Document(
            id=f"d{i:06d}",
            source="share",
            path=f"{dep.name}/{folder}/{year}/dok-{i}.{file_type}",
            title=fill(rng.choice(TITLES), rng, dep, year),
            text=text,
            modified=f"{year}-03-01T10:00:00",
            file_type=file_type,
            size=len(text),
            content_hash=f"h{i}",
            allow=("everyone",) if rng.random() > 0.15 else (f"group:{dep.name.lower()}",),
            deny=("user:mueller",) if rng.random() < 0.05 else (),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", default=EnrichConfig.model)
    parser.add_argument("--engines", default="elasticsearch,opensearch")
    args = parser.parse_args()
    encoder = load_encoder(args.model)
    for engine in args.engines.split(","):
        with search_server(None, engine) as url:
            measure(engine, url, args.docs, args.rounds, encoder)


def measure(engine: str, url: str, docs: int, rounds: int, encoder) -> None:
    config = ElasticsearchConfig(urls=(url,), index=f"bench-{uuid.uuid4().hex[:8]}", bulk_size=1000, engine=engine)
    backend = ElasticsearchBackend(config, refresh=False)
    try:
        batch: list[Document] = []
        for doc in documents(docs):
            batch.append(doc)
            if len(batch) == 2000:
                backend.upsert(batch)
                batch = []
        backend.upsert(batch)
        backend.client.indices.refresh(index=backend.alias)
        for _ in range(2):
            for text in BENCH_QUERIES:
                backend.search(Query(text=text, limit=10), PRINCIPALS)  # warm-up
        timings = []
        for _ in range(rounds):
            for text in BENCH_QUERIES:
                start = time.perf_counter()
                backend.search(Query(text=text, limit=10), PRINCIPALS)
                timings.append((time.perf_counter() - start) * 1000)
        print_latency(
            f"{engine}_fulltext_query_ms", timings, f"target p95 <= 100 ms; {docs} docs, {len(timings)} queries"
        )
        rng = np.random.default_rng(1)
        ids = sorted(backend.ids())
        for start in range(0, len(ids), 500):
            items = []
            for doc_id in ids[start : start + 500]:
                chunks = int(rng.integers(1, 4))
                vectors = rng.standard_normal((chunks, encoder.dim)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                items.append(
                    ChunkVectors(
                        doc_id, encoder.name, vectors.tolist(), [(i * 100, i * 100 + 100) for i in range(chunks)]
                    )
                )
            backend.upsert_vectors(items)
        backend.client.indices.refresh(index=backend.alias)
        # One segment on both engines, as after a quiet night (plain REST: the same call on both).
        requests.post(f"{url}/{backend.alias}/_forcemerge", params={"max_num_segments": 1}, timeout=1800)
        for mode in ("semantic", "hybrid"):
            timings = []
            for round_no in range(rounds + 1):
                for text in BENCH_QUERIES:
                    start = time.perf_counter()
                    vector = encode_queries(encoder, [text])[0]
                    backend.search(
                        Query(text=text, mode=mode, vector=tuple(float(x) for x in vector), limit=10), PRINCIPALS
                    )
                    if round_no:  # the first round warms up
                        timings.append((time.perf_counter() - start) * 1000)
            name = "knn" if mode == "semantic" else "hybrid"
            print_latency(
                f"{engine}_{name}_query_ms", timings, f"target p95 <= 200 ms incl. query embedding; {docs} docs"
            )
    finally:
        backend.client.indices.delete(index=backend.index)
        backend.close()


if __name__ == "__main__":
    main()
