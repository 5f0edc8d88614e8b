"""The embedded backend's writes: the crawl's (documents, permissions, deletes) and the
second passes' (field updates, chunk vectors).

Only `upsert` and `set_permissions` write permissions; `update_fields` and
`upsert_vectors` are refused for a document whose content moved on since the pass read it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from aktenlotse.core.records import Document
from aktenlotse.core.storage_errors import storage_problem
from aktenlotse.core.visibility import Permissions, of_item
from aktenlotse.search import meta_counters
from aktenlotse.search.backend import Acl, BackendError, ChunkVectors, FieldUpdate
from aktenlotse.search.backend_common import merged_extra
from aktenlotse.search.embedded_base import MSG_INDEX_UNAVAILABLE, MSG_WRITE_FAILED, EmbeddedIndexFile
from aktenlotse.search.embedded_ranking import as_matrix
from aktenlotse.search.embedded_schema import INSERT_DOC, doc_row, facet_rows, last_per_id, pack_terms
from aktenlotse.search.fulltext_index import Fulltext
from aktenlotse.search.vector_ann import build_snapshot, rebuild_due, token_key
from aktenlotse.search.vector_store import content_key

_INSERT_FACETS = "INSERT OR IGNORE INTO doc_facets(doc, kind, value) VALUES (?, ?, ?)"


class EmbeddedWrites(EmbeddedIndexFile):
    """Every write of the embedded backend, each one transaction; every write that changes
    what the full text sees marks the rows (`Fulltext.mark`) and syncs after its commit."""

    def upsert(self, docs: Sequence[Document]) -> None:
        """Insert or replace `docs` by id in one transaction; durable on return. Crawl
        (and wiki) only: this writes the documents' permissions."""
        if not docs:
            return
        unique = last_per_id(docs)
        perms = {doc.id: of_item(doc) for doc in unique}
        rows = [doc_row(doc, perms[doc.id].id, self.analyzer) for doc in unique]
        keys = {doc.id: content_key(doc.content_hash, doc.title, doc.text) for doc in unique}
        with self._write_transaction() as connection:
            registered = self._register(connection, perms.values())
            self._vectors.drop_changed(connection, keys)
            changed = _rowids(connection, [row[0] for row in rows])
            connection.executemany("DELETE FROM docs WHERE id = ?", [(row[0],) for row in rows])
            rows_of_facets: list[tuple[int, str, str]] = []
            for row, doc in zip(rows, unique, strict=True):
                rowid = connection.execute(INSERT_DOC, row).lastrowid
                assert rowid is not None  # an INSERT always sets it
                changed.append(rowid)
                rows_of_facets.extend(facet_rows(rowid, doc.extra))
            connection.executemany(_INSERT_FACETS, rows_of_facets)
            Fulltext.mark(connection, changed)
        self._permissions.remember(registered)
        self._sync_fulltext()

    def _register(self, connection: sqlite3.Connection, sets: Iterable[Permissions]) -> list[str]:
        """Store permission sets the registry lacks (inside the caller's transaction);
        moves the registry's generation when one was new. Returns the ids written."""
        fresh = {perms.id: perms for perms in sets if perms.id not in self._permissions.known}
        if not fresh:
            return []
        before = connection.total_changes
        connection.executemany(
            "INSERT OR IGNORE INTO permission_sets(id, permissions) VALUES (?, ?)",
            [(perm_id, perms.to_json()) for perm_id, perms in fresh.items()],
        )
        if connection.total_changes != before:
            meta_counters.bump(connection, "permission_generation")
        return list(fresh)

    def set_permissions(self, ids: Sequence[str], perms: Permissions, acl: Acl | None = None) -> None:
        """Crawl only: `perms` becomes the permission set of `ids`; `acl` (allow, deny,
        require) replaces the stored ACL, None keeps it (hiding what is unverified)."""
        if not ids:
            return
        with self._write_transaction() as connection:
            registered = self._register(connection, [perms])
            Fulltext.mark(connection, _rowids(connection, ids))
            if acl is None:
                connection.executemany("UPDATE docs SET perm_id = ? WHERE id = ?", [(perms.id, i) for i in ids])
            else:
                allow, deny, require = (
                    json.dumps(list(acl[0])),
                    json.dumps(list(acl[1])),
                    json.dumps([list(c) for c in acl[2]]),
                )
                connection.executemany(
                    "UPDATE docs SET perm_id = ?, allow = ?, deny = ?, require = ? WHERE id = ?",
                    [(perms.id, allow, deny, require, i) for i in ids],
                )
        self._permissions.remember(registered)
        self._sync_fulltext()

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Second passes: apply partial updates in one transaction; permissions, path and
        content hash are never touched. An update whose document is gone or whose content
        key moved is skipped. A new text drops the document's vectors (they were computed
        from the old one)."""
        done: list[str] = []
        if not updates:
            return done
        with self._write_transaction() as connection:
            for update in updates:
                if self._update_one(connection, update):
                    done.append(update.doc_id)
        if done:
            self._sync_fulltext()
        return done

    def _update_one(self, connection: sqlite3.Connection, update: FieldUpdate) -> bool:
        row = connection.execute(
            "SELECT rowid, content_hash, title, text, extra FROM docs WHERE id = ?",
            (update.doc_id,),
        ).fetchone()
        if row is None or content_key(row[1], row[2], row[3]) != update.expected_content_key:
            return False
        rowid, extra = row[0], json.loads(row[4])
        values = dict(update.fields)
        if "extra" in values:
            extra = merged_extra(extra, values["extra"])
            values["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
        if "text" in values and "terms" not in values:
            values["terms"] = self.analyzer.terms(values["text"])
        if "terms" in values:
            values["terms"] = pack_terms(values["terms"])
        assignments = ", ".join(f"{name} = ?" for name in values)
        connection.execute(f"UPDATE docs SET {assignments} WHERE rowid = ?", [*values.values(), rowid])
        if "terms" in values or "extra" in values:  # words, keywords or Aktenplan codes
            Fulltext.mark(connection, [rowid])
        if "extra" in values:
            connection.execute("DELETE FROM doc_facets WHERE doc = ?", (rowid,))
            connection.executemany(_INSERT_FACETS, facet_rows(rowid, extra))
        if "text" in values and values["text"] != row[3]:
            self._vectors.delete(connection, [update.doc_id])
        return True

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        with self._write_transaction() as connection:
            Fulltext.mark(connection, _rowids(connection, ids))
            connection.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
            self._vectors.delete(connection, ids)
        self._sync_fulltext()

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors (one model per document); vectors of documents that are
        no longer in the index are dropped. They inherit the document's permission set:
        visibility is always read from the document row at query time."""
        if not items:
            return
        by_id = {item.doc_id: item for item in items}
        with self._write_transaction() as connection:
            ids = list(by_id)
            keys: dict[str, str] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                for doc_id, content_hash, title, text in connection.execute(
                    f"SELECT id, content_hash, title, text FROM docs WHERE id IN ({', '.join('?' * len(part))})", part
                ):
                    keys[doc_id] = content_key(content_hash, title, text)
            self._vectors.write(
                connection,
                (
                    (doc_id, item.model, keys[doc_id], as_matrix(item.vectors), np.asarray(item.spans, dtype=np.int64))
                    for doc_id, item in by_id.items()
                    if doc_id in keys and (item.content_key or keys[doc_id]) == keys[doc_id]
                ),
            )

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` ids (index order) without a vectors row of `model`; not trimmed."""
        try:
            return self._vectors.ids_without(self._connection(), model, limit)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error

    def refresh_vector_index(
        self, model: str, force: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int] | None:
        """Build the ANN snapshot of `model`'s vectors (`vector_ann`) when it is due, or
        always with `force`; None when nothing was built. Readers go on meanwhile."""
        try:
            connection = self._connection()
            row = connection.execute("SELECT max(dim) FROM doc_vectors WHERE model = ? AND chunks > 0", (model,))
            dim = row.fetchone()[0]
            if not dim or not (force or rebuild_due(connection, self._ann, model, int(dim))):
                return None
            built: dict = build_snapshot(connection, self.db_path, model, int(dim), progress)
            with self._write_transaction() as writing:
                writing.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (token_key(model), built.pop("token"))
                )
                # What the new snapshot already reflects need not be remembered.
                writing.execute(
                    "DELETE FROM vector_deletions WHERE id <= ? AND model = ?", (built.pop("max_deletion"), model)
                )
            return built
        except (sqlite3.Error, OSError, RuntimeError) as error:  # RuntimeError: faiss
            raise BackendError(f"{MSG_WRITE_FAILED} {storage_problem(error)}") from error

    def count_without_vectors(self, model: str) -> int:
        """How many documents have no vectors row of `model` (one count, writes nothing)."""
        try:
            return self._vectors.count_without(self._connection(), model)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error


def _rowids(connection: sqlite3.Connection, ids: Sequence[str]) -> list[int]:
    """The rowids of the stored documents among `ids`."""
    rowids: list[int] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        rowids.extend(
            row[0]
            for row in connection.execute(f"SELECT rowid FROM docs WHERE id IN ({', '.join('?' * len(part))})", part)
        )
    return rowids
