"""The search-server backend's writes: the crawl's (documents, permissions, deletes) and
the second passes' (field updates, chunk vectors).

Permission sets are registered (and refreshed) before any document names them, so a
document is never visible through a set the registry does not know. Pass writes are
conditional on the content key they read, and field updates on the version read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
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
        stored content key differs from the expected one. Each write is conditional on the
        version read (if_seq_no), so a crawl's write in between is re-checked, not lost."""
        pending = {update.doc_id: update for update in updates}
        done: list[str] = []
        for _attempt in range(5):
            if not pending:
                break
            ids = list(pending)
            found = self._mget(ids, source_includes=[*_KEY_FIELDS, "extra", *self.dialect.stored_fields_for_derived()])
            body: list[dict[str, Any]] = []
            order: list[str] = []
            for hit in found["docs"]:
                update = pending.get(hit["_id"])
                if update is None or not hit.get("found"):
                    pending.pop(hit["_id"], None)
                    continue
                src = hit["_source"]
                if _stored_key(src) != update.expected_content_key:
                    pending.pop(hit["_id"])
                    continue
                action = {"_index": self.alias, "_id": hit["_id"]}
                action.update(if_seq_no=hit["_seq_no"], if_primary_term=hit["_primary_term"])
                body.append({"update": action})
                partial = partial_update(update, src.get("extra") or {}, self.analyzer)
                body.append({"doc": self.dialect.with_derived_fields(partial, src)})
                order.append(hit["_id"])
            if not body:
                break
            response = self._bulk_once(body)
            for doc_id, item in zip(order, response["items"], strict=True):
                status = item["update"].get("status", 500)
                if status < 300:
                    done.append(doc_id)
                    pending.pop(doc_id)
                elif status == 404:
                    pending.pop(doc_id)
                elif status != 409:  # 409: written meanwhile; read again and re-check
                    engine = self.config.engine_name
                    raise BackendError(f"{engine} lehnte die Aktualisierung von {doc_id!r} ab (HTTP {status}).")
        return done

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors as nested chunks of their documents (partial updates, so
        they share the document's principals and filters). Vectors of documents that are
        gone are dropped; an item with no vectors marks the document as done."""
        if not items:
            return
        by_id = {item.doc_id: item for item in items}
        ids = list(by_id)
        keys: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found = self._mget(part, source_includes=_KEY_FIELDS)
            keys.update({hit["_id"]: _stored_key(hit["_source"]) for hit in found["docs"] if hit.get("found")})
        operations: list[Operation] = []
        for doc_id, item in by_id.items():
            if doc_id not in keys or (item.content_key is not None and item.content_key != keys[doc_id]):
                continue  # gone, or its text changed while the vectors were computed
            chunks = [
                {"start": int(span[0]), "end": int(span[1]), "vector": [float(x) for x in vector]}
                for vector, span in zip(item.vectors, item.spans, strict=False)
                if len(vector) and all(math.isfinite(float(x)) for x in vector)
            ]
            partial = {"vector_model": item.model, "vector_key": keys[doc_id], "chunks": chunks}
            operations.append(({"update": {"_index": self.alias, "_id": doc_id}}, {"doc": partial}))
        self._ensure_vector_field(operations)
        step = max(1, self.config.bulk_size // 4)
        for start in range(0, len(operations), step):
            self._bulk(operations[start : start + step])

    def _ensure_vector_field(self, operations: list[Operation]) -> None:
        """Engines that need the vector dimension in the mapping (OpenSearch) get the
        field with the first vectors; adding the same field again changes nothing."""
        if self._vector_field_ready:
            return
        for _, partial in operations:
            chunks = (partial or {}).get("doc", {}).get("chunks") or []
            if chunks:
                mapping = self.dialect.vector_mapping(len(chunks[0]["vector"]))
                if mapping is not None:
                    self._put_mapping(mapping)
                self._vector_field_ready = True
                return

    def _put_mapping(self, properties: dict[str, Any]) -> None:
        self._call(lambda: self.client.indices.put_mapping(index=self.alias, properties=properties), retry=True)

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` ids (by id) without vectors of `model`; not security-trimmed."""
        query = {"bool": {"must_not": [{"term": {"vector_model": model}}]}}
        return self._ids_matching(query, max(0, int(limit)))
