"""The embedded backend: one SQLite file (WAL) with an FTS5 index over our analysed tokens.

Layout (`embedded_schema`):
- `docs`: one row per document (all `Document` fields, plus `folder`/`top_folder`/`year`
  for filters and facets, plus the analysed `title_terms`/`terms`);
- `docs_fts`: an external-content FTS5 table over `docs(title_terms, terms)`, kept in step
  by triggers; tokenizer `unicode61 tokenchars '_'` so that exact tokens like
  `632_10_2023_145` stay whole;
- `permission_sets`: the registry of distinct permission sets (id -> canonical
  `Permissions` JSON); each `docs` row names its set in `perm_id`. Every read (search in
  all modes, count, facets, snippets, get, suggestions) filters `perm_id` by the sets the
  caller may read (`visibility.visible_ids`, cached per reader until the registry's
  `meta.permission_generation` moves) with `visibility.sql_condition`;
- `doc_vectors`: chunk vectors per document and model (see `vector_store`).

The backend is put together from its file (`embedded_base`: connections, transactions,
the visibility condition), its writes (`embedded_writes`) and its searches
(`embedded_search`); this module adds the reads by id and the maintenance reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from aktenlotse.core.records import Document
from aktenlotse.search.backend import BackendError
from aktenlotse.search.backend_common import RoleCheckedListing
from aktenlotse.search.embedded_base import MSG_INDEX_UNAVAILABLE
from aktenlotse.search.embedded_schema import DOC_COLUMNS, SCHEMA_VERSION, db_files, document
from aktenlotse.search.embedded_search import EmbeddedSearch
from aktenlotse.search.embedded_writes import EmbeddedWrites

__all__ = ["SCHEMA_VERSION", "EmbeddedBackend"]


class EmbeddedBackend(RoleCheckedListing, EmbeddedWrites, EmbeddedSearch):
    """Backend over one SQLite file. `analyzer` fills `terms`/`title_terms` for documents
    that arrive without them, parses queries and builds snippets (default: a shared
    `GermanAnalyzer`)."""

    def get(self, doc_id: str, principals: Sequence[str]) -> Document | None:
        """The document, or None when it is missing or not visible to `principals`."""
        principals = list(dict.fromkeys(principals))
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, principals)
            row = connection.execute(
                f"SELECT {', '.join('d.' + c for c in DOC_COLUMNS)} FROM docs d WHERE d.id = ? AND {visible}",
                [doc_id, *visible_params],
            ).fetchone()
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        return None if row is None else document(row)

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id, NOT security-trimmed: only for the crawler and the passes
        (re-indexing moved files and changed permissions, reading text to enrich), never
        for anything a user asked. Unknown ids are skipped."""
        documents: list[Document] = []
        try:
            connection = self._connection()
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                rows = connection.execute(
                    f"SELECT {', '.join(DOC_COLUMNS)} FROM docs WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                ).fetchall()
                documents.extend(document(row) for row in rows)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        return documents

    def ids(self) -> set[str]:
        """All document ids (not security-trimmed; for maintenance and tests)."""
        try:
            return {row[0] for row in self._connection().execute("SELECT id FROM docs")}
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error

    def stats(self) -> dict[str, Any]:
        """Document count, index file size and location."""
        try:
            connection = self._connection()
            documents = connection.execute("SELECT count(*) FROM docs").fetchone()[0]
            permission_sets = connection.execute("SELECT count(*) FROM permission_sets").fetchone()[0]
            vectors = self._vectors.counts(connection)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        size = sum(p.stat().st_size for p in db_files(self.db_path) if p.exists())
        return {
            "backend": "embedded",
            "path": str(self.db_path),
            "documents": documents,
            "permission_sets": permission_sets,
            "vectors": vectors,
            "size_bytes": size,
        }

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
