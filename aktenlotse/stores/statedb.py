"""The state database: what was crawled, how it looked, whether it is in the index.

One row per file (`items`), its folder's traverse key (`folders`), crawl runs and error
records, and the folders whose access could not be verified (`unverified`: everything
below them is hidden in the index until a crawl lists them again). Paths are stored as file-system bytes (names that are not UTF-8 round-trip).
The crawl marks an item `indexed` only after the backend write succeeded; anything else
is redone by the next crawl.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.records import WARNING_KINDS
from aktenlotse.core.space_reserve import ensure_reserve, release_reserve
from aktenlotse.core.storage_errors import MSG_FULL, storage_problem

SCHEMA = """
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

# Columns added after the first release: (table, column, definition).
_ADDED_COLUMNS = (
    # The permission set id (visibility.Permissions.id) the index holds for the item;
    # UNVERIFIED while it is hidden because its folder could not be listed.
    ("items", "perm_id", "TEXT"),
)
UNVERIFIED = "unverified"


def to_bytes(path: str) -> bytes:
    return os.fsencode(path)


def to_text(raw: bytes) -> str:
    return os.fsdecode(raw)


def split_path(path: str) -> tuple[str, str]:
    folder, _, name = path.rpartition("/")
    return folder, name


@dataclass(slots=True)
class ItemRow:
    id: str
    source: str
    path: str
    size: int
    mtime: float
    ctime: float
    file_id: str | None
    content_hash: str | None
    allow: tuple[str, ...]
    deny: tuple[str, ...]
    children: int
    status: str
    error_kind: str | None = None
    last_error: str | None = None
    perm_id: str | None = None


ITEM_COLUMNS = (
    "id, source, folder, name, size, mtime, ctime, file_id, content_hash, allow, deny, children, status,"
    " error_kind, last_error, perm_id"
)


def row_to_item(row: tuple) -> ItemRow:
    folder, name = to_text(row[2]), to_text(row[3])
    return ItemRow(
        id=row[0],
        source=row[1],
        path=f"{folder}/{name}" if folder else name,
        size=row[4],
        mtime=row[5],
        ctime=row[6],
        file_id=row[7],
        content_hash=row[8],
        allow=tuple(row[9].split("\n")) if row[9] else (),
        deny=tuple(row[10].split("\n")) if row[10] else (),
        children=row[11],
        status=row[12],
        error_kind=row[13],
        last_error=row[14],
        perm_id=row[15],
    )


def join_principals(principals: Iterable[str]) -> str:
    return "\n".join(principals)


class StateDB:
    """Single-writer access to the state database (the crawl's main thread)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        for table, column, definition in _ADDED_COLUMNS:
            present = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        self.conn.commit()
        ensure_reserve(path.parent)

    def close(self) -> None:
        self.conn.close()

    def commit(self) -> None:
        self.conn.commit()

    # -- items ---------------------------------------------------------------------

    def items_in_folder(self, source: str, folder: str) -> dict[str, ItemRow]:
        rows = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND folder = ?", (source, to_bytes(folder))
        ).fetchall()
        return {to_text(row[3]): row_to_item(row) for row in rows}

    def items_below(self, source: str, folder: str) -> Iterator[ItemRow]:
        """Items in `folder` and all its sub-folders."""
        raw = to_bytes(folder)
        # A range on the (source, folder, name) index instead of substr(): no full scan.
        cursor = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND (folder = ? OR (folder >= ? AND folder < ?))",
            (source, raw, raw + b"/", raw + b"0"),
        )
        for row in cursor:
            yield row_to_item(row)

    def subfolders(self, source: str, folder: str) -> set[str]:
        """Known direct sub-folders of `folder` (from items and folder records)."""
        raw = to_bytes(folder)
        prefix = raw + b"/" if raw else b""
        names: set[str] = set()
        # '/' + 1 == '0': the range [prefix/, prefix0) holds exactly the paths below `folder`.
        upper = raw + b"0" if raw else b"\xff" * 8
        for (path,) in self.conn.execute(
            "SELECT path FROM folders WHERE source = ? AND path >= ? AND path < ? AND path != ?",
            (source, prefix, upper, raw),
        ):
            rest = path[len(prefix) :]
            if rest:
                names.add(to_text(prefix + rest.split(b"/", 1)[0]))
        return names

    def item(self, item_id: str) -> ItemRow | None:
        row = self.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        return row_to_item(row) if row else None

    def items_with_hash(self, source: str, content_hash: str) -> list[ItemRow]:
        rows = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE content_hash = ? AND source = ?", (content_hash, source)
        ).fetchall()
        return [row_to_item(r) for r in rows]

    def add_pending(
        self, item_id: str, source: str, path: str, size: int, mtime: float, ctime: float, file_id: str | None
    ) -> None:
        folder, name = split_path(path)
        self.conn.execute(
            "INSERT INTO items (id, source, folder, name, size, mtime, ctime, file_id, status) VALUES (?,?,?,?,?,?,?,?, 'pending')",
            (item_id, source, to_bytes(folder), to_bytes(name), size, mtime, ctime, file_id),
        )

    def mark_pending(self, item_id: str) -> None:
        self.conn.execute("UPDATE items SET status = 'pending' WHERE id = ?", (item_id,))

    def mark_indexed(
        self,
        item_id: str,
        *,
        size: int,
        mtime: float,
        ctime: float,
        file_id: str | None,
        content_hash: str | None,
        allow: Iterable[str],
        deny: Iterable[str],
        children: int,
        error_kind: str | None = None,
        error: str | None = None,
        perm_id: str | None = None,
    ) -> None:
        """Record what the index now holds for this item (after the backend write)."""
        self.conn.execute(
            "UPDATE items SET size=?, mtime=?, ctime=?, file_id=?, content_hash=?, allow=?, deny=?, children=?,"
            " status=?, error_kind=?, last_error=?, indexed_at=?, perm_id=? WHERE id=?",
            (
                size,
                mtime,
                ctime,
                file_id,
                content_hash,
                join_principals(allow),
                join_principals(deny),
                children,
                "error" if error_kind and error_kind not in WARNING_KINDS else "indexed",
                error_kind,
                error,
                time.time(),
                perm_id,
                item_id,
            ),
        )

    def update_times(self, item_id: str, size: int, mtime: float, ctime: float) -> None:
        self.conn.execute("UPDATE items SET size=?, mtime=?, ctime=? WHERE id=?", (size, mtime, ctime, item_id))

    def move(self, item_id: str, new_path: str) -> None:
        folder, name = split_path(new_path)
        self.conn.execute("UPDATE items SET folder=?, name=? WHERE id=?", (to_bytes(folder), to_bytes(name), item_id))

    def remove(self, item_id: str) -> None:
        self.conn.execute("DELETE FROM items WHERE id = ?", (item_id,))

    def count_items(self, source: str | None = None) -> dict[str, int]:
        sql = "SELECT status, count(*) FROM items" + (" WHERE source = ?" if source else "") + " GROUP BY status"
        return dict(self.conn.execute(sql, (source,) if source else ()).fetchall())

    # -- folders -------------------------------------------------------------------

    def folder_key(self, source: str, path: str) -> str | None:
        row = self.conn.execute(
            "SELECT traverse_key FROM folders WHERE source=? AND path=?", (source, to_bytes(path))
        ).fetchone()
        return row[0] if row else None

    def set_folder_key(self, source: str, path: str, key: str) -> None:
        self.conn.execute(
            "INSERT INTO folders (source, path, traverse_key) VALUES (?,?,?) "
            "ON CONFLICT(source, path) DO UPDATE SET traverse_key = excluded.traverse_key",
            (source, to_bytes(path), key),
        )

    def remove_folders_below(self, source: str, path: str) -> None:
        raw = to_bytes(path)
        self.conn.execute(
            "DELETE FROM folders WHERE source = ? AND (path = ? OR (path >= ? AND path < ?))",
            (source, raw, raw + b"/", raw + b"0"),
        )

    # -- unverified folders (fail closed) --------------------------------------------

    def mark_unverified(self, source: str, folder: str, reason: str, item_ids: Iterable[str]) -> None:
        """`folder` (and all below it) could not be verified: remember why, mark `item_ids`
        (its items, already hidden in the index) hidden, and forget the folder keys below
        it, so that the crawl that lists them again re-reads every item's permissions."""
        raw = to_bytes(folder)
        self.conn.execute(
            "INSERT INTO unverified (source, path, reason, since) VALUES (?,?,?,?) "
            "ON CONFLICT(source, path) DO UPDATE SET reason = excluded.reason",
            (source, raw, reason, time.time()),
        )
        self.conn.executemany("UPDATE items SET perm_id = ? WHERE id = ?", [(UNVERIFIED, i) for i in item_ids])
        if raw:
            where, params = (
                "source = ? AND (path = ? OR (path >= ? AND path < ?))",
                (source, raw, raw + b"/", raw + b"0"),
            )
        else:
            where, params = "source = ?", (source,)
        self.conn.execute(f"UPDATE folders SET traverse_key = '' WHERE {where}", params)

    def mark_verified(self, source: str, folder: str) -> None:
        """`folder` was listed completely: it is no longer unverified (its items get their
        real permissions back as the crawl compares them)."""
        self.conn.execute("DELETE FROM unverified WHERE source = ? AND path = ?", (source, to_bytes(folder)))

    def items_under(self, source: str, folder: str) -> list[ItemRow]:
        """Items in `folder` and below; for the root '' every item of the source."""
        if folder:
            return list(self.items_below(source, folder))
        rows = self.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ?", (source,)).fetchall()
        return [row_to_item(row) for row in rows]

    def forget_unverified_below(self, source: str, folder: str) -> None:
        """`folder` is gone (its parent was listed without it)."""
        raw = to_bytes(folder)
        self.conn.execute(
            "DELETE FROM unverified WHERE source = ? AND (path = ? OR (path >= ? AND path < ?))",
            (source, raw, raw + b"/", raw + b"0"),
        )

    def unverified(self) -> list[dict]:
        """Folders hidden because they could not be verified, with the reason and the number
        of items hidden below them (for the admin page)."""
        result = []
        for source, raw, reason, since in self.conn.execute(
            "SELECT source, path, reason, since FROM unverified ORDER BY source, path"
        ).fetchall():
            folder = to_text(raw)
            hidden = sum(1 for row in self.items_under(source, folder) if row.perm_id == UNVERIFIED)
            result.append({"source": source, "path": folder, "reason": reason, "since": since, "hidden": hidden})
        return result

    # -- runs and errors -----------------------------------------------------------

    def start_run(self, sources: list[str]) -> int:
        # A run still marked running was killed; say so instead of leaving it open forever.
        self.conn.execute("UPDATE runs SET status='interrupted' WHERE status='running'")
        cursor = self.conn.execute(
            "INSERT INTO runs (started, status, sources) VALUES (?, 'running', ?)", (time.time(), ",".join(sources))
        )
        self.conn.commit()
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], seconds: float, message: str = "") -> None:
        """Close the run; on a full disk the space reserve is given up for this record, so
        a run never stays "running" because the disk filled up during it."""
        try:
            self._write_finish(run_id, status, counts, seconds, message)
        except sqlite3.Error as error:
            if storage_problem(error) != MSG_FULL:
                raise
            try:
                self.conn.rollback()
            except sqlite3.Error:
                pass
            release_reserve(self.path.parent)
            self._write_finish(run_id, status, counts, seconds, message)
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # hand the WAL's space back, too
            except sqlite3.Error:
                pass

    def _write_finish(self, run_id: int, status: str, counts: dict[str, int], seconds: float, message: str) -> None:
        self.conn.execute(
            "UPDATE runs SET finished=?, status=?, new=?, changed=?, moved=?, unchanged=?, deleted=?, errors=?, seconds=?, message=? WHERE id=?",
            (
                time.time(),
                status,
                counts.get("new", 0),
                counts.get("changed", 0),
                counts.get("moved", 0),
                counts.get("unchanged", 0),
                counts.get("deleted", 0),
                counts.get("errors", 0),
                seconds,
                message,
                run_id,
            ),
        )
        self.conn.commit()

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        self.conn.commit()

    def add_error(self, run_id: int, source: str, path: str, kind: str, message: str) -> None:
        self.conn.execute(
            "INSERT INTO errors (run_id, source, path, kind, message, at) VALUES (?,?,?,?,?,?)",
            (run_id, source, path, kind, message, time.time()),
        )

    def runs(self, limit: int = 20) -> list[dict]:
        cursor = self.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def current_errors(self) -> list[dict]:
        """Errors of the newest run of each source plus items whose extraction failed earlier
        and that have not changed since (they are not retried until they change)."""
        result: list[dict] = []
        latest = self.conn.execute("SELECT max(id) FROM runs WHERE status != 'running'").fetchone()[0]
        if latest is not None:
            for run_id, source, path, kind, message, at in self.conn.execute(
                "SELECT run_id, source, path, kind, message, at FROM errors WHERE run_id = ? ORDER BY id", (latest,)
            ):
                result.append(
                    {"run": run_id, "source": source, "path": path, "kind": kind, "message": message, "at": at}
                )
        seen = {(e["source"], e["path"]) for e in result}
        for row in self.conn.execute(f"SELECT {ITEM_COLUMNS}, indexed_at FROM items WHERE error_kind IS NOT NULL"):
            item = row_to_item(row)
            if (item.source, item.path) not in seen:
                result.append(
                    {
                        "run": None,
                        "source": item.source,
                        "path": item.path,
                        "kind": item.error_kind or "error",
                        "message": item.last_error or "",
                        "at": row[16],
                    }
                )
        return result
