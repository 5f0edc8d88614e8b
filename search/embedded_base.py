"""The embedded backend's SQLite file: its connections, its write transaction, its readers' filter.

One connection per thread; writes in this process are serialised by a lock, and WAL lets
readers in other processes (CLI, portal) go on while the crawler writes. The writing and
the reading halves of the backend (`embedded_writes`, `embedded_search`) build on this.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from aktenlotse.core.storage_errors import MSG_FULL, storage_problem
from aktenlotse.core.visibility import sql_condition
from aktenlotse.search import meta_counters
from aktenlotse.search.backend import BackendError
from aktenlotse.search.embedded_migration import migrate_v1, migrate_v2
from aktenlotse.search.embedded_schema import DOC_COLUMNS, DOCS_TABLE, SCHEMA, load_registry
from aktenlotse.search.fulltext_index import Fulltext
from aktenlotse.search.permission_sets import PermissionCache
from aktenlotse.search.vector_ann import SCHEMA as VECTOR_ANN_SCHEMA
from aktenlotse.search.vector_ann import AnnStore
from aktenlotse.search.vector_permissions import DOCS_GENERATION, VectorPermissionCache
from aktenlotse.search.vector_permissions import SCHEMA as VECTOR_PERMISSIONS_SCHEMA
from aktenlotse.search.vector_store import SCHEMA as VECTOR_SCHEMA
from aktenlotse.search.vector_store import VectorStore
from aktenlotse.text.analysis import GermanAnalyzer

# German messages for users; the SQLite detail goes to the exception chain, not the page.
MSG_QUERY_FAILED = "Die Suche konnte nicht ausgeführt werden. Bitte die Suchanfrage vereinfachen."
MSG_INDEX_UNAVAILABLE = "Der Suchindex ist nicht erreichbar."
MSG_WRITE_FAILED = "Der Suchindex konnte nicht aktualisiert werden."
PAGE_SIZE = 16384


class EmbeddedIndexFile:
    """One SQLite index file, opened (created or migrated) on construction. `analyzer`
    fills token streams and parses queries (default: a shared `GermanAnalyzer`)."""

    def __init__(self, db_path: Path, analyzer: GermanAnalyzer | None = None):
        self.db_path = Path(db_path)
        self.analyzer = analyzer or GermanAnalyzer()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self._vectors = VectorStore()
        self._vector_permissions = VectorPermissionCache()
        self._ann = AnnStore(self.db_path)
        self._permissions = PermissionCache()
        self._fulltext = Fulltext(self.db_path)
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connection()
            with self._write_lock:
                migrate_v1(connection, DOCS_TABLE, DOC_COLUMNS)
                migrate_v2(connection)
                connection.executescript(SCHEMA)
                connection.executescript(VECTOR_SCHEMA)
                connection.executescript(VECTOR_PERMISSIONS_SCHEMA)
                connection.executescript(VECTOR_ANN_SCHEMA)
                self._fulltext.open(connection)
        except (sqlite3.Error, OSError, ValueError) as error:
            # ValueError: tantivy's errors (a damaged or locked full-text folder).
            raise BackendError(f"{MSG_INDEX_UNAVAILABLE} {storage_problem(error)}") from error

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise BackendError(MSG_INDEX_UNAVAILABLE)
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
            # Before the first table only (a no-op later): a document row is ~2 KB, so on
            # SQLite's default 4 KB pages one fits per page and half of each page is empty;
            # 16 KB pages hold seven (the index 20 % smaller, docs/benchmarks.md).
            connection.execute(f"PRAGMA page_size={PAGE_SIZE}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=OFF")
            connection.execute("PRAGMA cache_size=-32000")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every connection this backend opened (in any thread)."""
        self._closed = True
        with self._connections_lock:
            for connection in self._connections:
                with suppress(sqlite3.Error):
                    connection.close()
            self._connections.clear()
        self._local = threading.local()

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        """One writer at a time, one immediate transaction; any SQLite failure becomes a
        BackendError and nothing of the transaction stays."""
        try:
            with self._write_lock:
                connection = self._connection()
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    # Readers' copies of per-document state (`vector_permissions`) see it moved.
                    meta_counters.bump(connection, DOCS_GENERATION)
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            message = storage_problem(error)
            if message == MSG_FULL:
                self._give_back_wal_space()
            raise BackendError(f"{MSG_WRITE_FAILED} {message}") from error

    def _give_back_wal_space(self) -> None:
        # The rolled-back transaction's pages stay in the WAL file; on a full disk they are
        # the space the crawl still needs to close its run as failed, so truncate the WAL.
        with suppress(sqlite3.Error, BackendError):
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _sync_fulltext(self) -> None:
        """Apply the rows the last write marked to the full-text index (see
        `fulltext_index`); a failure leaves them marked for the next write or open."""
        try:
            with self._write_lock:
                self._fulltext.sync(self._connection())
        except (sqlite3.Error, OSError, ValueError) as error:
            message = storage_problem(error) if isinstance(error, (sqlite3.Error, OSError)) else str(error)
            raise BackendError(f"{MSG_WRITE_FAILED} {message}") from error

    def _visible_sets(self, connection: sqlite3.Connection, principals: Sequence[str]) -> list[str]:
        """The ids of the permission sets `principals` may read. Every read goes through here."""
        if not principals:
            return []
        generation = meta_counters.read(connection, "permission_generation", default=None)
        return self._permissions.visible(principals, generation, lambda: load_registry(connection))

    def _visible(self, connection: sqlite3.Connection, principals: Sequence[str]) -> tuple[str, list[str]]:
        """SQL condition on alias `d` (and its parameters): only documents whose permission
        set `principals` may read."""
        return sql_condition("d.perm_id", self._visible_sets(connection, principals))
