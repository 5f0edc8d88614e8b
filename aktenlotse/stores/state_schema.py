"""The state database's schema: its named migrations, oldest first.

A name is never changed or reused once released: it is what `schema_migrations` records.
The first step is the schema as the releases before named migrations created it (with
`IF NOT EXISTS`, so an existing database keeps its tables and rows); later steps change it.
"""

from __future__ import annotations

from aktenlotse.stores.migrations import Migration, add_column

# The tables of the first release (kept as they were: later changes are further steps).
INITIAL_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    folder BLOB NOT NULL,
    name BLOB NOT NULL,
    size INTEGER NOT NULL,
    mtime REAL NOT NULL,
    ctime REAL NOT NULL,
    file_id TEXT,
    content_hash TEXT,
    allow TEXT NOT NULL DEFAULT '',
    deny TEXT NOT NULL DEFAULT '',
    children INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,            -- pending | indexed | error
    error_kind TEXT,
    last_error TEXT,
    indexed_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS items_by_path ON items(source, folder, name);
CREATE INDEX IF NOT EXISTS items_by_hash ON items(content_hash);
CREATE TABLE IF NOT EXISTS folders (
    source TEXT NOT NULL,
    path BLOB NOT NULL,
    traverse_key TEXT NOT NULL,
    PRIMARY KEY (source, path)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,
    finished REAL,
    status TEXT NOT NULL,            -- running | done | failed | interrupted
    sources TEXT NOT NULL,
    new INTEGER DEFAULT 0, changed INTEGER DEFAULT 0, moved INTEGER DEFAULT 0,
    unchanged INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0, errors INTEGER DEFAULT 0,
    seconds REAL, message TEXT
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_by_run ON errors(run_id);
CREATE TABLE IF NOT EXISTS unverified (
    source TEXT NOT NULL,
    path BLOB NOT NULL,              -- folder relative to the source root, b'' for the root
    reason TEXT NOT NULL,
    since REAL NOT NULL,
    PRIMARY KEY (source, path)
);
CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

STATE_MIGRATIONS = (
    Migration("0001_initial_tables", INITIAL_SCHEMA),
    # The permission set id (visibility.Permissions.id) the index holds for the item;
    # `unverified` while it is hidden because its folder could not be listed. Releases
    # before named migrations added it on the fly, so the step checks first.
    Migration("0002_items_perm_id", add_column("items", "perm_id", "TEXT")),
)
