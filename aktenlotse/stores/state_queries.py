"""Read-only questions to the state database: the figures and listings that services ask
(overview, review, migration list, xdomea hand-over, OCR pass), each a named method.

`StateQueries` is a part of `StateDB` (its connection is `_conn`); `StateReader` is a
read-only connection of its own for worker threads, which must see only what the main
thread committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from aktenlotse.stores.state_rows import ITEM_COLUMNS, ItemRow, below, row_to_item, to_bytes, to_text

# (source, folder, name, size, mtime, ctime, content_hash, id) with folder and name as text.
HandoverRow = tuple[str, str, str, int, float, float, str | None, str]


class StateQueries:
    """Named reads of the state database for reports and listings."""

    _conn: sqlite3.Connection

    def sources(self) -> set[str]:
        """The sources that have items."""
        return {row[0] for row in self._conn.execute("SELECT DISTINCT source FROM items")}

    def ids_with_status(self, status: str) -> set[str]:
        """Ids of the items in `status` (pending | indexed | error)."""
        return {row[0] for row in self._conn.execute("SELECT id FROM items WHERE status = ?", (status,))}

    def item_chunks(self, size: int) -> Iterator[list[ItemRow]]:
        """Every item in path order (source, folder, name), `size` at a time (bounded memory)."""
        cursor = self._conn.execute(f"SELECT {ITEM_COLUMNS} FROM items ORDER BY source, folder, name")
        while rows := cursor.fetchmany(size):
            yield [row_to_item(row) for row in rows]

    def indexed_items(self, source: str) -> Iterator[ItemRow]:
        """The items of `source` the index holds, in id order."""
        cursor = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND status = 'indexed' ORDER BY id", (source,)
        )
        for row in cursor:
            yield row_to_item(row)

    def duplicate_hashes(self, hashes: Iterable[str]) -> set[str]:
        """Those of `hashes` that more than one item has."""
        found: set[str] = set()
        wanted = sorted(set(hashes))
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            found.update(
                h
                for h, n in self._conn.execute(
                    "SELECT content_hash, count(*) FROM items WHERE content_hash IN "
                    f"({','.join('?' * len(part))}) GROUP BY content_hash",
                    part,
                )
                if n > 1
            )
        return found

    def folder_counts(self) -> list[tuple[str, str, int]]:
        """(source, folder, number of files directly in it) for every folder holding files."""
        rows = self._conn.execute("SELECT source, folder, count(*) FROM items GROUP BY source, folder")
        return [(source, to_text(raw), n) for source, raw, n in rows.fetchall()]

    def handover_rows(self, source: str | None, folder: str | None, size: int) -> Iterator[list[HandoverRow]]:
        """Items (of `source`, in and below `folder`) depth first: a folder's own files
        before its sub-folders, `size` at a time."""
        where: list[str] = []
        params: list[object] = []
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if folder:
            raw = to_bytes(folder)
            where.append("(folder = ? OR (folder >= ? AND folder < ?))")
            params += [raw, *below(raw)]
        # '/' -> \x01 in the sort key: "A/B" then sorts right after "A", before "A B".
        cursor = self._conn.execute(
            "SELECT source, folder, name, size, mtime, ctime, content_hash, id FROM items"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY source, replace(folder, X'2F', X'01'), name",
            params,
        )
        while rows := cursor.fetchmany(size):
            chunk = [(s, to_text(f), to_text(n), sz, mt, ct, h, i) for s, f, n, sz, mt, ct, h, i in rows]
            del rows  # not alive beside the next fetch: one chunk in memory, however many follow
            yield chunk

    # -- the overview page -------------------------------------------------------------

    def size_by_source(self) -> list[tuple[str, int, int]]:
        """(source, files, bytes), largest first."""
        return [
            tuple(r)
            for r in self._conn.execute(
                "SELECT source, count(*), coalesce(sum(size), 0) FROM items GROUP BY source ORDER BY 3 DESC"
            )
        ]

    def names_sizes_times(self) -> Iterator[tuple[bytes, int, float]]:
        """(name, size, mtime) of every item (for the figures by file type and year)."""
        yield from self._conn.execute("SELECT name, size, mtime FROM items")

    def duplicated_hashes(self) -> set[str]:
        """The content hashes that more than one item has."""
        rows = self._conn.execute(
            "SELECT content_hash FROM items WHERE content_hash IS NOT NULL GROUP BY content_hash HAVING count(*) > 1"
        )
        return {row[0] for row in rows}

    def duplicate_totals(self) -> tuple[int, int, int]:
        """(groups of identical content, files in them, bytes the copies take beyond one each)."""
        row = self._conn.execute(
            "SELECT count(*), coalesce(sum(n), 0), coalesce(sum((n - 1) * size), 0) FROM ("
            " SELECT content_hash, count(*) AS n, max(size) AS size FROM items WHERE content_hash IS NOT NULL"
            " GROUP BY content_hash HAVING count(*) > 1)"
        ).fetchone()
        return row[0], row[1], row[2]

    def largest_duplicates(self, limit: int) -> list[tuple[str, int, int]]:
        """(content hash, copies, size) of the groups that waste the most space."""
        return [
            tuple(r)
            for r in self._conn.execute(
                "SELECT content_hash, count(*), max(size) FROM items WHERE content_hash IS NOT NULL"
                " GROUP BY content_hash HAVING count(*) > 1 ORDER BY (count(*) - 1) * max(size) DESC LIMIT ?",
                (limit,),
            )
        ]

    def stale_totals(self, before: float) -> tuple[int, int]:
        """(files, bytes) last modified before `before`."""
        row = self._conn.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE mtime < ?", (before,)
        ).fetchone()
        return row[0], row[1]

    def stale_examples(self, before: float, limit: int) -> list[tuple[str, bytes, bytes, float]]:
        """(source, folder, name, mtime) of the oldest files modified before `before`."""
        return self._conn.execute(
            "SELECT source, folder, name, mtime FROM items WHERE mtime < ? ORDER BY mtime LIMIT ?", (before, limit)
        ).fetchall()

    def item_total(self) -> int:
        """The number of items of all sources."""
        return int(self._conn.execute("SELECT count(*) FROM items").fetchone()[0])


class StateReader:
    """A read-only connection of one worker thread: sees what the main thread committed."""

    def __init__(self, path: Path):
        # Used by one thread; closed by the thread that ends the crawl.
        self._conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self._conn.execute("PRAGMA query_only = ON")

    def indexed_with_hash(self, source: str, content_hash: str) -> list[ItemRow]:
        """Items of `source` with this content that the index holds."""
        rows = self._conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE content_hash = ? AND source = ? AND status = 'indexed'",
            (content_hash, source),
        ).fetchall()
        return [row_to_item(row) for row in rows]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
