"""The login form under every page's address, so that a deep link survives the login.

Someone who opens `/verwaltung?…` or a search link without being logged in gets the
login form at that very address (query parameters included); after the login the page
runs again at the same address and Streamlit picks the real page of that name. Without
this, the login form was the only page and Streamlit sent everyone to "Suche".
"""

from __future__ import annotations

import streamlit as st

from aktenlotse.portal import ui_login, ui_session
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.page_access import RESTRICTED_PAGES

# Every page address of `streamlit_app` besides the default page (tests check the list).
PAGE_PATHS = ("wissen", *(page.url_path for page in RESTRICTED_PAGES))
DEFAULT_PATH = "suche"


def render(ctx: PortalContext) -> None:
    """The login form at whatever page address was asked for."""

    def login() -> None:
        ui_session.forget_cookie_if_asked()
        ui_login.render(ctx)

    pages = [st.Page(login, title="Anmeldung", url_path=DEFAULT_PATH, default=True)]
    pages += [st.Page(login, title="Anmeldung", url_path=path) for path in PAGE_PATHS]
    st.navigation(pages, position="hidden").run()
