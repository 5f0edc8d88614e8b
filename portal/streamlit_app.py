"""The Aktenlotse portal (Streamlit). Started by `aktenlotse serve`; config from
$AKTENLOTSE_CONFIG."""

from __future__ import annotations

import streamlit as st

from aktenlotse.core.config import ConfigError
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
from aktenlotse.services.review import can_review
from aktenlotse.services.wiki import can_edit

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
    if can_review(user.roles):
        pages.append(
            st.Page(
                lambda: ui_review.render(ctx, user),
                title="Aktenplan-Prüfung",
                icon=":material/rule_folder:",
                url_path="pruefung",
            )
        )
        pages.append(
            st.Page(
                lambda: ui_overview.render(ctx, user),
                title="Übersicht",
                icon=":material/bar_chart:",
                url_path="uebersicht",
            )
        )
        pages.append(
            st.Page(
                lambda: ui_permissions.render(ctx, user),
                title="Berechtigungsbericht",
                icon=":material/lock_person:",
                url_path="berechtigungen",
            )
        )
        pages.append(
            st.Page(
                lambda: ui_aktenplan.render(ctx, user),
                title="Aktenplan-Pflege",
                icon=":material/account_tree:",
                url_path="aktenplan-pflege",
            )
        )
    if can_edit(user.roles):  # the Digitallotsen, who answer with the wiki, and the admins
        pages.append(
            st.Page(
                lambda: ui_search_analytics.render(ctx, user),
                title="Suchanalyse",
                icon=":material/query_stats:",
                url_path="suchanalyse",
            )
        )
    if "admin" in user.roles:
        pages.append(
            st.Page(
                lambda: ui_admin.render(ctx, user),
                title="Verwaltung",
                icon=":material/settings:",
                url_path="verwaltung",
            )
        )
    # A link to a page these roles may not open says so (Streamlit would show the search).
    pages += page_access.forbidden_pages(user.roles, search)
    st.navigation(pages).run()


main()
