"""The search log's table in the app database (`aktenlotse.stores.appdb`, `search_log`).

Only storage. What a row may hold is decided here by its columns, and they hold nothing
about the person: the normalised query, the mode, the number of hits, the day and whether
a result was opened. The row id is random, so that the order of the rows does not tell
the order of the searches either. What to log, how long to keep it and what the numbers
mean is `aktenlotse.services.search_analytics`'s business.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass

# Random ids from 1 to 2**62: collisions are so unlikely that one retry settles them.
_ID_BITS = 62


@dataclass(frozen=True)
class QueryStats:
    """One normalised query over a period: how often it was searched, how often that found
    nothing, how often a result of it was opened, the most hits it had, the last day."""

    query: str
    searches: int
    zero_hit_searches: int
    opened_searches: int
    max_hits: int
    last_day: str


class SearchLogTables:
    """Reads and writes of `search_log`; one connection of `appdb.open_app_db`."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def add(self, day: str, query: str, mode: str, hits: int) -> int:
        """Store one search; returns its (random) id, the handle to mark it opened later."""
        for _ in range(3):
            entry_id = secrets.randbits(_ID_BITS) or 1
            try:
                with self._conn:
                    self._conn.execute(
                        "INSERT INTO search_log (id, day, query, mode, hits, opened) VALUES (?, ?, ?, ?, ?, 0)",
                        (entry_id, day, query, mode, hits),
                    )
                return entry_id
            except sqlite3.IntegrityError:
                continue
        raise sqlite3.IntegrityError("search_log: no free id")

    def mark_opened(self, entry_id: int) -> None:
        """A result of this search was opened (nothing happens for an unknown or purged id)."""
        with self._conn:
            self._conn.execute("UPDATE search_log SET opened = 1 WHERE id = ?", (entry_id,))

    def purge(self, before_day: str) -> int:
        """Delete the searches of days before `before_day` (ISO dates); returns how many."""
        with self._conn:
            cursor = self._conn.execute("DELETE FROM search_log WHERE day < ?", (before_day,))
        return cursor.rowcount

    def searches_since(self, since_day: str) -> int:
        """How many searches were logged on `since_day` and after."""
        row = self._conn.execute("SELECT COUNT(*) FROM search_log WHERE day >= ?", (since_day,)).fetchone()
        return int(row[0])

    def stats_since(self, since_day: str) -> list[QueryStats]:
        """Every query searched on `since_day` and after, with its counts (unordered)."""
        rows = self._conn.execute(
            "SELECT query, COUNT(*), SUM(hits = 0), SUM(opened), MAX(hits), MAX(day) FROM search_log"
            " WHERE day >= ? GROUP BY query",
            (since_day,),
        ).fetchall()
        return [QueryStats(q, int(n), int(zero), int(opened), int(hits), day) for q, n, zero, opened, hits, day in rows]

    def popular(self, prefix: str, min_searches: int, limit: int) -> list[tuple[str, int]]:
        """Queries starting with `prefix` that found something at least `min_searches`
        times, most often searched first, as (query, searches). A range on the query
        index, not LIKE: no wildcard escaping, and fast enough to answer while typing."""
        rows = self._conn.execute(
            "SELECT query, COUNT(*) AS n FROM search_log WHERE query >= ? AND query < ? AND hits > 0"
            " GROUP BY query HAVING n >= ? ORDER BY n DESC, query LIMIT ?",
            (prefix, prefix + "\U0010ffff", min_searches, limit),
        ).fetchall()
        return [(query, int(n)) for query, n in rows]
