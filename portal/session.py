"""Who is logged in, for how long: the session state of one browser tab."""

from __future__ import annotations

import time
from collections.abc import MutableMapping

from aktenlotse.identity.users import UserInfo

USER_KEY = "aktenlotse_user"
SEEN_KEY = "aktenlotse_last_seen"
NOTICE_KEY = "aktenlotse_notice"
MSG_TIMEOUT = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."


def log_in(state: MutableMapping, user: UserInfo, now: float | None = None) -> None:
    """Start the session of `user` (the idle clock starts now)."""
    state[USER_KEY] = user
    state[SEEN_KEY] = now if now is not None else time.time()


def log_out(state: MutableMapping, notice: str | None = None) -> None:
    """Forget everything of this session; `notice` is shown on the login form."""
    for key in list(state.keys()):
        del state[key]
    if notice:
        state[NOTICE_KEY] = notice


def current_user(state: MutableMapping, timeout_min: int, now: float | None = None) -> UserInfo | None:
    """The user of this session, or None (never logged in, logged out, or idle too long)."""
    user = state.get(USER_KEY)
    if not isinstance(user, UserInfo):
        return None
    now = now if now is not None else time.time()
    if now - float(state.get(SEEN_KEY, 0)) > timeout_min * 60:
        log_out(state, MSG_TIMEOUT)
        return None
    state[SEEN_KEY] = now
    return user
