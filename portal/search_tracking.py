"""The link between a search on the page and its row in the search log: the row's id is
kept in this browser session's memory only (never stored beside the row), so that opening
a result can mark the search as one whose results were used."""

from __future__ import annotations

import streamlit as st

from aktenlotse.portal.context import PortalContext
from aktenlotse.services.search_analytics import normalise_query

ENTRY_KEY = "search_log_entry"


def log_search(ctx: PortalContext, text: str, mode: str, total: int) -> None:
    """Log the search once: Streamlit runs the page again on every click, and paging,
    narrowing by facets or opening a result is the same search, not a new one."""
    key = (normalise_query(text), mode)
    logged = st.session_state.get(ENTRY_KEY)
    if logged is not None and logged[0] == key:
        return
    st.session_state[ENTRY_KEY] = (key, ctx.search_log.record(text, mode, total))


def mark_opened(ctx: PortalContext) -> None:
    """A result of the current search was opened (a download prepared, a wiki page read)."""
    logged = st.session_state.get(ENTRY_KEY)
    if logged is not None:
        ctx.search_log.mark_opened(logged[1])
