"""Logins that survive a reload: the server-side half of the login cookie.

A login opens a row in the app database and hands the browser a one-time token; the
browser trades it for the HttpOnly cookie (`session_routes`), because a cookie that page
scripts cannot read can only be set by an HTTP response. On a reload the cookie is
checked here: signature and expiry (`session_cookie`), then the row: not revoked, not
idle for longer than the portal's session timeout (the same `auth.session_timeout_min`
as `portal.session`). Logout revokes the row, so a copied cookie is dead at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.portal.session_cookie import CookieClaims, load_secret, read_cookie, sign_cookie
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.session_store import SessionRow, SessionTables

MAX_AGE_S = 10 * 3600  # one working day: after that a password is asked again, active or not
HANDOVER_S = 120  # the browser fetches its cookie right after the login; later the token is dead
TOUCH_EVERY_S = 60  # the idle clock in the database moves at most once a minute (one write)


@dataclass(frozen=True)
class Handover:
    """A new login: its session id and the one-time token the browser trades for the cookie."""

    session_id: str
    token: str


@dataclass(frozen=True)
class IssuedCookie:
    """A cookie to set: its value and how long the browser should keep it (seconds)."""

    value: str
    max_age_s: int


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionRegistry:
    """Opens, checks and ends the portal's logins of one data directory."""

    def __init__(self, data_dir: Path, idle_timeout_min: int, max_age_s: int = MAX_AGE_S):
        self._secret = load_secret(data_dir)
        self._tables = SessionTables(open_app_db(data_dir))
        self.idle_timeout_s = idle_timeout_min * 60
        self.max_age_s = max_age_s
        # One connection for the page threads and the cookie route alike: one at a time.
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._tables.close()

    def start(self, username: str, now: float | None = None) -> Handover:
        """Open a session for `username` (whose password the directory just checked)."""
        now = time.time() if now is None else now
        session_id, token = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        row = SessionRow(session_id, username, now, now + self.max_age_s, now, None)
        with self._lock:
            self._tables.create(row, _token_hash(token), now + HANDOVER_S)
            # Ended sessions are kept a day (for a look at who was logged in), then forgotten.
            self._tables.purge(now - 86_400)
        return Handover(session_id=session_id, token=token)

    def redeem(self, token: str, now: float | None = None) -> IssuedCookie | None:
        """The cookie for a handover token, once; None for an unknown, used or late token."""
        now = time.time() if now is None else now
        if not token or len(token) > 200:
            return None
        with self._lock:
            row = self._tables.take_handover(_token_hash(token), now)
        if row is None or row.expires <= now:
            return None
        value = sign_cookie(CookieClaims(row.id, row.username, row.expires), self._secret)
        return IssuedCookie(value=value, max_age_s=int(row.expires - now))

    def handover_pending(self, session_id: str, now: float | None = None) -> bool:
        """Whether the browser has not fetched the cookie of this new login yet (and still may)."""
        with self._lock:
            return self._tables.handover_open(session_id, time.time() if now is None else now)

    def resume(self, cookie_value: str | None, now: float | None = None) -> CookieClaims | None:
        """Whose open session a cookie belongs to, or None (no cookie, bad signature,
        expired, logged out, idle too long); an idle session is revoked on the way."""
        now = time.time() if now is None else now
        claims = read_cookie(cookie_value, self._secret, now)
        if claims is None:
            return None
        return claims if self.check_in(claims.session_id, now, username=claims.username) else None

    def check_in(self, session_id: str, now: float | None = None, username: str | None = None) -> bool:
        """Whether the session is still open (not revoked, not expired, not idle too long;
        of `username` if given); an open one's idle clock starts again, an idle one is
        revoked. The tab calls this about once a minute (`TOUCH_EVERY_S`), so a logout in
        another tab or the session's end reaches every tab of the session."""
        now = time.time() if now is None else now
        with self._lock:
            row = self._tables.get(session_id)
            if row is None or row.revoked is not None or row.expires <= now:
                return False
            if username is not None and row.username != username:
                return False
            if now - row.last_seen > self.idle_timeout_s:
                self._tables.revoke(row.id, now)
                return False
            self._tables.touch(row.id, now)
        return True

    def end(self, session_id: str, now: float | None = None) -> None:
        """Revoke the session (logout): its cookie no longer logs anyone in."""
        with self._lock:
            self._tables.revoke(session_id, time.time() if now is None else now)

    def end_by_cookie(self, cookie_value: str | None, now: float | None = None) -> None:
        """Revoke the session a validly signed cookie names (logout from the browser)."""
        now = time.time() if now is None else now
        claims = read_cookie(cookie_value, self._secret, now)
        if claims is not None:
            with self._lock:
                self._tables.revoke(claims.session_id, now)
