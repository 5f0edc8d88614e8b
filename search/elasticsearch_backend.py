"""The Elasticsearch backend: the same Backend seam as the embedded index, for scale-out.

Layout: one document per item behind the alias `index.elasticsearch.index` (see
`es_index`; settings/mappings in index_config/documents-v<N>.json). `terms` and
`title_terms` hold our own German token stream, indexed with the built-in whitespace
analyzer (BM25, title weighted 4:1 like the embedded index), so no analysis plugin is
needed. Keyword fields carry the folder hierarchy, file type, year, source, the
permission set and the enrichment keywords / Aktenplan codes for facets
(`es_documents`). Chunk embeddings are nested under `chunks`.

The backend is put together from its connection (`es_client`: retries, bulk writes),
its writes (`es_writes`) and its searches (`es_search`, query DSL in `es_query`); this
module opens the index and adds the reads by id and the maintenance reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from elasticsearch import helpers

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.core.records import Document
from aktenlotse.core.visibility import Permissions
from aktenlotse.search.backend_common import RoleCheckedListing
from aktenlotse.search.es_client import make_client
from aktenlotse.search.es_documents import document
from aktenlotse.search.es_index import ensure_index
from aktenlotse.search.es_permissions import upgrade_source
from aktenlotse.search.es_search import EsSearch
from aktenlotse.search.es_writes import EsWrites
from aktenlotse.text.analysis import GermanAnalyzer

__all__ = ["ElasticsearchBackend", "make_client"]


class ElasticsearchBackend(RoleCheckedListing, EsWrites, EsSearch):
    """Backend over an Elasticsearch index (alias + versioned index). `refresh=True`
    makes every write visible to searches when the call returns (like the embedded
    index); `False` leaves it to the index's refresh interval (faster bulk loads).
    `upgrade(version, source)` rewrites stored documents when the index is rebuilt
    from an older mapping version."""

    def __init__(
        self,
        config: ElasticsearchConfig,
        analyzer: GermanAnalyzer | None = None,
        *,
        upgrade: Callable[[int, dict[str, Any]], dict[str, Any]] | None = None,
        **options: Any,
    ):
        """`options`: `refresh`, `client`, `spec`, `backoff_s` (see `EsIndexClient`)."""
        super().__init__(config, analyzer, **options)
        self.permissions.ensure()
        migrated: dict[str, Permissions] = {}

        def with_permission_set(version: int, source: dict[str, Any]) -> dict[str, Any]:
            if upgrade is not None:
                source = upgrade(version, source)
            if "perm_id" not in source:
                source, perms = upgrade_source(source)
                migrated[perms.id] = perms
            return source

        self.index = self._call(
            lambda: ensure_index(self.client, self.alias, self.spec, with_permission_set), retry=True
        )
        self.permissions.register(migrated.values())
        self._add_missing_permission_sets()

    def __enter__(self) -> ElasticsearchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, doc_id: str, principals: Sequence[str]) -> Document | None:
        """The document, or None when it is missing or not visible to `principals`."""
        principals = list(dict.fromkeys(principals))
        if not principals or not doc_id:  # Elasticsearch refuses an empty id outright
            return None
        body = {
            "query": {"bool": {"filter": [{"ids": {"values": [doc_id]}}, self.permissions.filter_for(principals)]}},
            "size": 1,
            "_source": {"excludes": ["chunks"]},
        }
        hits = self._search(body)["hits"]["hits"]
        return document(hits[0]["_source"]) if hits else None

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id (real-time), NOT security-trimmed: only for the crawler and the
        passes (re-indexing moved files and changed permissions, reading text to enrich),
        never for anything a user asked. Unknown ids are skipped."""
        documents: list[Document] = []
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found = self._mget(part, source_excludes=["chunks"])
            documents.extend(document(hit["_source"]) for hit in found["docs"] if hit.get("found"))
        return documents

    def ids(self) -> set[str]:
        """All document ids (not security-trimmed; for maintenance and tests)."""
        try:
            return {
                hit["_id"]
                for hit in helpers.scan(
                    self.client, index=self.alias, query={"query": {"match_all": {}}, "_source": False}, size=5000
                )
            }
        except Exception as error:  # noqa: BLE001
            raise self._error(error) from error

    def stats(self) -> dict[str, Any]:
        """Document count, vectors per model, index size, where it lives."""
        documents = self._call(lambda: self.client.count(index=self.alias))["count"]
        models = self._search({"size": 0, "aggs": {"models": {"terms": {"field": "vector_model", "size": 20}}}})
        vectors = {b["key"]: {"documents": b["doc_count"]} for b in models["aggregations"]["models"]["buckets"]}
        index_stats = self._call(lambda: self.client.indices.stats(index=self.alias, metric="store"))
        size = index_stats.get("_all", {}).get("total", {}).get("store", {}).get("size_in_bytes", 0)
        return {
            "backend": "elasticsearch",
            "urls": list(self.config.urls),
            "alias": self.alias,
            "index": self.index,
            "documents": documents,
            "vectors": vectors,
            "size_bytes": size,
        }

    def server_version(self) -> str:
        """The cluster's version number (for `aktenlotse check`)."""
        nodes = self._call(lambda: self.client.nodes.info(node_id="_local", metric="_none"))
        for node in nodes.get("nodes", {}).values():
            return str(node.get("version", "?"))
        return "?"
