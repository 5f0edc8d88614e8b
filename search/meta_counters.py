"""Generation counters in the embedded index's `meta` table: a writer moves one inside its
transaction, a reader in any process compares it with the value its cache was built at.

Counters: `permission_generation` (the permission-set registry), `vector_generation`
(chunk vectors), `docs_generation` (any write transaction).
"""

from __future__ import annotations

import sqlite3


def bump(connection: sqlite3.Connection, key: str) -> None:
    """Move counter `key` on by one (inside the caller's transaction)."""
    connection.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?", (key,))


def read(connection: sqlite3.Connection, key: str, default: str | None = "0") -> str | None:
    """The counter's current value, or `default` when the index has none yet."""
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default
