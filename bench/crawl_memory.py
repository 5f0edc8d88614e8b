"""Crawler memory at two corpus sizes (issue: foundation). Prints one summary line per figure.

    python -m bench.crawl_memory --small 5000 --large 50000

Each size is crawled in its own process (the Tika server runs in another process and is
not counted); the figure is that crawler process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

from bench.child_crawl import crawl_in_child, run_parent_or_child
from bench.crawl_throughput import corpus, crawl
from bench.tika_workspace import tika_workspace


def crawl_and_report(url: str, root: Path, data: Path) -> None:
    seconds, summary = crawl(url, root, data, workers=4)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"files": summary.extracted, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}))


def measure(args: argparse.Namespace) -> None:
    """The parent: one child crawl per corpus size, then the growth of the peak RSS."""
    with tika_workspace("aktenlotse-mem-") as (work, server):
        results = {}
        for n in (args.small, args.large):
            results[n] = crawl_in_child("bench.crawl_memory", server.url, corpus(n), work / f"data-{n}")
            print(
                f"crawler_peak_rss_mb_at_{n}_files {results[n]['peak_rss_mb']:.0f}  "
                f"({results[n]['files']} docs in {results[n]['seconds']:.0f} s)"
            )
        small, large = results[args.small]["peak_rss_mb"], results[args.large]["peak_rss_mb"]
        print(f"crawler_rss_growth_{args.small}_to_{args.large} {(large / small - 1) * 100:+.1f}%  (target within 10%)")


def main() -> None:
    run_parent_or_child(measure, crawl_and_report, small=5000, large=50000)


if __name__ == "__main__":
    main()
