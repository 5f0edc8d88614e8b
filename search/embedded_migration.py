"""In-place migrations of an embedded index: version 1 to 2 and version 2 to 3.

Version 1 kept visibility as per-document principal rows (`principals`); version 2 names
a permission set per document (`docs.perm_id`, registry `permission_sets`). Opening a
version 1 file migrates it in one transaction: the documents are copied into the new
table layout with their permission set computed from the stored allow/deny (rowids are
kept, so the full-text index, facets and vectors stay valid without a rebuild), the old
table and the principal rows are dropped. A crash in the middle leaves version 1 as it
was (the transaction rolls back) and the next open tries again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence

from aktenlotse.core.visibility import permissions
from aktenlotse.search.embedded_schema import SCHEMA_VERSION, pack_terms

log = logging.getLogger(__name__)


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]


def needs_migration(connection: sqlite3.Connection) -> bool:
    columns = _columns(connection, "docs")
    return bool(columns) and "perm_id" not in columns


def migrate_v1(connection: sqlite3.Connection, docs_table_ddl: str, doc_columns: Sequence[str]) -> bool:
    """Migrate a version 1 index on `connection` (autocommit mode) to the layout of
    `docs_table_ddl` / `doc_columns`. Returns whether anything was migrated."""
    if not needs_migration(connection):
        return False
    registry: dict[str, str] = {}

    def perm_id(allow: str, deny: str) -> str:
        perms = permissions(json.loads(allow), json.loads(deny))
        registry[perms.id] = perms.to_json()
        return perms.id

    connection.create_function("aktenlotse_perm_id", 2, perm_id, deterministic=True)
    copied = [c for c in doc_columns if c not in ("perm_id", "require")]
    connection.execute("BEGIN IMMEDIATE")
    try:
        if not needs_migration(connection):  # another process migrated it meanwhile
            connection.execute("ROLLBACK")
            return False
        connection.execute(docs_table_ddl.format(name="docs_v2"))
        connection.execute(
            f"INSERT INTO docs_v2(rowid, {', '.join(copied)}, perm_id, require)"
            f" SELECT rowid, {', '.join(copied)}, aktenlotse_perm_id(allow, deny), '[]' FROM docs"
        )
        connection.execute("DROP TRIGGER IF EXISTS docs_fts_insert")
        connection.execute("DROP TRIGGER IF EXISTS docs_fts_delete")
        connection.execute("DROP TABLE docs")
        connection.execute("ALTER TABLE docs_v2 RENAME TO docs")
        connection.execute("DROP TABLE IF EXISTS principals")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS permission_sets (id TEXT PRIMARY KEY, permissions TEXT NOT NULL)"
        )
        connection.executemany("INSERT OR IGNORE INTO permission_sets(id, permissions) VALUES (?, ?)", registry.items())
        connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', '2')")
        connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('permission_generation', '1')")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    # The triggers and indexes of the new table come from the schema script that runs next.
    log.warning("Suchindex auf Version 2 (Berechtigungssätze) umgestellt: %d Berechtigungssätze.", len(registry))
    return True


def migrate_v2(connection: sqlite3.Connection) -> bool:
    """Version 2 -> 3 on `connection` (autocommit mode), in one transaction: the FTS5 tables
    and their triggers go (the tantivy full-text index is then built from `docs`, because
    it does not exist yet), the token streams are compressed. A crash leaves version 2."""
    if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_fts'").fetchone() is None:
        return False
    connection.create_function("aktenlotse_pack_terms", 1, _packed, deterministic=True)
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_fts'").fetchone() is None:
            connection.execute("ROLLBACK")  # another process migrated it meanwhile
            return False
        for statement in (
            "DROP TRIGGER IF EXISTS docs_fts_insert",
            "DROP TRIGGER IF EXISTS docs_fts_delete",
            "DROP TABLE IF EXISTS docs_vocab",
            "DROP TABLE IF EXISTS docs_fts",
            "UPDATE docs SET title_terms = aktenlotse_pack_terms(title_terms), terms = aktenlotse_pack_terms(terms)"
            " WHERE typeof(terms) = 'text'",
            f"UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version'",
        ):
            connection.execute(statement)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    log.warning("Suchindex auf Version 3 umgestellt: der Volltext wird neu aufgebaut.")
    return True


def _packed(terms: str | bytes) -> bytes:
    return terms if isinstance(terms, bytes) else pack_terms(terms)
