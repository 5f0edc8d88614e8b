"""Listing throughput and memory of a no-change re-crawl over SMB (real Samba AD DC on
loopback, provisioned in a temp dir). Prints one summary line per figure.

    .venv/bin/python -m bench.smb_listing [--files 20000] [--small 2000]

The first crawl fills the state database with a trivial extractor (extraction is not
what is measured); the second, unchanged crawl is timed: every folder is listed and every
file's security descriptor is read (the ACL-change signal on Samba), with the default
settings (2 reader connections, 8 requests in flight each, at most 2,000 per second).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil

from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import PlainTextExtractor, crawler_source_config, provision

PER_FOLDER = 100


def _fill(share: Path, sub: str, count: int) -> None:
    for i in range(count):
        folder = share / sub / f"ordner{i // PER_FOLDER:04}"
        if i % PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        (folder / f"akte{i:06}.txt").write_text(f"Vorgang {i}", encoding="utf-8")


def _crawl(dc, sub: str, data: Path) -> tuple[object, list[int]]:
    data.mkdir(parents=True, exist_ok=True)
    state, backend = StateDB(data / "state.sqlite"), EmbeddedBackend(data / "index.sqlite")
    source = SmbSource(crawler_source_config(dc, name=sub, path=sub))
    process = psutil.Process()
    peak = [process.memory_info().rss, 0]  # this process; the descriptor reader processes together
    stop = threading.Event()

    def sample():
        while not stop.wait(0.05):
            peak[0] = max(peak[0], process.memory_info().rss)
            readers = 0
            for child in process.children():
                with contextlib.suppress(psutil.Error):  # ended between listing and sampling
                    readers += child.memory_info().rss
            peak[1] = max(peak[1], readers)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        return Crawler(state, backend, PlainTextExtractor(), workers=4, batch_size=500).run([source]), peak
    finally:
        stop.set()
        sampler.join()
        source.close()
        backend.close()
        state.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="smb-bench-"))
    dc = provision(base / "dc")
    dc.start()
    try:
        results = {}
        for sub, count in (("klein", args.small), ("gross", args.files)):
            _fill(dc.share_dir, sub, count)
            os.system(f"chmod -R a+rX {dc.share_dir / sub}")
            first, _ = _crawl(dc, sub, base / f"data-{sub}")
            assert first.new == count, first
            rss_before = psutil.Process().memory_info().rss
            started = time.monotonic()
            again, peak = _crawl(dc, sub, base / f"data-{sub}")
            seconds = time.monotonic() - started
            assert again.unchanged == count and again.extracted == 0, again
            results[sub] = (count, seconds, max(0, peak[0] - rss_before), peak[1])
        count, seconds, _, _ = results["gross"]
        print(
            f"smb_listing no-change re-crawl: {count} files in {seconds:.1f} s = {count / seconds:.0f} entries/s "
            f"(target >= 1000)"
        )
        for sub in ("klein", "gross"):
            n, _, grown, readers = results[sub]
            print(
                f"smb_listing memory: RSS growth during re-crawl of {n} files = {grown / 1e6:.1f} MB, "
                f"descriptor reader processes peak RSS {readers / 1e6:.1f} MB"
            )
    finally:
        dc.stop()

        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
