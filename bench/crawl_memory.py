"""Crawler memory at two corpus sizes (issue: foundation). Prints one summary line per figure.

    python -m bench.crawl_memory --small 5000 --large 50000

Each size is crawled in its own process (the Tika server runs in another process and is
not counted); the figure is that crawler process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from aktenlotse.crawler.tika_jar import fetch_tika_jar
from aktenlotse.crawler.tika_managed import ManagedTikaServer
from bench.crawl_throughput import corpus, crawl


def crawl_and_report(url: str, root: Path, data: Path) -> None:
    seconds, summary = crawl(url, root, data, workers=4)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"files": summary.extracted, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=50000)
    parser.add_argument("--child", nargs=3, metavar=("URL", "ROOT", "DATA"))
    args = parser.parse_args()
    if args.child:
        url, root, data = args.child
        crawl_and_report(url, Path(root), Path(data))
        return
    work = Path(tempfile.mkdtemp(prefix="aktenlotse-mem-"))
    server = ManagedTikaServer(fetch_tika_jar(), log_dir=work)
    server.start()
    try:
        results = {}
        for n in (args.small, args.large):
            root = corpus(n)
            out = subprocess.run(
                [sys.executable, "-m", "bench.crawl_memory", "--child", server.url, str(root), str(work / f"data-{n}")],
                capture_output=True,
                text=True,
                check=True,
            )
            results[n] = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"crawler_peak_rss_mb_at_{n}_files {results[n]['peak_rss_mb']:.0f}  "
                f"({results[n]['files']} docs in {results[n]['seconds']:.0f} s)"
            )
        small, large = results[args.small]["peak_rss_mb"], results[args.large]["peak_rss_mb"]
        print(f"crawler_rss_growth_{args.small}_to_{args.large} {(large / small - 1) * 100:+.1f}%  (target within 10%)")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
