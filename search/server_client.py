"""The client type of the search-server backend and the one whole-index read it needs.

`ServerClient` is the `elasticsearch` client or `OpenSearchClient` (the same calls over
`opensearch-py`); `scan` pages through every hit with the scroll API that both engines
have, so neither client's own helpers are needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from elasticsearch import Elasticsearch

from aktenlotse.search.opensearch_client import OpenSearchClient

ServerClient = Elasticsearch | OpenSearchClient


def scan(client: ServerClient, index: str, body: dict[str, Any], size: int = 1000) -> Iterator[dict[str, Any]]:
    """Every hit of `body` in `index` (scroll), for maintenance reads of whole indices.
    The scroll context is cleared however the loop ends."""
    response = client.search(index=index, scroll="2m", size=size, **body)
    scroll_id = response.get("_scroll_id")
    try:
        while response["hits"]["hits"]:
            yield from response["hits"]["hits"]
            if not scroll_id:
                return
            response = client.scroll(scroll_id=scroll_id, scroll="2m")
            scroll_id = response.get("_scroll_id") or scroll_id
    finally:
        if scroll_id:
            with suppress(Exception):  # the context times out by itself
                client.clear_scroll(scroll_id=scroll_id)
