"""The link between a search on the page and where the search log counted it: the handle
is kept in this browser session's memory only, so that opening a result can count the
search as one whose results were used, once, however many results are opened."""

from __future__ import annotations

import streamlit as st

from aktenlotse.portal.context import PortalContext
from aktenlotse.services.search_analytics import normalise_query

ENTRY_KEY = "search_log_entry"
OPENED_KEY = "search_log_opened"


def log_search(ctx: PortalContext, text: str, mode: str, total: int) -> None:
    """Count the search once: Streamlit runs the page again on every click, and paging,
    narrowing by facets or opening a result is the same search, not a new one."""
    key = (normalise_query(text), mode)
    logged = st.session_state.get(ENTRY_KEY)
    if logged is not None and logged[0] == key:
        return
    st.session_state[ENTRY_KEY] = (key, ctx.search_log.record(text, mode, total))
    st.session_state[OPENED_KEY] = False


def mark_opened(ctx: PortalContext) -> None:
    """A result of the current search was opened (a download prepared, a wiki page read)."""
    logged = st.session_state.get(ENTRY_KEY)
    if logged is not None and not st.session_state.get(OPENED_KEY):
        ctx.search_log.mark_opened(logged[1])
        st.session_state[OPENED_KEY] = True
