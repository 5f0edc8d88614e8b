"""Search analytics for the Digitallotsen and admins: which queries people ask most, which
find nothing, which find something that nobody opens, so that the wiki can answer what
people actually look for; and the popular queries the search box may offer while typing.

Agreed with the Personalrat: a logged search holds the normalised query, the mode, the
number of hits and the day, never the user name or anything that leads to the person
(no session id, no time of day). A search is kept `portal.search_log_days` days; older
ones are deleted on every write and before every report, so a quiet portal does not keep
them longer either. With `search_log_days = 0` nothing is logged.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.search_log_store import QueryStats, SearchLogTables

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 200  # longer input is cut: pasted letters are no query worth counting
# A popular query must have been searched (and found something) this often: the log
# cannot count people, and a query one person typed twice must never be offered to others.
MIN_POPULAR_SEARCHES = 3
REPORT_ROWS = 20
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


class SearchLog:
    """The search log of a data folder, with its retention in days (0: log nothing)."""

    def __init__(self, data_dir: Path, retention_days: int, today: Callable[[], date] = date.today):
        self._tables = SearchLogTables(open_app_db(data_dir))
        self.retention_days = retention_days
        self._today = today

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

    @property
    def enabled(self) -> bool:
        """Whether searches are logged at all."""
        return self.retention_days > 0

    def record(self, text: str, mode: str, hits: int) -> int | None:
        """Log one search; returns the handle for `mark_opened` (None: not logged). A
        failing log never fails the search: it is a help for the Digitallotsen, not a
        condition of searching."""
        query = normalise_query(text)
        if not self.enabled or not query:
            return None
        try:
            self.purge()
            return self._tables.add(self._today().isoformat(), query, mode if mode in MODES else "other", hits)
        except sqlite3.Error as error:
            log.warning("Suche nicht protokolliert: %s", error)
            return None

    def mark_opened(self, entry_id: int | None) -> None:
        """A result of the logged search `entry_id` was opened or prepared for download."""
        if entry_id is None:
            return
        try:
            self._tables.mark_opened(entry_id)
        except sqlite3.Error as error:
            log.warning("Öffnen nicht protokolliert: %s", error)

    def purge(self) -> int:
        """Delete what is older than the retention allows (all of it at 0 days)."""
        keep_from = self._today() - timedelta(days=max(self.retention_days, 0))
        # Day N-1 back is the oldest one kept: with 90 days, today and the 89 before.
        return self._tables.purge((keep_from + timedelta(days=1)).isoformat())

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
        queries searched at least MIN_POPULAR_SEARCHES times with hits, most asked first.
        Whether the user may read what they find is the search's business: a query text
        offered here was typed by several searches and names no document."""
        start = normalise_query(prefix)
        if not start or limit < 1:
            return []
        try:
            return [query for query, _ in self._tables.popular(start, MIN_POPULAR_SEARCHES, limit)]
        except sqlite3.Error as error:
            log.warning("Beliebte Suchen nicht lesbar: %s", error)
            return []
