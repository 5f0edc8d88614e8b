"""The two HTTP routes of the login cookie, served by Streamlit's own server (`web_app`).

Why routes of our own: the cookie is HttpOnly (page scripts, and so an injected script,
cannot read it), and such a cookie can only be set by an HTTP response, not from the
page. Streamlit's built-in login (`st.login`) is for OpenID Connect only, not for a
password checked against LDAP; its `st.App` takes extra routes, so the portal adds these:

- `POST /api/sitzung` with the one-time token of a fresh login (header
  `X-Aktenlotse-Token`) answers with the signed cookie;
- `POST /api/sitzung/ende` revokes the session the cookie names and deletes the cookie.

Both need the custom header: a page of another site cannot send it without a CORS
preflight, which these routes never allow, so no other site can plant or end a login.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aktenlotse.core.config import ConfigError
from aktenlotse.portal.context import shared_context
from aktenlotse.portal.session_cookie import COOKIE_NAME

TOKEN_HEADER = "X-Aktenlotse-Token"
LOGIN_PATH = "/api/sitzung"
LOGOUT_PATH = "/api/sitzung/ende"
log = logging.getLogger(__name__)


def _is_https(request: Request) -> bool:
    # Behind nginx (deploy/nginx-aktenlotse.conf) the portal itself speaks plain HTTP.
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def hand_over_cookie(request: Request) -> Response:
    """Trade a login's one-time token for the login cookie (204), else 403."""
    token = request.headers.get(TOKEN_HEADER, "")
    try:
        issued = shared_context().sessions.redeem(token)
    except ConfigError as error:
        log.error("login cookie not issued: %s", error)
        return _no_store(Response("Das Portal ist nicht richtig eingerichtet.", status_code=503))
    if issued is None:
        return _no_store(Response("Anmeldung nicht (mehr) gültig.", status_code=403))
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE_NAME,
        issued.value,
        max_age=issued.max_age_s,
        path="/",
        secure=_is_https(request),
        httponly=True,
        samesite="lax",  # sent when a link from a mail opens the portal; not on other sites' requests
    )
    return _no_store(response)


def end_cookie_session(request: Request) -> Response:
    """Revoke the session of the request's cookie and delete the cookie (204)."""
    if TOKEN_HEADER.lower() not in request.headers:
        return _no_store(Response(status_code=403))
    try:
        shared_context().sessions.end_by_cookie(request.cookies.get(COOKIE_NAME))
    except ConfigError as error:
        log.error("logout without revocation: %s", error)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", secure=_is_https(request), httponly=True, samesite="lax")
    return _no_store(response)


def session_routes() -> list[Route]:
    """The routes to add to Streamlit's server (sync handlers: Starlette runs them in its
    thread pool, so a slow database write never blocks the websocket of other users)."""
    return [
        Route(LOGIN_PATH, hand_over_cookie, methods=["POST"]),
        Route(LOGOUT_PATH, end_cookie_session, methods=["POST"]),
    ]
