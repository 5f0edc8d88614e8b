"""Shared by the Elasticsearch benchmarks: a local single-node Elasticsearch (the test
distribution, started like the test suite does) or one given by --es-url."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.plugins.elasticsearch import start_elasticsearch, stop_elasticsearch


@contextlib.contextmanager
def elasticsearch(url: str | None) -> Iterator[str]:
    """Yield the URL of an Elasticsearch: `url` as given, or a fresh local one."""
    if url:
        yield url.rstrip("/")
        return

    workdir = Path(tempfile.mkdtemp(prefix="aktenlotse-bench-es-"))
    os.chmod(workdir, 0o755)
    server = start_elasticsearch(workdir)
    try:
        yield server.url
    finally:
        stop_elasticsearch(server)
        shutil.rmtree(workdir, ignore_errors=True)
