"""Search analytics for the Digitallotsen and admins: which queries people ask most, which
find nothing, which find something that nobody opens, so that the wiki can answer what
people actually look for; and the popular queries the search box may offer while typing.

Agreed with the Personalrat: the log counts searches per day, normalised query and mode
(how often, how often without hits, how often a result was opened, the most hits), never
the user name or anything that leads to the person (no session id, no time of day, no row
per search). Counts are kept `portal.search_log_days` days; older ones are deleted on
every write and before every report, so a quiet portal does not keep them longer either.
With `search_log_days = 0` nothing is logged.
"""

from __future__ import annotations

import bisect
import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.search_log_store import LoggedSearch, QueryStats, SearchLogTables

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200  # longer input is cut: pasted letters are no query worth counting
# A popular query must have been searched (and found something) this often: the log
# cannot count people, and a query one person typed twice must never be offered to others.
MIN_POPULAR_SEARCHES = 3
REPORT_ROWS = 20
# Autocomplete asks on every key press: the popular queries are read from the log at most
# this often and answered from memory in between (a new query shows up minutes later).
POPULAR_REFRESH_S = 300.0
MODES = ("fulltext", "semantic", "hybrid")


class AnalyticsError(UserFacingError):
    """`message` is for the user (German)."""


def normalise_query(text: str) -> str:
    """The form a query is counted in: Unicode NFC, lower case, single spaces, at most
    MAX_QUERY_CHARS characters ("Hundesteuer  Satzung" and "hundesteuer satzung" are one)."""
    folded = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"\s+", " ", folded).strip()[:MAX_QUERY_CHARS].strip()


@dataclass(frozen=True)
class SearchReport:
    """The analytics of the days `since` … `until` (both included)."""

    days: int
    since: date
    until: date
    searches: int
    top: list[QueryStats]
    zero_hits: list[QueryStats]
    unopened: list[QueryStats]


def empty_report(days: int, today: date | None = None) -> SearchReport:
    """The report of a data folder where nothing was ever logged (no app database yet)."""
    until = today or date.today()
    return SearchReport(days, until - timedelta(days=days - 1), until, 0, [], [], [])


class SearchLog:
    """The search log of a data folder, with its retention in days (0: log nothing)."""

    def __init__(
        self,
        data_dir: Path,
        retention_days: int,
        today: Callable[[], date] = date.today,
        popular_refresh_s: float = POPULAR_REFRESH_S,
    ):
        self._tables = SearchLogTables(open_app_db(data_dir))
        self.retention_days = retention_days
        self._today = today
        self._popular_refresh_s = popular_refresh_s
        self._popular: tuple[float, list[str], list[int]] | None = None  # (read at, queries, counts)
        self._popular_lock = threading.Lock()

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

    @property
    def enabled(self) -> bool:
        """Whether searches are logged at all."""
        return self.retention_days > 0

    def record(self, text: str, mode: str, hits: int) -> LoggedSearch | None:
        """Count one search; returns the handle for `mark_opened` (None: not logged). A
        failing log never fails the search: it is a help for the Digitallotsen, not a
        condition of searching."""
        query = normalise_query(text)
        if not self.enabled or not query:
            return None
        search = LoggedSearch(self._today().isoformat(), query, mode if mode in MODES else "other")
        try:
            self._tables.add(search, max(hits, 0), self._oldest_kept().isoformat())
        except sqlite3.Error as error:
            log.warning("Suche nicht protokolliert: %s", error)
            return None
        return search

    def mark_opened(self, search: LoggedSearch | None) -> None:
        """A result of the logged `search` was opened (a download prepared, a wiki page
        read); call it once per search, the caller knows whether it did already."""
        if search is None:
            return
        try:
            self._tables.mark_opened(search)
        except sqlite3.Error as error:
            log.warning("Öffnen nicht protokolliert: %s", error)

    def _oldest_kept(self) -> date:
        # With 90 days: today and the 89 days before (all of it goes at 0 days).
        return self._today() - timedelta(days=max(self.retention_days, 0) - 1)

    def purge(self) -> int:
        """Delete what is older than the retention allows; returns how many day rows."""
        return self._tables.purge(self._oldest_kept().isoformat())

    def report(self, days: int, rows: int = REPORT_ROWS) -> SearchReport:
        """Top queries, zero-hit queries and queries whose results nobody opened in the
        last `days` days (today included), `rows` of each."""
        if days < 1:
            raise AnalyticsError("Der Zeitraum muss mindestens einen Tag umfassen.")
        self.purge()
        until = self._today()
        since = until - timedelta(days=days - 1)
        stats = self._tables.stats_since(since.isoformat())
        by_count = sorted(stats, key=lambda s: (-s.searches, s.query))
        zero = sorted((s for s in stats if s.zero_hit_searches), key=lambda s: (-s.zero_hit_searches, s.query))
        unopened = [s for s in by_count if s.max_hits > 0 and s.opened_searches == 0]
        return SearchReport(
            days=days,
            since=since,
            until=until,
            searches=self._tables.searches_since(since.isoformat()),
            top=by_count[:rows],
            zero_hits=zero[:rows],
            unopened=unopened[:rows],
        )

    def popular_queries(self, prefix: str, limit: int = 8) -> list[str]:
        """Popular queries starting with `prefix` (normalised), for autocomplete: only
        queries that found something at least MIN_POPULAR_SEARCHES times, most asked
        first. Whether the user may read what they find is the search's business: a
        query offered here was asked several times and names no document."""
        start = normalise_query(prefix)
        if not start or limit < 1:
            return []
        queries, counts = self._popular_snapshot()
        first = bisect.bisect_left(queries, start)
        last = bisect.bisect_left(queries, start + "\U0010ffff", lo=first)
        ranked = sorted(range(first, last), key=lambda i: (-counts[i], queries[i]))
        return [queries[i] for i in ranked[:limit]]

    def _popular_snapshot(self) -> tuple[list[str], list[int]]:
        """The popular queries sorted by text, with their counts, read again when stale."""
        with self._popular_lock:
            now = time.monotonic()
            if self._popular is None or now - self._popular[0] >= self._popular_refresh_s:
                try:
                    rows = self._tables.with_hits(MIN_POPULAR_SEARCHES)
                except sqlite3.Error as error:
                    log.warning("Beliebte Suchen nicht lesbar: %s", error)
                    rows = []
                self._popular = (now, [q for q, _ in rows], [n for _, n in rows])
            return self._popular[1], self._popular[2]
