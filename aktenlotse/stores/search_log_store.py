"""The search log's table in the app database (`aktenlotse.stores.appdb`, `search_counts`).

Only storage. What the log may hold is decided here by its columns, and they hold nothing
about the person: per day, normalised query and mode, counts (searches, searches without
hits, searches whose results were opened) and the most hits. There is no row per search,
so nothing in the table can be matched with a login or a time. What to log, how long to
keep it and what the numbers mean is `aktenlotse.services.search_analytics`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

from aktenlotse.stores.appdb import AppTables


@dataclass(frozen=True)
class LoggedSearch:
    """Where one search was counted: the handle to count it as opened later."""

    day: str
    query: str
    mode: str


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


class SearchLogTables(AppTables):
    """Reads and writes of `search_counts`; one connection of `appdb.open_app_db`."""

    def add(self, search: LoggedSearch, hits: int, purge_before: str) -> None:
        """Count one search with its number of hits, and in the same transaction delete
        the days before `purge_before` (one commit per search, not two)."""
        with self._conn:
            self._conn.execute("DELETE FROM search_counts WHERE day < ?", (purge_before,))
            self._conn.execute(
                "INSERT INTO search_counts (day, query, mode, searches, zero_hit_searches, opened_searches, max_hits)"
                " VALUES (?, ?, ?, 1, ?, 0, ?) ON CONFLICT (day, query, mode) DO UPDATE SET"
                " searches = searches + 1, zero_hit_searches = zero_hit_searches + excluded.zero_hit_searches,"
                " max_hits = MAX(max_hits, excluded.max_hits)",
                (search.day, search.query, search.mode, 1 if hits == 0 else 0, hits),
            )

    def mark_opened(self, search: LoggedSearch) -> None:
        """Count one of the searches at `search` as opened (never more than were searched;
        nothing happens when its day was purged meanwhile)."""
        with self._conn:
            self._conn.execute(
                "UPDATE search_counts SET opened_searches = MIN(opened_searches + 1, searches)"
                " WHERE day = ? AND query = ? AND mode = ?",
                (search.day, search.query, search.mode),
            )

    def purge(self, before_day: str) -> int:
        """Delete the counts of days before `before_day` (ISO dates); returns how many rows."""
        with self._conn:
            cursor = self._conn.execute("DELETE FROM search_counts WHERE day < ?", (before_day,))
        return cursor.rowcount

    def searches_since(self, since_day: str) -> int:
        """How many searches were counted on `since_day` and after."""
        row = self._conn.execute(
            "SELECT COALESCE(SUM(searches), 0) FROM search_counts WHERE day >= ?", (since_day,)
        ).fetchone()
        return int(row[0])

    def stats_since(self, since_day: str) -> list[QueryStats]:
        """Every query searched on `since_day` and after, with its counts (unordered)."""
        rows = self._conn.execute(
            "SELECT query, SUM(searches), SUM(zero_hit_searches), SUM(opened_searches), MAX(max_hits), MAX(day)"
            " FROM search_counts WHERE day >= ? GROUP BY query",
            (since_day,),
        ).fetchall()
        return [QueryStats(q, int(n), int(zero), int(opened), int(hits), day) for q, n, zero, opened, hits, day in rows]

    def with_hits(self, min_searches: int) -> list[tuple[str, int]]:
        """Every query that found something at least `min_searches` times, as (query,
        searches with hits), sorted by query."""
        rows = self._conn.execute(
            "SELECT query, SUM(searches - zero_hit_searches) AS n FROM search_counts"
            " GROUP BY query HAVING n >= ? ORDER BY query",
            (min_searches,),
        ).fetchall()
        return [(query, int(n)) for query, n in rows]
