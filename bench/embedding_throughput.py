"""Embedding throughput: the encoder's raw batch throughput vs the resumable pass.

Both run on the same chunks of the same documents (the first `--docs` of the ragsource
corpus in ../shared/data), same batch size and threads, one after the other; best of `--repeat`
runs each. The pass figure includes everything the pass does around the encoder: asking
the index for ids without vectors, fetching the documents, chunking, storing vectors.

    python -m bench.embedding_throughput [--docs 40] [--repeat 2] [--model use-static]

Prints one line per figure.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.embedded import EmbeddedBackend

RAGSOURCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "ragsource" / "corpus.jsonl"


def _documents(limit: int) -> list[Document]:
    if not RAGSOURCE.exists():
        raise SystemExit(f"corpus not found: {RAGSOURCE}")
    rows = [json.loads(line) for line in RAGSOURCE.open(encoding="utf-8")][:limit]
    return [
        Document(
            id=r["_id"],
            source="bench",
            path=r["_id"] + ".txt",
            title=r["title"],
            text=r["text"],
            content_hash=r["_id"],
            allow=("everyone",),
        )
        for r in rows
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--model", default=EnrichConfig.model)
    parser.add_argument("--chunk-words", type=int, default=EnrichConfig.chunk_words)
    parser.add_argument("--chunk-overlap", type=int, default=EnrichConfig.chunk_overlap)
    parser.add_argument("--threads", type=int, default=EnrichConfig.threads)
    args = parser.parse_args()
    config = EnrichConfig(
        model=args.model, chunk_words=args.chunk_words, chunk_overlap=args.chunk_overlap, threads=args.threads
    )
    encoder = load_encoder(config.model, config.threads)
    docs = _documents(args.docs)
    texts = [t for d in docs for t in document_chunks(d.title, d.text, config)[1]]
    encoder.encode(texts[:8])  # warm up

    raw = 0.0
    for _ in range(args.repeat):
        started = time.perf_counter()
        for start in range(0, len(texts), config.batch_size):
            encoder.encode(texts[start : start + config.batch_size])
        raw = max(raw, len(texts) / (time.perf_counter() - started))

    best = None
    with tempfile.TemporaryDirectory() as tmp:
        for attempt in range(args.repeat):
            with EmbeddedBackend(Path(tmp) / f"index-{attempt}.db") as backend:
                backend.upsert(docs)  # analysis happens here, outside the measured pass
                stats = run_embedding_pass(backend, encoder, config)
            if best is None or stats.chunks_per_s > best.chunks_per_s:
                best = stats
    assert best is not None and best.chunks == len(texts)
    load = os.getloadavg()[0]
    print(
        f"embedding raw batch throughput ({config.model}, batch {config.batch_size}, {config.threads} threads): "
        f"{raw:.1f} chunks/s"
    )
    print(
        f"embedding pass throughput (same chunks, via index): {best.chunks_per_s:.1f} chunks/s, "
        f"{best.docs_per_s:.2f} docs/s"
    )
    print(f"embedding pass / raw: {100 * best.chunks_per_s / raw:.1f} %")
    print(
        f"chunks: {len(texts)} from {len(docs)} documents ({config.chunk_words} words, overlap "
        f"{config.chunk_overlap}); load average {load:.2f}"
    )


if __name__ == "__main__":
    main()
