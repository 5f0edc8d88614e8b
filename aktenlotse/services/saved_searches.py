"""Saved searches: a user keeps a search under a name; a Digitallotse shares one with everyone.

The rules live here, the SQL in `stores.saved_search_store`. A saved search is what was
asked, never what was found: running one (the user's own or a shared one) searches as
the person running it, so a shared search shows each colleague only what they may read.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from aktenlotse.search.backend import MODES
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.saved_search_store import SavedSearch, SavedSearchTables

__all__ = ["SHARE_ROLES", "SavedSearch", "SavedSearchDenied", "SavedSearches", "can_share"]

SHARE_ROLES = frozenset({"digitallotse", "admin"})
MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 10_000
SORTS = ("relevance", "date")
MSG_NAME_MISSING = "Bitte einen Namen für die Suche angeben."
MSG_NAME_TOO_LONG = f"Der Name ist zu lang (höchstens {MAX_NAME_CHARS} Zeichen)."
MSG_TEXT_MISSING = "Eine leere Suche kann nicht gespeichert werden."
MSG_TEXT_TOO_LONG = f"Die Suchanfrage ist zu lang zum Speichern (höchstens {MAX_TEXT_CHARS} Zeichen)."
MSG_UNKNOWN_MODE = "Unbekannter Suchmodus: {mode}."
MSG_UNKNOWN = "Diese gespeicherte Suche gibt es nicht mehr."
MSG_NOT_YOURS = "Nur wer die Suche gespeichert hat, kann sie ändern oder löschen."
MSG_SHARE_ROLE = "Suchen für alle freigeben können nur Digitallotsen und Administratoren."


class SavedSearchDenied(ValueError):
    """A request the rules refuse; the message is for the user (German)."""


def can_share(roles: Iterable[str]) -> bool:
    """Whether a user with these roles may share searches with everyone."""
    return bool(SHARE_ROLES.intersection(roles))


class SavedSearches:
    """The saved searches of one data directory."""

    def __init__(self, data_dir: Path):
        self._tables = SavedSearchTables(open_app_db(data_dir))

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

    def save(
        self,
        username: str,
        name: str,
        text: str,
        mode: str,
        sort: str = "relevance",
        filters: Mapping[str, Sequence[str]] | None = None,
    ) -> SavedSearch:
        """Keep a search under `name` (the user's search of that name is replaced)."""
        name = " ".join(name.split())
        if not name:
            raise SavedSearchDenied(MSG_NAME_MISSING)
        if len(name) > MAX_NAME_CHARS:
            raise SavedSearchDenied(MSG_NAME_TOO_LONG)
        if not text.strip():
            raise SavedSearchDenied(MSG_TEXT_MISSING)
        if len(text) > MAX_TEXT_CHARS:
            raise SavedSearchDenied(MSG_TEXT_TOO_LONG)
        if mode not in MODES:
            raise SavedSearchDenied(MSG_UNKNOWN_MODE.format(mode=mode))
        chosen = {facet: [str(v) for v in values] for facet, values in (filters or {}).items() if values}
        search_id = self._tables.save(
            username, name, text, mode, sort if sort in SORTS else "relevance", chosen, time.time()
        )
        saved = self._tables.get(search_id)
        assert saved is not None  # just written in this connection
        return saved

    def visible_to(self, username: str) -> list[SavedSearch]:
        """The user's own searches, then the ones shared with everyone by others."""
        return self._tables.visible_to(username)

    def get(self, search_id: int, username: str) -> SavedSearch:
        """A search the user may run: their own or a shared one."""
        saved = self._tables.get(search_id)
        if saved is None or not (saved.owner == username or saved.shared):
            raise SavedSearchDenied(MSG_UNKNOWN)
        return saved

    def share(self, search_id: int, username: str, roles: Iterable[str], shared: bool = True) -> SavedSearch:
        """Share one's own search with everyone (or take it back): Digitallotsen and admins only."""
        if not can_share(roles):
            raise SavedSearchDenied(MSG_SHARE_ROLE)
        saved = self._own(search_id, username)
        self._tables.set_shared(saved.id, shared)
        return self.get(saved.id, username)

    def delete(self, search_id: int, username: str) -> None:
        """Delete one's own search (a shared one disappears for everyone)."""
        self._tables.delete(self._own(search_id, username).id)

    def _own(self, search_id: int, username: str) -> SavedSearch:
        saved = self._tables.get(search_id)
        if saved is None:
            raise SavedSearchDenied(MSG_UNKNOWN)
        if saved.owner != username:
            raise SavedSearchDenied(MSG_NOT_YOURS)
        return saved
