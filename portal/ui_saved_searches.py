"""The search page's "Gespeicherte Suchen" in the sidebar: run one with a click, keep the
current search under a name, and (Digitallotsen) share one with everyone.

Running a saved search only puts its words, mode, sort and facet values into the search
widgets: the page then searches as the logged-in user, so a shared search shows each
colleague what they may read, never what its author saw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.formatting import MODE_LABELS
from aktenlotse.services.saved_searches import SavedSearch, SavedSearchDenied, SavedSearches, can_share

MSG_DAMAGED = "Die gespeicherten Filter dieser Suche waren beschädigt; die Suchwörter wurden übernommen."


@dataclass(frozen=True)
class CurrentSearch:
    """What the search page shows now, as a saved search would keep it."""

    text: str
    mode: str
    sort: str
    filters: Mapping[str, Sequence[str]]


def render(
    store: SavedSearches,
    user: UserInfo,
    current: CurrentSearch,
    sort_labels: Mapping[str, str],
    facet_names: Sequence[str],
) -> None:
    """The sidebar section; `sort_labels` maps sort keys to the sort widget's labels and
    `facet_names` are the facets whose widgets a saved search fills."""
    with st.sidebar:
        st.subheader("Gespeicherte Suchen")
        # One slot whether or not there is a notice: the elements below keep their places
        # between runs (a shifted expander would show twice while the page redraws).
        notice_slot = st.empty()
        notice = st.session_state.pop("saved_search_notice", None)
        if notice:
            notice_slot.info(notice)
        try:
            saved = store.visible_to(user.username)
        except Exception:  # noqa: BLE001 - the list is a help; the search page must still work
            st.caption("Die gespeicherten Suchen sind gerade nicht verfügbar.")
            return
        if not saved:
            st.caption("Noch keine gespeicherten Suchen.")
        for entry in saved:
            _entry(entry, user, _runner(entry, sort_labels, facet_names))
        own = [entry for entry in saved if entry.owner == user.username]
        if own:
            _manage(store, user, own)
        if current.text.strip():
            _save_form(store, user, current)


def _runner(entry: SavedSearch, sort_labels: Mapping[str, str], facet_names: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        # A widget callback: it runs before the page is drawn, when widget values may be set.
        st.session_state["query"] = entry.text
        st.session_state["mode"] = MODE_LABELS.get(entry.mode, MODE_LABELS["fulltext"])
        st.session_state["sort"] = sort_labels.get(entry.sort, next(iter(sort_labels.values())))
        for name in facet_names:
            st.session_state[f"facet_{name}"] = list(entry.filters.get(name, []))
        st.session_state["page"] = 0
        if entry.damaged:
            st.session_state["saved_search_notice"] = MSG_DAMAGED

    return run


def _entry(entry: SavedSearch, user: UserInfo, run: Callable[[], None]) -> None:
    own = entry.owner == user.username
    label = entry.name if own else f"{entry.name} (von {entry.owner})"
    hint = f"{MODE_LABELS.get(entry.mode, entry.mode)}: {entry.text}"
    if own and entry.shared:
        hint += " · für alle freigegeben"
    st.button(md.text(label), key=f"saved_run_{entry.id}", on_click=run, help=md.text(hint), width="stretch")


def _manage(store: SavedSearches, user: UserInfo, own: list[SavedSearch]) -> None:
    """Share (Digitallotsen, admins) or delete one of the user's own searches."""
    with st.expander("Meine Suchen verwalten"):
        by_id = {entry.id: entry for entry in own}
        chosen = st.selectbox(
            "Gespeicherte Suche",
            list(by_id),
            format_func=lambda search_id: by_id[search_id].name,
            key="saved_manage_choice",
        )
        entry = by_id.get(chosen) if chosen is not None else None
        if entry is None:
            return
        if can_share(user.roles):
            share_label = "Freigabe zurücknehmen" if entry.shared else "Für alle freigeben"
            if st.button(share_label, key="saved_share"):
                _apply(lambda: store.share(entry.id, user.username, user.roles, shared=not entry.shared))
        if st.button("Löschen", key="saved_delete"):
            _apply(lambda: store.delete(entry.id, user.username))


def _save_form(store: SavedSearches, user: UserInfo, current: CurrentSearch) -> None:
    with st.form("save_search", clear_on_submit=True, border=False):
        name = st.text_input("Name der Suche", max_chars=80, placeholder="z. B. Bauanträge 2023")
        if st.form_submit_button("Aktuelle Suche speichern"):
            _apply(
                lambda: store.save(user.username, name, current.text, current.mode, current.sort, current.filters),
                f"Gespeichert: »{md.text(' '.join(name.split()))}«",
            )


def _apply(action: Callable[[], object], done: str | None = None) -> None:
    try:
        action()
    except SavedSearchDenied as denied:
        st.error(str(denied))
        return
    if done:
        st.session_state["saved_search_notice"] = done
    st.rerun()
