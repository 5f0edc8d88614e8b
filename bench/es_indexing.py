"""Indexing throughput: the same crawl pipeline into the embedded index and into a local
single-node search server (Elasticsearch or OpenSearch), side by side on the same
generated corpus. Prints one summary line per figure.

    python -m bench.es_indexing --files 5000 [--rounds 2] [--engine opensearch] [--es-url URL]

Target: the server reaches >= 90% of the embedded backend's docs/s (the index must not
be the bottleneck). Rounds alternate embedded / server so that JIT warm-up and machine
noise hit both alike.
"""

from __future__ import annotations

import statistics
import uuid
from pathlib import Path

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
from aktenlotse.search.embedded import EmbeddedBackend
from bench.crawl_throughput import bench_parser, corpus_and_tika, crawl, raw_tika
from bench.es_common import search_server


def crawl_into(backend, url: str, root: Path, data: Path, workers: int) -> float:
    seconds, summary = crawl(url, root, data, workers, backend=backend)
    assert summary.status == "done", summary.messages
    return summary.extracted / seconds


def main() -> None:
    parser = bench_parser()
    parser.add_argument("--es-url", default=None, help="a running server instead of a local one")
    parser.add_argument("--engine", choices=("elasticsearch", "opensearch"), default="elasticsearch")
    args = parser.parse_args()
    with corpus_and_tika(args.files) as (root, files, work, server):
        with search_server(args.es_url, args.engine) as es_url:
            raw_tika(server.url, root, files[:1500], args.workers)  # JIT warm-up, not counted
            embedded_rates, es_rates = [], []
            for round_no in range(args.rounds):
                data = work / f"emb-{round_no}"
                data.mkdir()
                embedded_rates.append(
                    crawl_into(EmbeddedBackend(data / "index.sqlite"), server.url, root, data, args.workers)
                )
                data = work / f"es-{round_no}"
                data.mkdir()
                config = ElasticsearchConfig(urls=(es_url,), index=f"bench-{uuid.uuid4().hex[:8]}", engine=args.engine)
                backend = ElasticsearchBackend(config)
                es_rates.append(crawl_into(backend, server.url, root, data, args.workers))
                cleanup = ElasticsearchBackend(config)
                cleanup.client.indices.delete(index=cleanup.index)
                cleanup.close()
        emb, es = statistics.median(embedded_rates), statistics.median(es_rates)
        print(
            f"crawl_embedded_docs_per_s {emb:.0f}  (runs: {', '.join(f'{r:.0f}' for r in embedded_rates)}; "
            f"{len(files)} files)"
        )
        print(
            f"crawl_{args.engine}_docs_per_s {es:.0f}  (runs: {', '.join(f'{r:.0f}' for r in es_rates)}; single "
            "node, refresh per batch)"
        )
        print(f"{args.engine}_share_of_embedded {es / emb * 100:.0f}%  (target >= 90%)")


if __name__ == "__main__":
    main()
