"""The Aktenlotse portal (Streamlit). Started by `aktenlotse serve`; config from
$AKTENLOTSE_CONFIG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import streamlit as st

from aktenlotse.core.config import ConfigError
from aktenlotse.identity.users import UserInfo
from aktenlotse.portal import (
    german_ui,
    login_gate,
    page_access,
    session,
    ui_admin,
    ui_aktenplan,
    ui_overview,
    ui_permissions,
    ui_review,
    ui_search,
    ui_search_analytics,
    ui_session,
    ui_wiki,
)
from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.context import PortalContext, shared_context
from aktenlotse.portal.formatting import role_labels

DEMO_BANNER = (
    "Demo-Modus: Anmeldung über ein eingebautes Test-Verzeichnis, nicht über das Active Directory. "
    "Nicht für echte Daten verwenden."
)
# Captions: Streamlit draws them in the text colour at 60 % (3.9:1 on white); these reach
# 5.5:1 and more on the page, the sidebar and the alert boxes. The theme follows the
# system's (the toolbar offers no switch), hence the media query.
STYLE = """<style>.snippet mark, .preview mark { background: #fff3a3; padding: 0 .1em; }
.stApp [data-testid="stCaptionContainer"] { color: #5c5f6b; }
@media (prefers-color-scheme: dark) { .stApp [data-testid="stCaptionContainer"] { color: #b8bac4; } }
</style>"""


@dataclass(frozen=True)
class _PageView:
    """How a restricted page is drawn; its address ties it to its entry of
    `page_access.RESTRICTED_PAGES` (title and roles)."""

    url_path: str
    render: Callable[[PortalContext, UserInfo], None]
    icon: str


# Each address is spelt out as a url_path keyword: test_session_cookie reads them from this file.
_RESTRICTED_VIEWS = {
    view.url_path: view
    for view in (
        _PageView(url_path="pruefung", render=ui_review.render, icon=":material/rule_folder:"),
        _PageView(url_path="uebersicht", render=ui_overview.render, icon=":material/bar_chart:"),
        _PageView(url_path="berechtigungen", render=ui_permissions.render, icon=":material/lock_person:"),
        _PageView(url_path="aktenplan-pflege", render=ui_aktenplan.render, icon=":material/account_tree:"),
        _PageView(url_path="suchanalyse", render=ui_search_analytics.render, icon=":material/query_stats:"),
        _PageView(url_path="verwaltung", render=ui_admin.render, icon=":material/settings:"),
    )
}


@st.cache_resource(show_spinner=False)
def _context() -> PortalContext:
    return shared_context()


def main() -> None:
    """One run of the portal script: login, or the pages the user's roles allow."""
    st.set_page_config(page_title="Aktenlotse", page_icon=":material/explore:", layout="wide")
    german_ui.install()
    st.markdown(STYLE, unsafe_allow_html=True)
    try:
        ctx = _context()
    except ConfigError as error:
        st.error(f"Das Portal ist nicht richtig eingerichtet: {error}")
        st.stop()
    if ctx.demo:
        st.warning(DEMO_BANNER)
    user = session.current_user(st.session_state, ctx.config.auth.session_timeout_min)
    user = ui_session.keep_alive(ctx, user) if user else ui_session.remembered_user(ctx)
    if user is None:
        login_gate.render(ctx)
        return
    with st.sidebar:
        st.markdown(f"**{md.text(user.display_name)}**")
        st.caption("Rollen: " + md.text(role_labels(user.roles)))
        if st.button("Abmelden"):
            ui_session.log_out(ctx, "Sie wurden abgemeldet.")
            st.rerun()
    wiki = st.Page(
        lambda: ui_wiki.render(ctx, user), title="Wissen & DMS-News", icon=":material/newspaper:", url_path="wissen"
    )
    search = st.Page(
        lambda: ui_search.render(ctx, user, lambda slug: ui_wiki.open_page(slug, wiki)),
        title="Suche",
        icon=":material/search:",
        url_path="suche",
        default=True,
    )
    pages = [search, wiki]
    # The restricted pages these roles may open, in the order of the one list the login
    # gate and the "Kein Zugang" notices use too.
    for page in page_access.RESTRICTED_PAGES:
        if page.may_open(user.roles):
            view = _RESTRICTED_VIEWS[page.url_path]
            pages.append(
                st.Page(partial(view.render, ctx, user), title=page.title, icon=view.icon, url_path=view.url_path)
            )
    # A link to a page these roles may not open says so (Streamlit would show the search).
    pages += page_access.forbidden_pages(user.roles, search)
    st.navigation(pages).run()


main()
