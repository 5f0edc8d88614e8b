"""The search-server backend's writes: the crawl's (documents, permissions, deletes) and
the second passes' (field updates, chunk vectors).

Permission sets are registered (and refreshed) before any document names them, so a
document is never visible through a set the registry does not know. Pass writes are
conditional on the content key they read, and field updates on the version read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aktenlotse.core.records import Document
from aktenlotse.core.visibility import Permissions, of_item
from aktenlotse.search.backend import Acl, BackendError, ChunkVectors, FieldUpdate
from aktenlotse.search.es_client import BULK_MAX_BYTES, EsIndexClient, Operation
from aktenlotse.search.es_documents import partial_update, source_of
from aktenlotse.search.es_permissions import upgrade_source
from aktenlotse.search.server_client import scan
from aktenlotse.search.vector_store import content_key

log = logging.getLogger(__name__)

_KEY_FIELDS = ["content_hash", "title", "text"]


def _stored_key(src: dict[str, Any]) -> str:
    return content_key(src.get("content_hash"), src.get("title") or "", src.get("text") or "")


class EsWrites(EsIndexClient):
    """Every write of the search-server backend."""

    def upsert(self, docs: Sequence[Document]) -> None:
        """Insert or replace documents by id (bulk, in batches); their chunk vectors stay
        when the content is unchanged. Durable (translog) and, with `refresh`, searchable
        on return."""
        if not docs:
            return
        unique = list({doc.id: doc for doc in docs}.values())
        self.permissions.register(of_item(doc) for doc in unique)  # before any document names them
        for batch in self._batches(unique):
            sources = {doc.id: self.dialect.with_derived_fields(source_of(doc, self.analyzer), {}) for doc in batch}
            self._keep_vectors(batch, sources)
            self._bulk(
                [({"index": {"_index": self.alias, "_id": doc_id}}, source) for doc_id, source in sources.items()]
            )

    def _batches(self, docs: list[Document]) -> Iterable[list[Document]]:
        batch: list[Document] = []
        size = 0
        for doc in docs:
            weight = 2 * (len(doc.text) + len(doc.terms) + len(doc.title)) + 2000
            if batch and (len(batch) >= self.config.bulk_size or size + weight > BULK_MAX_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(doc)
            size += weight
        if batch:
            yield batch

    def _keep_vectors(self, batch: list[Document], sources: dict[str, dict[str, Any]]) -> None:
        """Carry stored chunk vectors over to the new version of a document whose content
        did not change (a move, a permission change)."""
        ids = list(sources)
        found = self._mget(ids, source_includes=["vector_model", "vector_key"])
        keys = {doc.id: content_key(doc.content_hash, doc.title, doc.text) for doc in batch}
        keep = [
            hit["_id"]
            for hit in found["docs"]
            if hit.get("found")
            and hit["_source"].get("vector_model")
            and hit["_source"].get("vector_key") == keys[hit["_id"]]
        ]
        if not keep:
            return
        stored = self._mget(keep, source_includes=["vector_model", "vector_key", "chunks"])
        for hit in stored["docs"]:
            if hit.get("found") and hit["_source"].get("vector_key") == keys[hit["_id"]]:
                src = hit["_source"]
                sources[hit["_id"]].update(
                    vector_model=src["vector_model"], vector_key=src["vector_key"], chunks=src.get("chunks", [])
                )

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), self.config.bulk_size):
            chunk = unique[start : start + self.config.bulk_size]
            self._bulk([({"delete": {"_index": self.alias, "_id": doc_id}}, None) for doc_id in chunk])

    def _add_missing_permission_sets(self) -> None:
        """Documents written before permission sets existed (an index that had the field
        added in place) get theirs now; until then they are visible to nobody."""
        query = {"bool": {"must_not": [{"exists": {"field": "perm_id"}}]}}
        if not self._call(lambda: self.client.count(index=self.alias, query=query), retry=True)["count"]:
            return
        operations: list[Operation] = []
        sets: dict[str, Permissions] = {}
        for hit in scan(self.client, self.alias, {"query": query, "_source": ["allow", "deny", "require"]}, size=1000):
            _, perms = upgrade_source(hit["_source"])
            sets[perms.id] = perms
            operations.append(({"update": {"_index": self.alias, "_id": hit["_id"]}}, {"doc": {"perm_id": perms.id}}))
        self.permissions.register(sets.values())
        for start in range(0, len(operations), self.config.bulk_size):
            self._bulk(operations[start : start + self.config.bulk_size])
        log.warning("%s: %d Dokumente bekamen ihren Berechtigungssatz.", self.config.engine_name, len(operations))

    def set_permissions(self, ids: Sequence[str], perms: Permissions, acl: Acl | None = None) -> None:
        """Crawl only: `perms` becomes the permission set of `ids` (partial updates; unknown
        ids are ignored); `acl` (allow, deny, require) replaces the stored ACL, None keeps it."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return
        self.permissions.register([perms])
        partial: dict[str, Any] = {"perm_id": perms.id}
        if acl is not None:
            partial.update(
                allow=list(dict.fromkeys(acl[0])),
                deny=list(dict.fromkeys(acl[1])),
                require=[list(clause) for clause in acl[2]],
            )
        for start in range(0, len(unique), self.config.bulk_size):
            chunk = unique[start : start + self.config.bulk_size]
            # A pass may write the document at the same moment (its own fields): the permission
            # change is applied again on top of that version instead of failing with 409.
            self._bulk(
                [
                    ({"update": {"_index": self.alias, "_id": doc_id, "retry_on_conflict": 5}}, {"doc": partial})
                    for doc_id in chunk
                ]
            )

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Second passes: partial updates that never touch permissions, refused when the
        stored content key differs from the expected one. Returns the ids written."""
        by_id = {update.doc_id: update for update in updates}

        def partial(doc_id: str, src: dict[str, Any]) -> dict[str, Any] | None:
            update = by_id[doc_id]
            if _stored_key(src) != update.expected_content_key:
                return None
            return self.dialect.with_derived_fields(partial_update(update, src.get("extra") or {}, self.analyzer), src)

        includes = [*_KEY_FIELDS, "extra", *self.dialect.stored_fields_for_derived()]
        return self._write_if_unchanged(list(by_id), includes, partial, self.config.bulk_size)

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors as nested chunks of their documents (partial updates, so
        they share the document's principals and filters). Vectors of documents that are
        gone, or whose text changed while the vectors were computed, are dropped; an item
        with no vectors marks the document as done."""
        if not items:
            return
        by_id = {item.doc_id: item for item in items}
        chunks: dict[str, list[dict[str, Any]]] = {
            doc_id: [
                {"start": int(span[0]), "end": int(span[1]), "vector": [float(x) for x in vector]}
                for vector, span in zip(item.vectors, item.spans, strict=False)
                if len(vector) and all(math.isfinite(float(x)) for x in vector)
            ]
            for doc_id, item in by_id.items()
        }
        self._ensure_vector_field(next((len(c[0]["vector"]) for c in chunks.values() if c), None))

        def partial(doc_id: str, src: dict[str, Any]) -> dict[str, Any] | None:
            key, item = _stored_key(src), by_id[doc_id]
            if item.content_key is not None and item.content_key != key:
                return None
            return {"vector_model": item.model, "vector_key": key, "chunks": chunks[doc_id]}

        self._write_if_unchanged(list(by_id), _KEY_FIELDS, partial, max(1, self.config.bulk_size // 4))

    def _write_if_unchanged(
        self,
        ids: list[str],
        includes: list[str],
        partial: Callable[[str, dict[str, Any]], dict[str, Any] | None],
        step: int,
    ) -> list[str]:
        """Partial updates, each conditional on the version read (if_seq_no): `partial`
        gives the fields to write for a stored source, or None to leave the document alone.
        A document the crawl wrote meanwhile (409) is read and checked again instead of being
        overwritten or failing the pass; one that is gone is skipped; overload is retried
        with back-off. Returns the ids written; any left after the retries stay due for the
        next pass."""
        pending = list(dict.fromkeys(ids))
        done: list[str] = []
        overloaded = False
        # At least five rounds: a conflict is re-read at once, even with retries switched off.
        for attempt in range(max(5, self.config.max_retries + 1)):
            if not pending:
                break
            if overloaded:
                self._sleep(attempt - 1, BackendError(f"{self.config.engine_name} überlastet (HTTP 429/503)"))
            again: list[str] = []
            overloaded = False
            for start in range(0, len(pending), step):
                found = self._mget(pending[start : start + step], source_includes=includes)
                body: list[dict[str, Any]] = []
                order: list[str] = []
                for hit in found["docs"]:
                    fields = partial(hit["_id"], hit["_source"]) if hit.get("found") else None
                    if fields is None:
                        continue
                    action = {"_index": self.alias, "_id": hit["_id"]}
                    action.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
                    body.extend([{"update": action}, {"doc": fields}])
                    order.append(hit["_id"])
                if not body:
                    continue
                response = self._bulk_once(body)
                for doc_id, item in zip(order, response["items"], strict=True):
                    status = item["update"].get("status", 500)
                    if status < 300:
                        done.append(doc_id)
                    elif status == 409:  # written meanwhile: read again and check again
                        again.append(doc_id)
                    elif status in (429, 502, 503, 504):
                        again.append(doc_id)
                        overloaded = True
                    elif status != 404:
                        engine = self.config.engine_name
                        raise BackendError(f"{engine} lehnte die Aktualisierung von {doc_id!r} ab (HTTP {status}).")
            pending = again
        if pending:
            log.info("%d Dokumente wurden während des Durchlaufs laufend geändert; sie bleiben fällig.", len(pending))
        return done

    def _ensure_vector_field(self, dimension: int | None) -> None:
        """Engines that need the vector dimension in the mapping (OpenSearch) get the
        field with the first vectors; adding the same field again changes nothing."""
        if self._vector_field_ready or dimension is None:
            return
        mapping = self.dialect.vector_mapping(dimension)
        if mapping is not None:
            self._put_mapping(mapping)
        self._vector_field_ready = True

    def _put_mapping(self, properties: dict[str, Any]) -> None:
        self._call(lambda: self.client.indices.put_mapping(index=self.alias, properties=properties), retry=True)

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` ids (by id) without vectors of `model`; not security-trimmed."""
        return self._ids_matching(_without_vectors(model), max(0, int(limit)))

    def refresh_vector_index(
        self, model: str, force: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int] | None:
        """Nothing to do: the server keeps its HNSW graph of the vectors up to date itself."""
        return None

    def count_without_vectors(self, model: str) -> int:
        """How many documents have no vectors of `model` (a count, writes nothing)."""
        query = _without_vectors(model)
        return int(self._call(lambda: self.client.count(index=self.alias, query=query), retry=True)["count"])


def _without_vectors(model: str) -> dict[str, Any]:
    # Listing and counting the due documents share the query: the pass's total is what it walks.
    return {"bool": {"must_not": [{"term": {"vector_model": model}}]}}
