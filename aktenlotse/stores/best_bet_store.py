"""The best bets' table in the app database (`aktenlotse.stores.appdb`, `best_bets`): a
wiki page pinned to a query. Only storage; who may pin, what matches a search and who
sees a pinned page is decided by `aktenlotse.services.best_bets`."""

from __future__ import annotations

from dataclasses import dataclass

from aktenlotse.stores.appdb import AppTables


@dataclass(frozen=True)
class BestBet:
    """Wiki page `slug` pinned to the normalised `query`; `match` says how a search must
    fit it ("exact": the same query, "keywords": all of its words occur in the search)."""

    id: int
    query: str
    match: str
    slug: str
    pinned_by: str
    at: float


class BestBetTables(AppTables):
    """Reads and writes of `best_bets`; one connection of `appdb.open_app_db`."""

    def add(self, query: str, match: str, slug: str, pinned_by: str, at: float) -> BestBet:
        """Pin the page; pinning the same page to the same query twice keeps the first pin."""
        with self._conn:
            self._conn.execute(
                "INSERT INTO best_bets (query, match, slug, pinned_by, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (query, match, slug) DO NOTHING",
                (query, match, slug, pinned_by, at),
            )
        row = self._conn.execute(
            "SELECT id, query, match, slug, pinned_by, at FROM best_bets WHERE query = ? AND match = ? AND slug = ?",
            (query, match, slug),
        ).fetchone()
        return BestBet(*row)

    def remove(self, bet_id: int) -> bool:
        """Unpin; False when there was no such pin."""
        with self._conn:
            cursor = self._conn.execute("DELETE FROM best_bets WHERE id = ?", (bet_id,))
        return cursor.rowcount > 0

    def all(self) -> list[BestBet]:
        """Every pin, by query, then newest first."""
        rows = self._conn.execute(
            "SELECT id, query, match, slug, pinned_by, at FROM best_bets ORDER BY query, at DESC"
        ).fetchall()
        return [BestBet(*row) for row in rows]
