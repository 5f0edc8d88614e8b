"""The small built-in directory of demo mode (`auth.mode = "demo"`).

Only for trying Aktenlotse on the demo share: the portal shows a banner while it is in
use, and a production config (`auth.mode = "ldap"`) never falls back to it.
"""

from __future__ import annotations

import hashlib
import hmac

from aktenlotse.core.config import AuthConfig
from aktenlotse.identity.users import (
    MSG_BAD_CREDENTIALS,
    MSG_INPUT,
    LoginError,
    LoginGuard,
    UserInfo,
    group_ancestors,
    roles_for,
)

# name -> (display name, groups, password); the demo prints these logins.
DEMO_USERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "mueller": ("Anna Müller (Bauamt)", ("bauamt",), "demo"),
    "schmidt": ("Jonas Schmidt (Kämmerei)", ("kaemmerei",), "demo"),
    "weber": ("Petra Weber (Personal)", ("personal",), "demo"),
    "yilmaz": ("Deniz Yılmaz (Standesamt, Digitallotse)", ("standesamt", "digitallotsen"), "demo"),
    "krause": ("Heike Krause (AG DMS)", ("ag-dms",), "demo"),
    "admin": ("IT-Administration", ("portal-admins",), "demo"),
    "gast": ("Gast (keine Gruppen)", (), "demo"),
}


def _digest(password: str, name: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), name.encode("utf-8"), 10_000)


class DemoDirectory:
    """The `Directory` of demo mode: the users above, passwords compared as PBKDF2 digests."""

    def __init__(
        self,
        config: AuthConfig,
        users: dict[str, tuple[str, tuple[str, ...], str]] | None = None,
        nested: dict[str, tuple[str, ...]] | None = None,
    ):
        """`nested`: group -> its member groups, as in a directory (the demo has none)."""
        self.config = config
        self._parents: dict[str, tuple[str, ...]] = {}
        for parent, children in (nested or {}).items():
            for child in children:
                self._parents[child] = (*self._parents.get(child, ()), parent)
        self._ancestors = group_ancestors(self._parents)
        self.guard = LoginGuard(config.max_failures, config.lockout_min)
        self._users = {
            name: (display, groups, _digest(pw, name)) for name, (display, groups, pw) in (users or DEMO_USERS).items()
        }

    def authenticate(self, username: str, password: str) -> UserInfo:
        """The demo user behind name and password; the same refusals as the LDAP login."""
        username = (username or "").strip().lower()
        if not username or not password:
            raise LoginError(MSG_INPUT, "input")
        self.guard.check(username)
        record = self._users.get(username)
        if record is None or not hmac.compare_digest(record[2], _digest(password, username)):
            self.guard.failed(username)
            raise LoginError(MSG_BAD_CREDENTIALS, "bad_credentials" if record else "unknown_user")
        self.guard.succeeded(username)
        return self._user(username, record)

    # The look-ups "Zugriff prüfen" uses, as in LdapDirectory.

    def lookup(self, username: str, *, active_only: bool = False) -> UserInfo:
        """The demo user of that name (for "Zugriff prüfen"); demo accounts are never
        disabled, so `active_only` changes nothing."""
        name = (username or "").strip().lower()
        record = self._users.get(name)
        if record is None:
            raise LoginError(f"Benutzer „{username}“ ist im Verzeichnis nicht bekannt.", "unknown_user")
        return self._user(name, record)

    def user_names(self, page_size: int = 500) -> list[str]:
        """The demo users' names, sorted."""
        return sorted(self._users)

    def group_names(self, page_size: int = 500) -> dict[str, str]:
        """The demo groups (they have no SIDs)."""
        named = [g for _, groups, _ in self._users.values() for g in groups]
        named += [g for child, parents in self._parents.items() for g in (child, *parents)]
        return {g: "" for g in named}

    def group_parents(self, page_size: int = 500) -> dict[str, tuple[str, ...]]:
        """The groups each nested group is a direct member of."""
        return {child: tuple(sorted(parents)) for child, parents in sorted(self._parents.items())}

    def _user(self, name: str, record: tuple[str, tuple[str, ...], bytes]) -> UserInfo:
        display, direct, _ = record
        # As a directory resolves a login: the user's groups and every group they are in.
        groups = tuple(dict.fromkeys([*direct, *(a for g in direct for a in self._ancestors.get(g, ()))]))
        return UserInfo(
            username=name,
            display_name=display,
            mail=f"{name}@demo.invalid",
            dn="",
            groups=tuple(groups),
            sids=(),
            roles=roles_for(tuple(groups), self.config),
        )
