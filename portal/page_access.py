"""The pages a role may not open: a link to one says so instead of showing the search.

Streamlit runs the default page ("Suche") for an address it has no page for, so an
employee following a link to `/pruefung` would land on the search without a word. For
every restricted page the user may not open there is a hidden page at its address that
explains who may open it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import streamlit as st

from aktenlotse.core.visibility import DMS_ROLES
from aktenlotse.services.wiki import EDIT_ROLES

# Who the notice names for a set of roles (the sidebar's role names).
_AUDIENCES = {
    DMS_ROLES: "die AG DMS und die Administration",
    EDIT_ROLES: "die Digitallotsen und die Administration",
    frozenset({"admin"}): "die Administration",
}


@dataclass(frozen=True)
class RestrictedPage:
    """A page only some roles may open: its address, its name and the roles."""

    url_path: str
    title: str
    roles: frozenset[str]

    def may_open(self, roles: Iterable[str]) -> bool:
        """Whether a user with `roles` sees this page."""
        return bool(self.roles.intersection(roles))

    @property
    def notice(self) -> str:
        """The German notice for someone who may not open the page."""
        audience = _AUDIENCES.get(self.roles) or ", ".join(sorted(self.roles))
        return f"Die Seite »{self.title}« ist nur für {audience} zugänglich."


RESTRICTED_PAGES = (
    RestrictedPage("pruefung", "Aktenplan-Prüfung", DMS_ROLES),
    RestrictedPage("uebersicht", "Übersicht", DMS_ROLES),
    RestrictedPage("berechtigungen", "Berechtigungsbericht", DMS_ROLES),
    RestrictedPage("aktenplan-pflege", "Aktenplan-Pflege", DMS_ROLES),
    RestrictedPage("suchanalyse", "Suchanalyse", EDIT_ROLES),
    RestrictedPage("verwaltung", "Verwaltung", frozenset({"admin"})),
)


def forbidden_pages(roles: Iterable[str], search_page: st.Page) -> list[st.Page]:
    """Hidden pages at the addresses of the restricted pages `roles` may not open; each
    shows who may open it and leads to the search."""
    roles = frozenset(roles)
    return [
        st.Page(_notice_page(page, search_page), title="Kein Zugang", url_path=page.url_path, visibility="hidden")
        for page in RESTRICTED_PAGES
        if not page.may_open(roles)
    ]


def _notice_page(page: RestrictedPage, search_page: st.Page) -> Callable[[], None]:
    def render() -> None:
        st.title("Kein Zugang")
        st.warning(
            f"{page.notice} Ihre Rollen erlauben das Öffnen nicht; wenden Sie sich bei Bedarf an die Administration.",
            icon=":material/lock:",
        )
        st.page_link(search_page, label="Zur Suche", icon=":material/search:")

    return render
