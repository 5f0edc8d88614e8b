"""Shared by the search-server benchmarks: a local single-node Elasticsearch or OpenSearch
(the test distributions, started like the test suite does) or one given by URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.plugins.elasticsearch import start_elasticsearch
from tests.plugins.opensearch import start_opensearch
from tests.plugins.search_server import temporary_server

STARTERS = {"elasticsearch": start_elasticsearch, "opensearch": start_opensearch}


@contextlib.contextmanager
def search_server(url: str | None, engine: str = "elasticsearch") -> Iterator[str]:
    """Yield the URL of a server of `engine`: `url` as given, or a fresh local one."""
    if url:
        yield url.rstrip("/")
        return
    with temporary_server(STARTERS[engine], f"aktenlotse-bench-{engine}-") as server:
        yield server.url
