"""The login form."""

from __future__ import annotations

import streamlit as st

from aktenlotse.identity.users import LoginError
from aktenlotse.portal import session, ui_session
from aktenlotse.portal.context import PortalContext


def render(ctx: PortalContext) -> None:
    """The login form; a successful login starts the session and reloads the page."""
    st.title(ctx.config.portal.title)
    st.caption("Suche in den Laufwerken der Verwaltung – Anmeldung mit Ihrem Windows-Konto")
    notice = st.session_state.pop(session.NOTICE_KEY, None)
    if notice:
        st.info(notice)
    with st.form("login", clear_on_submit=False):
        username = st.text_input("Benutzername", key="login_username", autocomplete="username")
        password = st.text_input("Passwort", type="password", key="login_password", autocomplete="current-password")
        submitted = st.form_submit_button("Anmelden", type="primary")
    if not submitted:
        return
    try:
        user = ctx.directory.authenticate(username, password)
    except LoginError as error:
        st.error(error.message)
        return
    ui_session.start(ctx, user)
    st.rerun()
