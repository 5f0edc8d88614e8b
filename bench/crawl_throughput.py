"""Crawl benchmarks (issue: foundation). Prints one summary line per figure.

    python -m bench.crawl_throughput --files 5000 [--rounds 2]

Figures, all on the same generated corpus, measured side by side in one run:
- raw Tika server throughput (files sent straight to the server, no other work),
- full crawl throughput (extraction + German analysis + indexing, enrichment off),
- no-change re-crawl files/s, and a bare os.scandir + stat walk of the same tree,
- full-text query latency p50/p95 over the resulting index with a principals filter.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from aktenlotse.core.config import SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.crawler.tika_managed import ManagedTikaServer
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from bench.corpus import BENCH_QUERIES, generate_corpus
from bench.tika_workspace import tika_workspace

CACHE = Path(os.environ.get("AKTENLOTSE_CACHE", Path.home() / ".cache" / "aktenlotse")) / "bench"


def corpus(n_files: int) -> Path:
    """Generated once and kept in the cache (never in the repo)."""
    root = CACHE / f"corpus-{n_files}"
    marker = CACHE / f"corpus-{n_files}.complete"  # outside the tree: it must not be crawled
    if not marker.exists():
        shutil.rmtree(root, ignore_errors=True)
        generate_corpus(root, n_files)
        marker.write_text("ok")
    return root


def all_files(root: Path) -> list[str]:
    return [e.path for e in LocalSource(SourceConfig(name="b", root=root)).walk()]


def raw_tika(url: str, root: Path, files: list[str], threads: int) -> float:
    """docs/s with files PUT straight to /rmeta/text, as the crawler does, nothing else."""
    local = __import__("threading").local()

    def send(rel: str) -> None:
        session = getattr(local, "s", None) or requests.Session()
        local.s = session
        with open(root / rel, "rb") as f:
            data = f.read()
        session.put(f"{url}/rmeta/text", data=data, headers={"Accept": "application/json"}, timeout=120)

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, files))
    return len(files) / (time.perf_counter() - start)


def crawl(url: str, root: Path, data: Path, workers: int, backend=None) -> tuple[float, object]:
    """One crawl of `root` into `backend` (default: an embedded index in `data`); seconds
    and the CrawlSummary. The backend is closed afterwards."""
    state = StateDB(data / "state.sqlite")
    backend = backend if backend is not None else EmbeddedBackend(data / "index.sqlite")
    try:
        crawler = Crawler(
            state, backend, TikaServerExtractor(urls=[url]), workers=workers, batch_size=200, analyze=text_analyzer()
        )
        start = time.perf_counter()
        summary = crawler.run([LocalSource(SourceConfig(name="bench", root=root))])
        return time.perf_counter() - start, summary
    finally:
        backend.close()
        state.close()


def bare_walk(root: Path) -> float:
    def walk(path: str) -> int:
        count = 0
        with os.scandir(path) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    count += walk(entry.path)
                else:
                    entry.stat(follow_symlinks=False)
                    count += 1
        return count

    start = time.perf_counter()
    n = walk(str(root))
    return n / (time.perf_counter() - start)


def query_latency(data: Path, rounds: int = 20) -> tuple[float, float]:
    backend = EmbeddedBackend(data / "index.sqlite")
    principals = ["everyone", "group:bauamt", "user:mueller"]
    timings = []
    try:
        for _ in range(rounds):
            for text in BENCH_QUERIES:
                start = time.perf_counter()
                backend.search(Query(text=text, limit=10), principals)
                timings.append((time.perf_counter() - start) * 1000)
    finally:
        backend.close()
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def bench_parser() -> argparse.ArgumentParser:
    """The options every crawl benchmark takes (corpus size, rounds, Tika workers)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    return parser


@contextlib.contextmanager
def corpus_and_tika(n_files: int) -> Iterator[tuple[Path, list[str], Path, ManagedTikaServer]]:
    """The corpus, its files, a work folder and a started managed Tika server (logging there);
    the server is stopped and the work folder removed afterwards."""
    root = corpus(n_files)
    files = all_files(root)
    with tika_workspace("aktenlotse-bench-") as (work, server):
        yield root, files, work, server


def main() -> None:
    args = bench_parser().parse_args()
    with corpus_and_tika(args.files) as (root, files, work, server):
        raw_tika(server.url, root, files[:1500], args.workers)  # JIT warm-up, not counted
        raws, crawls, ratios = [], [], []
        for round_no in range(args.rounds):
            raw = raw_tika(server.url, root, files, args.workers)
            data = work / f"data-{round_no}"
            seconds, summary = crawl(server.url, root, data, args.workers)
            full = summary.extracted / seconds
            raws.append(raw)
            crawls.append(full)
            ratios.append(full / raw)
        mb = sum(os.path.getsize(root / f) for f in files) / 1e6
        print(f"raw_tika_docs_per_s {statistics.median(raws):.0f}  (runs: {', '.join(f'{r:.0f}' for r in raws)})")
        print(
            f"full_crawl_docs_per_s {statistics.median(crawls):.0f}  "
            f"({statistics.median(crawls) * mb / len(files):.2f} MB/s; runs: {', '.join(f'{c:.0f}' for c in crawls)})"
        )
        print(
            f"full_crawl_share_of_raw_tika {statistics.median(ratios) * 100:.0f}%  (target >= 60%; pairs: "
            f"{', '.join(f'{r * 100:.0f}%' for r in ratios)})"
        )
        data = work / "data-0"
        recrawls, walks = [], []
        for _ in range(3):
            seconds, summary = crawl(server.url, root, data, args.workers)
            assert summary.extracted == 0, summary
            recrawls.append(summary.unchanged / seconds)
            walks.append(bare_walk(root))
        recrawl, walk = statistics.median(recrawls), statistics.median(walks)
        print(f"nochange_recrawl_files_per_s {recrawl:.0f}  (target >= 3000)")
        print(f"bare_scandir_walk_files_per_s {walk:.0f}")
        print(f"nochange_recrawl_share_of_walk {recrawl / walk * 100:.0f}%  (target >= 20%)")
        p50, p95 = query_latency(data)
        print(
            f"fulltext_query_ms p50 {p50:.1f} p95 {p95:.1f}  (target p95 <= 50 ms, {len(files)} files, principals "
            "filter)"
        )


if __name__ == "__main__":
    main()
