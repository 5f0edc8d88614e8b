"""Named schema migrations for the SQLite stores (the sqlite-utils / datasette way).

Each store lists its migrations in order as (name, step); a step is SQL or a function of
the connection. `apply_migrations` records the names it applied in `schema_migrations`
and, at the next open, runs only those not recorded yet, each in its own transaction
together with its record: a crash between two steps leaves a database that the next open
finishes. Steps must tolerate a database made before the migrations table existed (the
first releases created their tables with `IF NOT EXISTS` and added columns on the fly),
so that such a database migrates in place.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Step = str | Callable[[sqlite3.Connection], None]

_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"


@dataclass(frozen=True)
class Migration:
    """One named, never renamed step of a store's schema."""

    name: str
    step: Step


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the migrations applied to this database, oldest first."""
    conn.execute(_TABLE)
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY applied_at, rowid")]


def apply_migrations(conn: sqlite3.Connection, migrations: Sequence[Migration]) -> list[str]:
    """Apply the migrations not yet recorded in `conn`, in order; returns their names."""
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        raise ValueError("migration names must be unique")
    conn.commit()
    done = set(applied_migrations(conn))
    conn.commit()
    new: list[str] = []
    for migration in migrations:
        if migration.name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")  # one writer: two processes opening at once do not both migrate
        try:
            # Another process may have applied it while we waited for the write lock.
            if conn.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (migration.name,)).fetchone():
                conn.commit()
                continue
            if isinstance(migration.step, str):
                for statement in _statements(migration.step):
                    conn.execute(statement)
            else:
                migration.step(conn)
            conn.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (migration.name, time.time())
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        new.append(migration.name)
    return new


def add_column(table: str, column: str, definition: str) -> Callable[[sqlite3.Connection], None]:
    """A step adding a column unless it is there already (older versions added some on the fly)."""

    def step(conn: sqlite3.Connection) -> None:
        if column not in table_columns(conn, table):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    return step


def table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The column names of `table` (empty when it does not exist)."""
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def _statements(script: str) -> list[str]:
    """Split a script into statements (executescript would commit and leave our transaction)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
