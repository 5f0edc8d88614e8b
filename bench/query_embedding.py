"""Query embedding latency: what the portal pays on every semantic or hybrid search.

Embeds the first `--queries` questions of the ragsource dev set one at a time (as the
portal does) with each named encoder, in one run, after one warm-up query each.

    python -m bench.query_embedding [--queries 300] [--models use-static,use-multilingual]

Prints one line per model: p50 and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from aktenlotse.enrich.embeddings import encode_queries, load_encoder

QUERIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ragsource" / "queries.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--models", default="use-static,use-multilingual")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not QUERIES.exists():
        raise SystemExit(f"queries not found: {QUERIES}")
    texts = [json.loads(line)["text"] for line in QUERIES.open(encoding="utf-8")][: args.queries]
    for model in args.models.split(","):
        encoder = load_encoder(model, args.threads)
        encode_queries(encoder, ["Warm-up"])
        times = []
        for text in texts:
            started = time.perf_counter()
            encode_queries(encoder, [text])
            times.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"query embedding {model}: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms "
            f"({len(times)} queries, {args.threads} threads, load average {os.getloadavg()[0]:.2f})"
        )


if __name__ == "__main__":
    main()
