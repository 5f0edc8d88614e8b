"""The state database: what was crawled, how it looked, whether it is in the index.

One row per file (`items`), its folder's traverse key (`folders`), crawl runs and error
records, and the folders whose access could not be verified (`unverified`: everything
below them is hidden in the index until a crawl lists them again). Paths are stored as
file-system bytes (names that are not UTF-8 round-trip). The crawl marks an item
`indexed` only after the backend write succeeded; anything else is redone by the next crawl.

This module owns the database: nothing else holds its connection or writes SQL for it.
The schema is the named migrations in `state_schema`, applied when it is opened; the
read-only reports are in `state_queries`, the row types in `state_rows`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from aktenlotse.core.records import WARNING_KINDS
from aktenlotse.core.space_reserve import ensure_reserve, release_reserve
from aktenlotse.core.storage_errors import MSG_FULL, storage_problem
from aktenlotse.stores.migrations import apply_migrations
from aktenlotse.stores.state_queries import StateQueries, StateReader
from aktenlotse.stores.state_rows import (
    ITEM_COLUMNS,
    UNVERIFIED,
    ItemRow,
    below,
    join_principals,
    row_to_item,
    split_path,
    to_bytes,
    to_text,
)
from aktenlotse.stores.state_schema import STATE_MIGRATIONS

__all__ = ["ITEM_COLUMNS", "UNVERIFIED", "ItemRow", "StateDB", "StateReader", "row_to_item", "to_bytes", "to_text"]


class StateDB(StateQueries):
    """The owner of the state database: its connection, its schema (named migrations,
    applied at open) and every statement on it. Single writer: the crawl's main thread."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        apply_migrations(self._conn, STATE_MIGRATIONS)
        ensure_reserve(path.parent)

    def close(self) -> None:
        """Close the connection (uncommitted changes are lost)."""
        self._conn.close()

    def commit(self) -> None:
        """Make the changes so far durable."""
        self._conn.commit()

    def rollback(self) -> None:
        """Drop the changes since the last commit (frees a failed transaction)."""
        self._conn.rollback()

    def reader(self) -> StateReader:
        """A read-only connection for another thread (sees only committed changes)."""
        return StateReader(self.path)

    # -- items ---------------------------------------------------------------------

    def items_in_folder(self, source: str, folder: str) -> dict[str, ItemRow]:
        rows = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND folder = ?", (source, to_bytes(folder))
        ).fetchall()
        return {to_text(row[3]): row_to_item(row) for row in rows}

    def items_below(self, source: str, folder: str) -> Iterator[ItemRow]:
        """Items in `folder` and all its sub-folders."""
        raw = to_bytes(folder)
        # A range on the (source, folder, name) index instead of substr(): no full scan.
        cursor = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND (folder = ? OR (folder >= ? AND folder < ?))",
            (source, raw, *below(raw)),
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
        for (path,) in self._conn.execute(
            "SELECT path FROM folders WHERE source = ? AND path >= ? AND path < ? AND path != ?",
            (source, prefix, upper, raw),
        ):
            rest = path[len(prefix) :]
            if rest:
                names.add(to_text(prefix + rest.split(b"/", 1)[0]))
        return names

    def item(self, item_id: str) -> ItemRow | None:
        row = self._conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
        return row_to_item(row) if row else None

    def items_with_hash(self, source: str, content_hash: str) -> list[ItemRow]:
        rows = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE content_hash = ? AND source = ?", (content_hash, source)
        ).fetchall()
        return [row_to_item(r) for r in rows]

    def add_pending(
        self, item_id: str, source: str, path: str, size: int, mtime: float, ctime: float, file_id: str | None
    ) -> None:
        folder, name = split_path(path)
        self._conn.execute(
            "INSERT INTO items (id, source, folder, name, size, mtime, ctime, file_id, status)"
            " VALUES (?,?,?,?,?,?,?,?, 'pending')",
            (item_id, source, to_bytes(folder), to_bytes(name), size, mtime, ctime, file_id),
        )

    def add_indexed_rows(self, rows: Iterable[tuple]) -> None:
        """Insert items in bulk, each (id, source, folder, name, size, mtime, ctime, file_id,
        content_hash, allow, deny, children, status) with folder and name as bytes; for
        imports, benchmarks and tests of large databases. Commits."""
        self._conn.executemany(
            "INSERT INTO items (id, source, folder, name, size, mtime, ctime, file_id, content_hash, allow,"
            " deny, children, status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        self._conn.commit()

    def mark_pending(self, item_id: str) -> None:
        self._conn.execute("UPDATE items SET status = 'pending' WHERE id = ?", (item_id,))

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
        self._conn.execute(
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
        self._conn.execute("UPDATE items SET size=?, mtime=?, ctime=? WHERE id=?", (size, mtime, ctime, item_id))

    def move(self, item_id: str, new_path: str) -> None:
        folder, name = split_path(new_path)
        self._conn.execute("UPDATE items SET folder=?, name=? WHERE id=?", (to_bytes(folder), to_bytes(name), item_id))

    def remove(self, item_id: str) -> None:
        self._conn.execute("DELETE FROM items WHERE id = ?", (item_id,))

    def count_items(self, source: str | None = None) -> dict[str, int]:
        sql = "SELECT status, count(*) FROM items" + (" WHERE source = ?" if source else "") + " GROUP BY status"
        return dict(self._conn.execute(sql, (source,) if source else ()).fetchall())

    # -- folders -------------------------------------------------------------------

    def folder_key(self, source: str, path: str) -> str | None:
        row = self._conn.execute(
            "SELECT traverse_key FROM folders WHERE source=? AND path=?", (source, to_bytes(path))
        ).fetchone()
        return row[0] if row else None

    def set_folder_key(self, source: str, path: str, key: str) -> None:
        self._conn.execute(
            "INSERT INTO folders (source, path, traverse_key) VALUES (?,?,?) "
            "ON CONFLICT(source, path) DO UPDATE SET traverse_key = excluded.traverse_key",
            (source, to_bytes(path), key),
        )

    def remove_folders_below(self, source: str, path: str) -> None:
        raw = to_bytes(path)
        self._conn.execute(
            "DELETE FROM folders WHERE source = ? AND (path = ? OR (path >= ? AND path < ?))",
            (source, raw, *below(raw)),
        )

    # -- unverified folders (fail closed) --------------------------------------------

    def mark_unverified(self, source: str, folder: str, reason: str, item_ids: Iterable[str]) -> None:
        """`folder` (and all below it) could not be verified: remember why, mark `item_ids`
        (its items, already hidden in the index) hidden, and forget the folder keys below
        it, so that the crawl that lists them again re-reads every item's permissions."""
        raw = to_bytes(folder)
        self._conn.execute(
            "INSERT INTO unverified (source, path, reason, since) VALUES (?,?,?,?) "
            "ON CONFLICT(source, path) DO UPDATE SET reason = excluded.reason",
            (source, raw, reason, time.time()),
        )
        self._conn.executemany("UPDATE items SET perm_id = ? WHERE id = ?", [(UNVERIFIED, i) for i in item_ids])
        where = "source = ?"
        params: list[object] = [source]
        if raw:
            where += " AND (path = ? OR (path >= ? AND path < ?))"
            params += [raw, *below(raw)]
        self._conn.execute(f"UPDATE folders SET traverse_key = '' WHERE {where}", params)

    def mark_verified(self, source: str, folder: str) -> None:
        """`folder` was listed completely: it is no longer unverified (its items get their
        real permissions back as the crawl compares them)."""
        self._conn.execute("DELETE FROM unverified WHERE source = ? AND path = ?", (source, to_bytes(folder)))

    def items_under(self, source: str, folder: str) -> list[ItemRow]:
        """Items in `folder` and below; for the root '' every item of the source."""
        if folder:
            return list(self.items_below(source, folder))
        rows = self._conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ?", (source,)).fetchall()
        return [row_to_item(row) for row in rows]

    def forget_unverified_below(self, source: str, folder: str) -> None:
        """`folder` is gone (its parent was listed without it)."""
        raw = to_bytes(folder)
        self._conn.execute(
            "DELETE FROM unverified WHERE source = ? AND (path = ? OR (path >= ? AND path < ?))",
            (source, raw, *below(raw)),
        )

    def unverified(self) -> list[dict]:
        """Folders hidden because they could not be verified, with the reason and the number
        of items hidden below them (for the admin page)."""
        result = []
        for source, raw, reason, since in self._conn.execute(
            "SELECT source, path, reason, since FROM unverified ORDER BY source, path"
        ).fetchall():
            folder = to_text(raw)
            hidden = sum(1 for row in self.items_under(source, folder) if row.perm_id == UNVERIFIED)
            result.append({"source": source, "path": folder, "reason": reason, "since": since, "hidden": hidden})
        return result

    # -- runs and errors -----------------------------------------------------------

    def start_run(self, sources: list[str]) -> int:
        # A run still marked running was killed; say so instead of leaving it open forever.
        self._conn.execute("UPDATE runs SET status='interrupted' WHERE status='running'")
        cursor = self._conn.execute(
            "INSERT INTO runs (started, status, sources) VALUES (?, 'running', ?)", (time.time(), ",".join(sources))
        )
        self._conn.commit()
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int], seconds: float, message: str = "") -> None:
        """Close the run; on a full disk the space reserve is given up for this record, so
        a run never stays "running" because the disk filled up during it."""
        try:
            self._write_finish(run_id, status, counts, seconds, message)
        except sqlite3.Error as error:
            if storage_problem(error) != MSG_FULL:
                raise
            with contextlib.suppress(sqlite3.Error):
                self._conn.rollback()
            release_reserve(self.path.parent)
            self._write_finish(run_id, status, counts, seconds, message)
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # hand the WAL's space back, too

    def _write_finish(self, run_id: int, status: str, counts: dict[str, int], seconds: float, message: str) -> None:
        self._conn.execute(
            "UPDATE runs SET finished=?, status=?, new=?, changed=?, moved=?, unchanged=?, deleted=?, errors=?,"
            " seconds=?, message=? WHERE id=?",
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
        self._conn.commit()

    def setting(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        self._conn.commit()

    def add_error(self, run_id: int, source: str, path: str, kind: str, message: str) -> None:
        self._conn.execute(
            "INSERT INTO errors (run_id, source, path, kind, message, at) VALUES (?,?,?,?,?,?)",
            (run_id, source, path, kind, message, time.time()),
        )

    def runs(self, limit: int = 20) -> list[dict]:
        cursor = self._conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def current_errors(self) -> list[dict]:
        """Errors of the newest run of each source plus items whose extraction failed earlier
        and that have not changed since (they are not retried until they change)."""
        result: list[dict] = []
        latest = self._conn.execute("SELECT max(id) FROM runs WHERE status != 'running'").fetchone()[0]
        if latest is not None:
            for run_id, source, path, kind, message, at in self._conn.execute(
                "SELECT run_id, source, path, kind, message, at FROM errors WHERE run_id = ? ORDER BY id", (latest,)
            ):
                result.append(
                    {"run": run_id, "source": source, "path": path, "kind": kind, "message": message, "at": at}
                )
        seen = {(e["source"], e["path"]) for e in result}
        for row in self._conn.execute(f"SELECT {ITEM_COLUMNS}, indexed_at FROM items WHERE error_kind IS NOT NULL"):
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
