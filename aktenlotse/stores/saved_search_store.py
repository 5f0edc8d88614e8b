"""Saved searches in the app database (`aktenlotse.stores.appdb`): per user, named, and
shared with everyone when a Digitallotse says so.

Only storage: who may save, share or delete what is decided by
`aktenlotse.services.saved_searches`. A saved search holds what was asked (words, mode,
sort, facet values), never results: whoever runs it gets the results trimmed for
themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aktenlotse.stores.appdb import AppTables

_COLUMNS = "id, owner, name, text, mode, sort, filters, shared, created"


@dataclass(frozen=True)
class SavedSearch:
    """One saved search. `filters`: facet name -> chosen values (as the search page keeps
    them); `damaged` when the stored filters could not be read (the words still run)."""

    id: int
    owner: str
    name: str
    text: str
    mode: str
    sort: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    shared: bool = False
    created: float = 0.0
    damaged: bool = False


def filters_to_json(filters: dict[str, list[str]]) -> str:
    """The facet choices as stored (only non-empty ones, values as text)."""
    return json.dumps({name: [str(v) for v in values] for name, values in filters.items() if values}, sort_keys=True)


def filters_from_json(stored: str) -> tuple[dict[str, list[str]], bool]:
    """(facet choices, damaged): anything but an object of lists of texts counts as damaged."""
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return {}, True
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in value.items()
    ):
        return {}, True
    return value, False


def _row(row: tuple) -> SavedSearch:
    filters, damaged = filters_from_json(row[6])
    return SavedSearch(
        id=row[0],
        owner=row[1],
        name=row[2],
        text=row[3],
        mode=row[4],
        sort=row[5],
        filters=filters,
        shared=bool(row[7]),
        created=row[8],
        damaged=damaged,
    )


class SavedSearchTables(AppTables):
    """Reads and writes of `saved_searches`; one connection of `appdb.open_app_db`."""

    def save(
        self, owner: str, name: str, text: str, mode: str, sort: str, filters: dict[str, list[str]], now: float
    ) -> int:
        """Store a search under `name` for `owner`; a search of the same owner and name is
        replaced (keeping its id and whether it is shared). Returns its id."""
        with self._conn:
            row = self._conn.execute(
                "INSERT INTO saved_searches (owner, name, text, mode, sort, filters, shared, created)"
                " VALUES (?, ?, ?, ?, ?, ?, 0, ?)"
                " ON CONFLICT (owner, name) DO UPDATE SET text = excluded.text, mode = excluded.mode,"
                " sort = excluded.sort, filters = excluded.filters, created = excluded.created"
                " RETURNING id",
                (owner, name, text, mode, sort, filters_to_json(filters), now),
            ).fetchone()
        return int(row[0])

    def get(self, search_id: int) -> SavedSearch | None:
        """The saved search with this id, whoever owns it."""
        row = self._conn.execute(f"SELECT {_COLUMNS} FROM saved_searches WHERE id = ?", (search_id,)).fetchone()
        return _row(row) if row else None

    def visible_to(self, username: str) -> list[SavedSearch]:
        """The user's own searches (by name), then those others shared (by name)."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM saved_searches WHERE owner = ? OR shared = 1 ORDER BY owner <> ?, lower(name), id",
            (username, username),
        ).fetchall()
        return [_row(row) for row in rows]

    def set_shared(self, search_id: int, shared: bool) -> None:
        """Share the search with everyone, or take it back."""
        with self._conn:
            self._conn.execute("UPDATE saved_searches SET shared = ? WHERE id = ?", (int(shared), search_id))

    def delete(self, search_id: int) -> None:
        """Forget the search (unknown ids are ignored)."""
        with self._conn:
            self._conn.execute("DELETE FROM saved_searches WHERE id = ?", (search_id,))
