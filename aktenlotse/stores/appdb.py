"""The app database (data_dir/app.sqlite): what people make in the portal and the CLI,
as opposed to what the crawl finds (the state database).

This module owns it: the file name, the connection settings and the schema as named
migrations (see `aktenlotse.stores.migrations`), applied whenever it is opened. The
stores on top of it (`wiki_store`, `review_store`, `aktenplan_store`, `saved_search_store`,
`search_log_store`, `best_bet_store` …) hold its SQL; the rules about who may do what stay in the services.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Self

from aktenlotse.stores.migrations import Migration, apply_migrations

APP_DB_NAME = "app.sqlite"

# The wiki: pages (their current revision), every revision, uploaded images.
WIKI_TABLES = """
CREATE TABLE IF NOT EXISTS wiki_pages (
    slug TEXT PRIMARY KEY,
    revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wiki_revisions (
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    at REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (slug, revision)
);
CREATE TABLE IF NOT EXISTS wiki_images (
    id INTEGER PRIMARY KEY,
    mime TEXT NOT NULL,
    data BLOB NOT NULL,
    name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    at REAL NOT NULL
);
"""

# The AG DMS review: decisions on Aktenplan suggestions and the models trained from them.
REVIEW_TABLES = """
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT,
    code TEXT,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS review_by_hash ON review_decisions(content_hash);
CREATE INDEX IF NOT EXISTS review_by_path ON review_decisions(source, path);
CREATE TABLE IF NOT EXISTS review_models (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    trained_by TEXT NOT NULL,
    n_decisions INTEGER NOT NULL,
    n_heldout INTEGER NOT NULL,
    heldout_top1 REAL,
    heldout_top3 REAL
);
"""

# The Aktenplan: versioned imports, their classes and the classes folded into others.
AKTENPLAN_TABLES = """
CREATE TABLE IF NOT EXISTS aktenplan_imports (
    version INTEGER PRIMARY KEY,
    imported_at REAL NOT NULL,
    source_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    n_classes INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS aktenplan_classes (
    version INTEGER NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    parent TEXT,
    description TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '[]',
    level INTEGER NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (version, code)
);
CREATE TABLE IF NOT EXISTS aktenplan_folded (
    version INTEGER NOT NULL,
    code TEXT NOT NULL,
    target TEXT NOT NULL,
    PRIMARY KEY (version, code)
);
"""

# Folds of Aktenplan classes applied in the portal or the CLI: which codes went into which
# target, the plan versions before and after, and every decision row it moved with the
# code it had, so that an undo restores the rows exactly.
AKTENPLAN_FOLD_TABLES = """
CREATE TABLE IF NOT EXISTS aktenplan_folds (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    reviewer TEXT NOT NULL,
    codes TEXT NOT NULL,
    target TEXT NOT NULL,
    from_version INTEGER NOT NULL,
    to_version INTEGER NOT NULL,
    undone_at REAL,
    undone_by TEXT,
    undo_version INTEGER
);
CREATE TABLE IF NOT EXISTS aktenplan_fold_moves (
    fold_id INTEGER NOT NULL,
    decision_id INTEGER NOT NULL,
    old_code TEXT NOT NULL,
    PRIMARY KEY (fold_id, decision_id)
);
"""

# Portal logins that outlive a reload: one row per login, revoked at logout, so that a
# copied cookie is dead afterwards; `handover_hash` is the one-time token that lets the
# browser fetch its cookie once (stored as a hash: the table never holds a usable token).
PORTAL_SESSION_TABLES = """
CREATE TABLE IF NOT EXISTS portal_sessions (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    created REAL NOT NULL,
    expires REAL NOT NULL,
    last_seen REAL NOT NULL,
    revoked REAL,
    handover_hash TEXT,
    handover_until REAL
);
CREATE INDEX IF NOT EXISTS portal_sessions_by_handover ON portal_sessions(handover_hash);
"""

# The top-1 mistakes of each training run's held-out evaluation (which class the kept-back
# decisions had, which class the model put first), for the Aktenplan audit's confusion pairs.
REVIEW_MODEL_CONFUSION_TABLES = """
CREATE TABLE IF NOT EXISTS review_model_confusions (
    model_id INTEGER NOT NULL,
    expected TEXT NOT NULL,
    predicted TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (model_id, expected, predicted)
);
"""

# Saved searches: what a user asked (words, mode, sort, facet values as JSON), under a name
# unique per user; `shared` = offered to everyone (a Digitallotse's choice). No results:
# whoever runs a saved search gets them trimmed for themselves.
SAVED_SEARCH_TABLES = """
CREATE TABLE IF NOT EXISTS saved_searches (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    mode TEXT NOT NULL,
    sort TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',
    shared INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    UNIQUE (owner, name)
);
CREATE INDEX IF NOT EXISTS saved_searches_shared ON saved_searches(shared);
"""

# Search analytics: per day, normalised query and mode, how often it was searched, how
# often without hits, how often a result of it was opened, the most hits it had. Counts
# per day and nothing else: no user name, no session, no time of day, no row per search
# that could be put beside a login. Best bets: a wiki page pinned to a query, shown above
# that query's results.
SEARCH_ANALYTICS_TABLES = """
CREATE TABLE IF NOT EXISTS search_counts (
    day TEXT NOT NULL,
    query TEXT NOT NULL,
    mode TEXT NOT NULL,
    searches INTEGER NOT NULL,
    zero_hit_searches INTEGER NOT NULL,
    opened_searches INTEGER NOT NULL,
    max_hits INTEGER NOT NULL,
    PRIMARY KEY (day, query, mode)
) WITHOUT ROWID;
-- Covering: the reports and the popular queries group by query without touching the table.
CREATE INDEX IF NOT EXISTS search_counts_by_query
    ON search_counts(query, day, searches, zero_hit_searches, opened_searches, max_hits);
CREATE TABLE IF NOT EXISTS best_bets (
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    match TEXT NOT NULL,
    slug TEXT NOT NULL,
    pinned_by TEXT NOT NULL,
    at REAL NOT NULL,
    UNIQUE (query, match, slug)
);
"""

# Named, in order, never renamed. The first three are the tables as the releases before
# named migrations created them (with IF NOT EXISTS: an existing file keeps its rows).
APP_MIGRATIONS = (
    Migration("0001_wiki_tables", WIKI_TABLES),
    Migration("0002_review_tables", REVIEW_TABLES),
    Migration("0003_aktenplan_tables", AKTENPLAN_TABLES),
    Migration("0004_aktenplan_folds", AKTENPLAN_FOLD_TABLES),
    Migration("0005_portal_sessions", PORTAL_SESSION_TABLES),
    Migration("0006_review_model_confusions", REVIEW_MODEL_CONFUSION_TABLES),
    Migration("0007_saved_searches", SAVED_SEARCH_TABLES),
    Migration("0008_search_analytics", SEARCH_ANALYTICS_TABLES),
)


def app_db_path(data_dir: Path) -> Path:
    """Where the app database of `data_dir` lies."""
    return Path(data_dir) / APP_DB_NAME


def app_db_exists(data_dir: Path) -> bool:
    """Whether anything was stored in `data_dir`'s app database yet (without creating it)."""
    return app_db_path(data_dir).exists()


def open_app_db(data_dir: Path) -> sqlite3.Connection:
    """A connection to the app database, created or migrated to the current schema.

    Usable from the portal's threads (`check_same_thread=False`); every store commits its
    own writes (`with conn:`). WAL: the portal reads while the CLI writes."""
    path = app_db_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        apply_migrations(conn, APP_MIGRATIONS)
    except BaseException:
        conn.close()
        raise
    return conn


class AppTables:
    """What the stores' table classes share: each owns one connection of `open_app_db` and
    closes it in `close` or at the end of a `with` block."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
