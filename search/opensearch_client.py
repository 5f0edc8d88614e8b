"""OpenSearch behind the same calls as the Elasticsearch client.

OpenSearch speaks Elasticsearch 7's REST API, so the search-server backend (`es_*`
modules) sends both engines the same requests. Only the Python clients differ: the
official `elasticsearch` client refuses to talk to OpenSearch, and `opensearch-py`
takes a request body (`body=`) and URL parameters (`params=`) where the `elasticsearch`
8 client takes keyword arguments. `OpenSearchClient` offers exactly the calls the
backend makes, in the keyword form, on top of `opensearch-py`; its answers are the
server's JSON as dicts, its exceptions `opensearch-py`'s (`es_errors` knows both).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch


class OpenSearchIndices:
    """`client.indices.*` as the backend calls them."""

    def __init__(self, client: OpenSearch):
        self._indices = client.indices

    def exists(self, index: str) -> bool:
        return bool(self._indices.exists(index=index))

    def create(
        self,
        index: str,
        settings: dict[str, Any] | None = None,
        mappings: dict[str, Any] | None = None,
        aliases: dict[str, Any] | None = None,
    ) -> Any:
        parts = {"settings": settings, "mappings": mappings, "aliases": aliases}
        return self._indices.create(index=index, body={key: value for key, value in parts.items() if value is not None})

    def delete(self, index: str, ignore_unavailable: bool = False) -> Any:
        return self._indices.delete(index=index, params={"ignore_unavailable": str(ignore_unavailable).lower()})

    def get_alias(self, name: str) -> Any:
        return self._indices.get_alias(name=name)

    def put_alias(self, index: str, name: str) -> Any:
        return self._indices.put_alias(index=index, name=name)

    def update_aliases(self, actions: list[dict[str, Any]]) -> Any:
        return self._indices.update_aliases(body={"actions": actions})

    def get_mapping(self, index: str) -> Any:
        return self._indices.get_mapping(index=index)

    def put_mapping(self, index: str, properties: dict[str, Any]) -> Any:
        return self._indices.put_mapping(index=index, body={"properties": properties})

    def refresh(self, index: str) -> Any:
        return self._indices.refresh(index=index)

    def stats(self, index: str, metric: str) -> Any:
        return self._indices.stats(index=index, metric=metric)


class OpenSearchNodes:
    def __init__(self, client: OpenSearch):
        self._nodes = client.nodes

    def info(self, node_id: str, metric: str) -> Any:
        return self._nodes.info(node_id=node_id, metric=metric)


class OpenSearchClient:
    """The keyword-form calls of the `elasticsearch` 8 client that the backend uses."""

    def __init__(self, client: OpenSearch):
        self.raw = client
        self.indices = OpenSearchIndices(client)
        self.nodes = OpenSearchNodes(client)

    def info(self) -> Any:
        return self.raw.info()

    def plugins(self) -> list[str]:
        """Names of the installed plugins (k-NN is one; vector search needs it)."""
        rows = self.raw.cat.plugins(params={"format": "json"})
        return sorted({row.get("component", "") for row in rows or []})

    def search(self, index: str, scroll: str | None = None, **body: Any) -> Any:
        params = {"scroll": scroll} if scroll else {}
        return self.raw.search(index=index, body=body, params=params)

    def scroll(self, scroll_id: str, scroll: str) -> Any:
        return self.raw.scroll(body={"scroll_id": scroll_id, "scroll": scroll})

    def clear_scroll(self, scroll_id: str) -> Any:
        return self.raw.clear_scroll(body={"scroll_id": [scroll_id]})

    def count(self, index: str, query: dict[str, Any] | None = None) -> Any:
        return self.raw.count(index=index, body={"query": query} if query is not None else None)

    def mget(
        self,
        index: str,
        ids: Sequence[str],
        source_includes: Sequence[str] | None = None,
        source_excludes: Sequence[str] | None = None,
    ) -> Any:
        params: dict[str, str] = {}
        if source_includes:
            params["_source_includes"] = ",".join(source_includes)
        if source_excludes:
            params["_source_excludes"] = ",".join(source_excludes)
        return self.raw.mget(index=index, body={"ids": list(ids)}, params=params)

    def bulk(self, operations: list[dict[str, Any]], refresh: bool = False) -> Any:
        return self.raw.bulk(body=operations, params={"refresh": "true" if refresh else "false"})

    def msearch(self, searches: list[dict[str, Any]]) -> Any:
        return self.raw.msearch(body=searches)

    def close(self) -> None:
        self.raw.close()
