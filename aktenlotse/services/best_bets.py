"""Best bets: a Digitallotse pins a wiki page to a query, and whoever searches it sees the
page above the results, if they may read it.

A pin matches a search either exactly (the same normalised query) or by keywords (all of
the pin's words occur in the search, in any order). Whether the viewer may read the page
is asked of the search backend with the viewer's principals (`Backend.get`), the same
trimming as every hit: a page that was unpublished or deleted since it was pinned drops
out by itself.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.search.backend import Backend, BackendError
from aktenlotse.services.search_analytics import normalise_query
from aktenlotse.services.wiki import WIKI_ID_PREFIX, WikiStore, can_edit
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.best_bet_store import BestBet, BestBetTables

log = logging.getLogger(__name__)

MATCH_KINDS = {"exact": "genau diese Suche", "keywords": "alle diese Wörter"}
MAX_SHOWN = 3
TEASER_CHARS = 240


class BestBetError(UserFacingError):
    """`message` is for the user (German)."""


@dataclass(frozen=True)
class ShownBestBet:
    """A pinned page as one viewer sees it above the results."""

    slug: str
    title: str
    teaser: str


def _words(query: str) -> set[str]:
    return set(normalise_query(query).split())


def matches(bet: BestBet, text: str) -> bool:
    """Whether the search `text` is one the pin stands for."""
    if bet.match == "exact":
        return normalise_query(text) == bet.query
    wanted = _words(bet.query)
    return bool(wanted) and wanted <= _words(text)


class BestBets:
    """The pins of a data folder. Pinning and unpinning check the roles here, not only in
    the page: an employee cannot pin through a crafted request either."""

    def __init__(self, data_dir: Path):
        self._tables = BestBetTables(open_app_db(data_dir))

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

    def all(self) -> list[BestBet]:
        """Every pin, by query."""
        return self._tables.all()

    def pinned_to(self, text: str) -> list[BestBet]:
        """The pins a search `text` would show (before the viewer's access is asked)."""
        return [bet for bet in self._tables.all() if matches(bet, text)]

    def pin(self, query: str, slug: str, match: str, *, wiki: WikiStore, author: str, roles: Iterable[str]) -> BestBet:
        """Pin the published wiki page `slug` to `query`."""
        if not can_edit(roles):
            raise BestBetError("Nur Digitallotsen und Administratoren können Wiki-Seiten anheften.")
        if match not in MATCH_KINDS:
            raise BestBetError(f"Unbekannte Art des Vergleichs {match!r}.")
        normalised = normalise_query(query)
        if not normalised:
            raise BestBetError("Bitte eine Suche angeben, an die die Seite angeheftet wird.")
        page = wiki.page(slug)
        if page is None:
            raise BestBetError("Diese Wiki-Seite gibt es nicht oder sie ist nicht veröffentlicht.")
        return self._tables.add(normalised, match, slug, author, time.time())

    def unpin(self, bet_id: int, *, roles: Iterable[str]) -> None:
        """Remove a pin."""
        if not can_edit(roles):
            raise BestBetError("Nur Digitallotsen und Administratoren können angeheftete Seiten lösen.")
        if not self._tables.remove(bet_id):
            raise BestBetError("Diese angeheftete Seite gibt es nicht mehr.")

    def shown_for(self, text: str, backend: Backend, principals: Sequence[str]) -> list[ShownBestBet]:
        """The pinned pages for the search `text` that this viewer may read, at most
        MAX_SHOWN, each page once; none when the backend cannot answer (a help, not a
        reason to fail the results)."""
        shown: list[ShownBestBet] = []
        try:
            pins = self._tables.all()
        except sqlite3.Error as error:
            log.warning("Angeheftete Seiten nicht lesbar: %s", error)
            return shown
        for bet in pins:
            if len(shown) >= MAX_SHOWN or any(s.slug == bet.slug for s in shown) or not matches(bet, text):
                continue
            try:
                doc = backend.get(f"{WIKI_ID_PREFIX}{bet.slug}", list(principals))
            except BackendError:
                return shown
            if doc is not None:
                teaser = " ".join(doc.text.split())
                if len(teaser) > TEASER_CHARS:
                    teaser = teaser[:TEASER_CHARS].rsplit(" ", 1)[0] + " …"
                shown.append(ShownBestBet(bet.slug, doc.title, teaser))
        return shown
