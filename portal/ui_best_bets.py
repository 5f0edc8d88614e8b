"""The wiki pages a Digitallotse pinned to the current search, above its results, for
viewers who may read them (`aktenlotse.services.best_bets`)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.search_tracking import mark_opened

PIN_ICON = ":material/push_pin:"


def render_best_bets(ctx: PortalContext, user: UserInfo, text: str, open_wiki_page: Callable[[str], None]) -> None:
    """One box per pinned page this user may read; nothing when there is none."""
    for bet in ctx.best_bets.shown_for(text, ctx.backend, user.principals):
        with st.container(border=True, key=f"best_bet_{bet.slug}"):
            st.markdown(f"{PIN_ICON} **Empfohlen: {md.text(bet.title)}**")
            if bet.teaser:
                st.caption(md.text(bet.teaser))
            if st.button("Empfohlene Seite öffnen", key=f"open_best_bet_{bet.slug}"):
                mark_opened(ctx)
                open_wiki_page(bet.slug)
