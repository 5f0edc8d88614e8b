"""The state database's named migrations: a database made by an earlier version migrates
in place and keeps every row; each migration runs once, atomically."""

from __future__ import annotations

import sqlite3

import pytest

from aktenlotse.stores.migrations import Migration, applied_migrations, apply_migrations, table_columns
from aktenlotse.stores.state_schema import STATE_MIGRATIONS
from aktenlotse.stores.statedb import StateDB

# The CREATE statements of the releases before named migrations (copied, not imported:
# the test must keep describing those files even when the schema module changes).
PREVIOUS_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, folder BLOB NOT NULL, name BLOB NOT NULL,
    size INTEGER NOT NULL, mtime REAL NOT NULL, ctime REAL NOT NULL, file_id TEXT, content_hash TEXT,
    allow TEXT NOT NULL DEFAULT '', deny TEXT NOT NULL DEFAULT '', children INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, error_kind TEXT, last_error TEXT, indexed_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS items_by_path ON items(source, folder, name);
CREATE INDEX IF NOT EXISTS items_by_hash ON items(content_hash);
CREATE TABLE IF NOT EXISTS folders (
    source TEXT NOT NULL, path BLOB NOT NULL, traverse_key TEXT NOT NULL, PRIMARY KEY (source, path)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started REAL NOT NULL, finished REAL, status TEXT NOT NULL, sources TEXT NOT NULL,
    new INTEGER DEFAULT 0, changed INTEGER DEFAULT 0, moved INTEGER DEFAULT 0,
    unchanged INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0, errors INTEGER DEFAULT 0,
    seconds REAL, message TEXT
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL,
    kind TEXT NOT NULL, message TEXT NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_by_run ON errors(run_id);
CREATE TABLE IF NOT EXISTS unverified (
    source TEXT NOT NULL, path BLOB NOT NULL, reason TEXT NOT NULL, since REAL NOT NULL,
    PRIMARY KEY (source, path)
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _previous_database(path, *, with_perm_id: bool) -> None:
    """A state DB as an earlier release left it: one indexed item with an undecodable
    name, a folder key, a finished run with an error, an unverified folder, a setting."""
    conn = sqlite3.connect(str(path))
    conn.executescript(PREVIOUS_SCHEMA)
    if with_perm_id:  # the later releases added the column on the fly at open
        conn.execute("ALTER TABLE items ADD COLUMN perm_id TEXT")
    conn.execute(
        "INSERT INTO items (id, source, folder, name, size, mtime, ctime, file_id, content_hash, allow, deny,"
        " children, status, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ("a" * 32, "daten", b"Amt/Akten", b"Bescheid-\xff.pdf", 1234, 1.7e9, 1.7e9, "f1", "h" * 32,
         "everyone", "", 2, "indexed", 1.71e9),
    )  # fmt: skip
    if with_perm_id:
        conn.execute("UPDATE items SET perm_id = 'p1'")
    conn.execute("INSERT INTO folders VALUES ('daten', ?, 'key-1')", (b"Amt/Akten",))
    conn.execute(
        "INSERT INTO runs (id, started, finished, status, sources, new, errors, seconds, message)"
        " VALUES (7, 1.7e9, 1.7e9, 'done', 'daten', 1, 1, 2.5, '')"
    )
    conn.execute("INSERT INTO errors VALUES (1, 7, 'daten', 'Amt/kaputt.pdf', 'corrupt', 'beschädigt', 1.7e9)")
    conn.execute("INSERT INTO unverified VALUES ('daten', ?, 'Zugriff verweigert', 1.7e9)", (b"Amt/Geheim",))
    conn.execute("INSERT INTO settings VALUES ('extractor_version', 'Aktenlotse 0.0.9; Tika 3.2.2')")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("with_perm_id", [False, True], ids=["first-release", "with-perm-id"])
def test_a_database_of_the_previous_version_migrates_in_place_and_keeps_its_rows(tmp_path, with_perm_id):
    path = tmp_path / "state.sqlite"
    _previous_database(path, with_perm_id=with_perm_id)

    state = StateDB(path)
    try:
        row = state.item("a" * 32)
        assert row is not None
        assert row.path == "Amt/Akten/Bescheid-\udcff.pdf"  # the undecodable byte round-trips
        assert (row.size, row.content_hash, row.allow, row.children, row.status) == (
            1234,
            "h" * 32,
            ("everyone",),
            2,
            "indexed",
        )
        assert row.perm_id == ("p1" if with_perm_id else None)
        assert state.folder_key("daten", "Amt/Akten") == "key-1"
        assert [(r["id"], r["status"], r["new"]) for r in state.runs()] == [(7, "done", 1)]
        assert [(e["path"], e["kind"]) for e in state.current_errors()] == [("Amt/kaputt.pdf", "corrupt")]
        assert [(u["path"], u["reason"]) for u in state.unverified()] == [("Amt/Geheim", "Zugriff verweigert")]
        assert state.setting("extractor_version") == "Aktenlotse 0.0.9; Tika 3.2.2"
        # The migrated database works as a new one: the new column is written and read.
        state.mark_unverified("daten", "Amt/Akten", "Test", ["a" * 32])
        state.commit()
        assert state.item("a" * 32).perm_id == "unverified"
    finally:
        state.close()
    conn = sqlite3.connect(str(path))
    assert applied_migrations(conn) == [m.name for m in STATE_MIGRATIONS]
    assert "perm_id" in table_columns(conn, "items")
    conn.close()


def test_a_new_database_records_every_migration_and_reopening_applies_none(tmp_path):
    path = tmp_path / "state.sqlite"
    StateDB(path).close()
    conn = sqlite3.connect(str(path))
    assert applied_migrations(conn) == [m.name for m in STATE_MIGRATIONS]
    assert apply_migrations(conn, STATE_MIGRATIONS) == []
    conn.close()
    StateDB(path).close()  # opening again is fine, too


def test_a_failing_migration_changes_nothing_and_is_retried_at_the_next_open(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "x.sqlite"))
    first = Migration("0001_table", "CREATE TABLE t (a INTEGER);")

    def broken(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        apply_migrations(conn, [first, Migration("0002_fill", broken)])
    assert applied_migrations(conn) == ["0001_table"]
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0  # the half step was rolled back

    def fill(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO t VALUES (1)")

    assert apply_migrations(conn, [first, Migration("0002_fill", fill)]) == ["0002_fill"]
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    conn.close()


def test_migration_names_must_be_unique(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "x.sqlite"))
    with pytest.raises(ValueError):
        apply_migrations(conn, [Migration("a", "SELECT 1;"), Migration("a", "SELECT 2;")])
    conn.close()
