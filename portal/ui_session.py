"""The login cookie in the pages: a fresh login gets its cookie, a reload logs in again
from it, logout ends it, and a running tab notices when its session has ended.

After a reload the user is logged in from the cookie without a password, but the groups
and roles are resolved again from the directory (with the service account), and again
every `REFRESH_ROLES_S` in a running tab: a user removed from a group loses that access
within minutes, not at the next password login.
"""

from __future__ import annotations

import json
import logging
import time

import streamlit as st

from aktenlotse.identity.users import LoginError, UserInfo
from aktenlotse.portal import session
from aktenlotse.portal.context import PortalContext
from aktenlotse.portal.session_cookie import COOKIE_NAME
from aktenlotse.portal.session_registry import TOUCH_EVERY_S
from aktenlotse.portal.session_routes import LOGIN_PATH, LOGOUT_PATH, TOKEN_HEADER

SESSION_ID_KEY = "aktenlotse_session_id"
CHECKED_KEY = "aktenlotse_session_checked"
ROLES_KEY = "aktenlotse_roles_resolved"
HANDOVER_KEY = "aktenlotse_cookie_handover"
FORGET_COOKIE_KEY = "aktenlotse_forget_cookie"
REFRESH_ROLES_S = 300
GONE_REASONS = ("unknown_user", "ambiguous", "disabled")  # the directory no longer knows the user
MSG_SESSION_ENDED = "Ihre Sitzung wurde beendet. Bitte melden Sie sich erneut an."
log = logging.getLogger(__name__)


def _post(path: str, token: str) -> None:
    """Let the browser send one POST to a cookie route (the answer's Set-Cookie is what counts)."""
    options = json.dumps({"method": "POST", "credentials": "same-origin", "headers": {TOKEN_HEADER: token}})
    st.html(
        f"<script>fetch({json.dumps(path)}, {options});</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def start(ctx: PortalContext, user: UserInfo) -> None:
    """A login with password succeeded: open the session (the cookie follows on the next run)."""
    handover = ctx.sessions.start(user.username)
    session.log_in(st.session_state, user)
    now = time.time()
    st.session_state[SESSION_ID_KEY] = handover.session_id
    st.session_state[HANDOVER_KEY] = handover.token
    st.session_state[CHECKED_KEY] = now
    st.session_state[ROLES_KEY] = now


def remembered_user(ctx: PortalContext) -> UserInfo | None:
    """The user of the browser's login cookie, with groups and roles resolved again; None
    without a cookie of an open session, or when the directory cannot tell who it is."""
    claims = ctx.sessions.resume(st.context.cookies.get(COOKIE_NAME))
    if claims is None:
        return None
    try:
        user = ctx.directory.lookup(claims.username, active_only=True)
    except LoginError as error:
        if error.reason in GONE_REASONS:
            ctx.sessions.end(claims.session_id)
        else:  # directory down: no access without knowing the groups, but the session stays
            st.session_state[session.NOTICE_KEY] = error.message
        log.info("session of %s not resumed: %s", claims.username, error.reason)
        return None
    session.log_in(st.session_state, user)
    now = time.time()
    st.session_state[SESSION_ID_KEY] = claims.session_id
    st.session_state[CHECKED_KEY] = now
    st.session_state[ROLES_KEY] = now
    return user


def keep_alive(ctx: PortalContext, user: UserInfo) -> UserInfo | None:
    """Each run of a logged-in tab: hand the cookie to the browser after a login, keep the
    session's idle clock going, refresh the roles now and then. Returns the user (maybe
    with new roles), or None when the session has ended (the tab is logged out)."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if not session_id:
        return user
    token = st.session_state.get(HANDOVER_KEY)
    if token:
        # Asked for again on each run until the browser has it: a run cut short by a
        # rerun may never have reached the browser.
        if ctx.sessions.handover_pending(session_id):
            _post(LOGIN_PATH, token)
        else:
            del st.session_state[HANDOVER_KEY]
    now = time.time()
    if now - float(st.session_state.get(CHECKED_KEY, 0)) >= TOUCH_EVERY_S:
        if not ctx.sessions.check_in(session_id, now):
            log_out(ctx, MSG_SESSION_ENDED)
            return None
        st.session_state[CHECKED_KEY] = now
    if now - float(st.session_state.get(ROLES_KEY, 0)) >= REFRESH_ROLES_S:
        try:
            user = ctx.directory.lookup(user.username, active_only=True)
        except LoginError as error:
            if error.reason in GONE_REASONS:
                log_out(ctx, MSG_SESSION_ENDED)
                return None
            # Directory down: keep the roles resolved last and ask again in a minute (not
            # on every run: each attempt may wait for the directory's timeout).
            st.session_state[ROLES_KEY] = now - REFRESH_ROLES_S + TOUCH_EVERY_S
            return user
        session.log_in(st.session_state, user, now)
        st.session_state[ROLES_KEY] = now
    return user


def log_out(ctx: PortalContext, notice: str | None = None) -> None:
    """End the session for good: revoke it, forget the tab's state, delete the cookie."""
    session_id = st.session_state.get(SESSION_ID_KEY)
    if session_id:
        ctx.sessions.end(session_id)
    session.log_out(st.session_state, notice)
    st.session_state[FORGET_COOKIE_KEY] = True


def forget_cookie_if_asked() -> None:
    """On the login form after a logout: the browser deletes its (revoked) cookie."""
    if st.session_state.pop(FORGET_COOKIE_KEY, False):
        _post(LOGOUT_PATH, "1")
