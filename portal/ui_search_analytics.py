"""The "Suchanalyse" page for Digitallotsen and admins: top queries, queries without hits
and queries whose results nobody opened, for a chosen period; pinning wiki pages to
queries (best bets) and removing pins."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.formatting import german_date
from aktenlotse.services.best_bets import MATCH_KINDS, BestBetError
from aktenlotse.services.search_analytics import SearchReport
from aktenlotse.stores.search_log_store import QueryStats

PERIODS = (7, 30, 90, 365)
OWN_QUERY = "andere Suche (unten eingeben)"
PIN_NOTICE_KEY = "analytics_pin_notice"


def _periods(retention_days: int) -> list[int]:
    """The periods worth offering: none longer than the log keeps searches."""
    periods = [days for days in PERIODS if days < retention_days]
    return [*periods, retention_days] if retention_days else [PERIODS[0]]


def _table(
    stats: list[QueryStats], columns: dict[str, str], empty: str, pinned: Callable[[str], str] | None = None
) -> None:
    """A table of queries, or a German sentence where Streamlit would show an empty table.
    A static table, not a data frame: a few dozen rows need no scrolling grid, and its
    cells are HTML text that screen readers read (and that holds no Markdown to escape)."""
    if not stats:
        st.caption(empty)
        return
    rows = [
        {
            "Suche": s.query,
            **{label: getattr(s, name) for name, label in columns.items()},
            "zuletzt": german_date(s.last_day),
            **({"angeheftet": pinned(s.query)} if pinned else {}),
        }
        for s in stats
    ]
    st.table(pd.DataFrame(rows), hide_index=True)


def _pinned_titles(ctx: PortalContext) -> Callable[[str], str]:
    """For a query, the titles of the wiki pages pinned to it ("–": none yet), so that the
    Digitallotsen see which questions are answered already."""
    titles = {page.slug: page.title for page in ctx.wiki.pages()}

    def pinned(query: str) -> str:
        shown = [titles[bet.slug] for bet in ctx.best_bets.pinned_to(query) if bet.slug in titles]
        return ", ".join(dict.fromkeys(shown)) or "–"

    return pinned


def render(ctx: PortalContext, user: UserInfo) -> None:
    """The page for a user with the Digitallotse or admin role (checked by the caller and,
    for every pin, again by the service)."""
    st.title("Suchanalyse")
    retention = ctx.search_log.retention_days
    if retention == 0:
        st.info("Suchen werden nicht protokolliert (Einstellung portal.search_log_days = 0).")
    st.caption(
        "Gezählt wird je Tag, Suchbegriff und Suchmodus: wie oft gesucht wurde, wie oft ohne Treffer und wie oft "
        f"ein Treffer geöffnet wurde, nie, wer gesucht hat. Die Zahlen werden {retention} Tage aufbewahrt."
    )
    days = st.selectbox("Zeitraum", _periods(retention), format_func=lambda d: f"letzte {d} Tage", key="analytics_days")
    report = ctx.search_log.report(days)
    st.metric("Suchen im Zeitraum", report.searches)
    st.subheader("Häufigste Suchen")
    _table(
        report.top,
        {"searches": "Anzahl", "max_hits": "meiste Treffer", "opened_searches": "geöffnet"},
        "Keine Suchen im Zeitraum.",
    )
    pinned = _pinned_titles(ctx)
    st.subheader("Suchen ohne Treffer")
    _table(
        report.zero_hits,
        {"zero_hit_searches": "ohne Treffer", "searches": "Anzahl"},
        "Keine Suchen ohne Treffer.",
        pinned,
    )
    st.subheader("Treffer, aber nie geöffnet")
    _table(
        report.unopened,
        {"searches": "Anzahl", "max_hits": "meiste Treffer"},
        "Keine Suchen, deren Treffer niemand geöffnet hat.",
        pinned,
    )
    _pin_form(ctx, user, report)
    _pins(ctx, user)


def _pin_form(ctx: PortalContext, user: UserInfo, report: SearchReport) -> None:
    """Pin a wiki page to a query: the queries without hits first, as the Digitallotsen
    answer those with a page. The pin is made in the button's callback, before the page
    runs again, so that the tables above already show it."""
    st.subheader("Wiki-Seite anheften")
    pages = ctx.wiki.pages()
    if not pages:
        st.caption("Es gibt noch keine veröffentlichte Wiki-Seite zum Anheften.")
        return
    queries = list(dict.fromkeys([*(s.query for s in report.zero_hits), *(s.query for s in report.unopened)]))
    titles = {page.slug: page.title for page in pages}
    with st.form("pin_best_bet", clear_on_submit=True):
        st.selectbox("Suche", [*queries, OWN_QUERY], key="pin_query_choice")
        st.text_input("Andere Suche", key="pin_query_own", placeholder="z. B. Sperrmüll Termin")
        st.selectbox("Wiki-Seite", list(titles), format_func=lambda s: titles[s], key="pin_slug")
        st.radio(
            "Anzeigen bei", list(MATCH_KINDS), format_func=MATCH_KINDS.__getitem__, horizontal=True, key="pin_match"
        )
        st.form_submit_button("Wiki-Seite anheften", on_click=_pin, args=(ctx, user, titles))
    notice = st.session_state.pop(PIN_NOTICE_KEY, None)
    if notice is not None:
        ok, text = notice
        (st.success if ok else st.error)(text)


def _pin(ctx: PortalContext, user: UserInfo, titles: dict[str, str]) -> None:
    """The form's callback: pin what the form holds, leave the outcome for the page."""
    chosen = st.session_state.get("pin_query_choice") or ""
    own = (st.session_state.get("pin_query_own") or "").strip()
    query = own or (chosen if chosen != OWN_QUERY else "")
    slug = st.session_state.get("pin_slug") or ""
    try:
        bet = ctx.best_bets.pin(
            query, slug, st.session_state.get("pin_match") or "", wiki=ctx.wiki, author=user.username, roles=user.roles
        )
    except BestBetError as error:
        st.session_state[PIN_NOTICE_KEY] = (False, error.message)
        return
    title = titles.get(bet.slug, bet.slug)
    st.session_state[PIN_NOTICE_KEY] = (True, f"Angeheftet: »{md.text(title)}« bei der Suche »{md.text(bet.query)}«.")


def _pins(ctx: PortalContext, user: UserInfo) -> None:
    st.subheader("Angeheftete Wiki-Seiten")
    pins = ctx.best_bets.all()
    if not pins:
        st.caption("Noch keine Wiki-Seite angeheftet.")
        return
    titles = {page.slug: page.title for page in ctx.wiki.pages()}
    for bet in pins:
        left, right = st.columns([5, 1])
        title = titles.get(bet.slug)
        shown = md.text(title) if title else f"{md.text(bet.slug)} (nicht veröffentlicht, wird nicht angezeigt)"
        left.markdown(
            f"»{md.text(bet.query)}« ({MATCH_KINDS.get(bet.match, bet.match)}) → **{shown}**  \n"
            f"angeheftet von {md.text(bet.pinned_by)} am {time.strftime('%d.%m.%Y', time.localtime(bet.at))}"
        )
        if right.button("Lösen", key=f"unpin_{bet.id}"):
            try:
                ctx.best_bets.unpin(bet.id, roles=user.roles)
            except BestBetError as error:
                st.error(error.message)
            st.rerun()
