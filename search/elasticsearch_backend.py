"""The search-server backend (Elasticsearch or OpenSearch): the same Backend seam as the
embedded index, for scale-out.

Both engines get the same requests (the `es_*` modules); what differs lives in two
places: the client (`opensearch_client`: OpenSearch through `opensearch-py` behind the
calls of the `elasticsearch` client) and the vector field and kNN query
(`engine_dialect`). `index.backend` picks the engine, `[index.elasticsearch]` or
`[index.opensearch]` its connection.

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

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.core.records import Document
from aktenlotse.core.visibility import Permissions
from aktenlotse.search.backend import BackendError
from aktenlotse.search.backend_common import RoleCheckedListing
from aktenlotse.search.engine_dialect import MIN_OPENSEARCH
from aktenlotse.search.es_client import make_client
from aktenlotse.search.es_documents import document
from aktenlotse.search.es_errors import status_of, translate
from aktenlotse.search.es_index import ensure_index
from aktenlotse.search.es_permissions import upgrade_source
from aktenlotse.search.es_search import EsSearch
from aktenlotse.search.es_writes import EsWrites
from aktenlotse.search.opensearch_client import OpenSearchClient
from aktenlotse.search.server_client import scan
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
        if config.engine == "opensearch":
            self._call(self._check_opensearch, retry=True)
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
            everything = {"query": {"match_all": {}}, "_source": False}
            return {hit["_id"] for hit in scan(self.client, self.alias, everything, 5000)}
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
            "backend": self.config.engine,
            "urls": list(self.config.urls),
            "alias": self.alias,
            "index": self.index,
            "documents": documents,
            "vectors": vectors,
            "size_bytes": size,
        }

    def drop_index(self) -> None:
        """Delete this backend's indices (the versioned ones and the permission sets), for
        throw-away indices such as `aktenlotse eval search` makes."""
        self._call(lambda: self.client.indices.delete(index=f"{self.alias}-v*", ignore_unavailable=True))
        self._call(lambda: self.client.indices.delete(index=self.permissions.index, ignore_unavailable=True))

    def _check_opensearch(self) -> None:
        """The server must be OpenSearch, new enough, with the k-NN plugin (which holds the
        vector field): refused here with the reason, not later with a mapping error."""
        where = ", ".join(self.config.urls)
        try:
            info = self.client.info()
        except Exception as error:  # noqa: BLE001 - an answer that is not OpenSearch's
            if status_of(error) is None:
                raise  # no answer at all: _call names the cause
            raise BackendError(
                f"Unter {where} antwortet kein OpenSearch ({translate(error, self.config)}); index.opensearch.urls "
                "und index.backend prüfen."
            ) from error
        version = info.get("version", {})
        if version.get("distribution") != "opensearch":
            raise BackendError(
                f"Unter {where} antwortet kein OpenSearch (Version {version.get('number', '?')}); "
                'für Elasticsearch index.backend = "elasticsearch" setzen, sonst index.opensearch.urls prüfen.'
            )
        number = tuple(int(part) for part in str(version.get("number", "0")).split(".")[:2] if part.isdigit())
        if number < MIN_OPENSEARCH:
            raise BackendError(
                f"OpenSearch {version.get('number')} unter {where} ist zu alt: Aktenlotse braucht "
                f"{'.'.join(map(str, MIN_OPENSEARCH))} oder neuer."
            )
        if isinstance(self.client, OpenSearchClient) and "opensearch-knn" not in self.client.plugins():
            raise BackendError(
                f"OpenSearch unter {where} hat das k-NN-Plugin (opensearch-knn) nicht: ohne es gibt es keine "
                "semantische Suche. Das Plugin in der Version des Servers installieren (bin/opensearch-plugin install)."
            )

    def server_version(self) -> str:
        """The cluster's version number (for `aktenlotse check`)."""
        nodes = self._call(lambda: self.client.nodes.info(node_id="_local", metric="_none"))
        for node in nodes.get("nodes", {}).values():
            return str(node.get("version", "?"))
        return "?"
