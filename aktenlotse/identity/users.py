"""Who a logged-in user is, how a login fails, and what every directory offers.

Shared by the LDAP / Active Directory login (`directory.py`) and the demo directory
(`demo_directory.py`); the portal and the CLI depend on the `Directory` protocol only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aktenlotse.core.config import AuthConfig
from aktenlotse.core.records import AUTHENTICATED, EVERYONE, normalize_principal
from aktenlotse.core.user_errors import UserFacingError

MSG_BAD_CREDENTIALS = "Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch."
MSG_RATE_LIMITED = "Zu viele fehlgeschlagene Anmeldungen. Bitte in {minutes} Minuten erneut versuchen."
MSG_SERVER_DOWN = (
    "Der Anmeldedienst (Verzeichnis) ist nicht erreichbar. Bitte später erneut versuchen oder die IT informieren."
)
MSG_TLS = "Die gesicherte Verbindung zum Anmeldedienst ist fehlgeschlagen (Zertifikat). Bitte die IT informieren."
MSG_INPUT = "Bitte Benutzername und Passwort eingeben."


class LoginError(UserFacingError):
    """`reason` is for the log and tests."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = (
            reason  # bad_credentials | unknown_user | disabled | ambiguous | rate_limited | server | tls | input
        )


@dataclass(frozen=True)
class UserInfo:
    """A logged-in (or looked-up) user with the groups and SIDs the directory resolved."""

    username: str
    display_name: str
    mail: str
    dn: str
    groups: tuple[str, ...]  # group names (lower case), nested included
    sids: tuple[str, ...]  # the user's SID and its groups' SIDs, primary group included
    roles: frozenset[str] = frozenset()

    @property
    def principals(self) -> tuple[str, ...]:
        """What the user's searches and downloads are checked against (normalised, no repeats)."""
        found = [EVERYONE, AUTHENTICATED, f"user:{self.username}"]
        found += [f"group:{g}" for g in self.groups]
        found += [f"sid:{s}" for s in self.sids]
        return tuple(dict.fromkeys(normalize_principal(p) for p in found))


def roles_for(groups: tuple[str, ...], config: AuthConfig) -> frozenset[str]:
    """Every logged-in user is an employee; other roles come from configured groups."""
    names = {g.lower() for g in groups}
    roles = {"employee"}
    for role, role_groups in config.roles.items():
        if names.intersection(role_groups):
            roles.add(role)
    return frozenset(roles)


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)


class LoginGuard:
    """Failed logins per user name: after `max_failures` within `lockout_min` minutes the
    name is refused until the window has passed (also for unknown names, so the limit
    says nothing about which accounts exist)."""

    def __init__(self, max_failures: int, lockout_min: int, clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.window_s = lockout_min * 60
        self.clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> list[float]:
        now = self.clock()
        entry = self._failures.get(key)
        if entry is None:
            return []
        entry.times = [t for t in entry.times if now - t < self.window_s]
        return entry.times

    def check(self, username: str) -> None:
        """LoginError (rate_limited) while the name has too many recent failures."""
        key = username.lower()
        with self._lock:
            recent = self._recent(key)
            if len(recent) >= self.max_failures:
                wait_min = max(1, int((self.window_s - (self.clock() - recent[0])) // 60) + 1)
                raise LoginError(MSG_RATE_LIMITED.format(minutes=wait_min), "rate_limited")

    def failed(self, username: str) -> None:
        """Count a failed login of the name."""
        with self._lock:
            self._failures.setdefault(username.lower(), _Failures()).times.append(self.clock())

    def succeeded(self, username: str) -> None:
        """A successful login clears the name's failures."""
        with self._lock:
            self._failures.pop(username.lower(), None)


class Directory(Protocol):
    """What the portal and "Zugriff prüfen" need from a user directory (LDAP/AD or demo).
    Failures are LoginErrors whose message is for the user."""

    def authenticate(self, username: str, password: str) -> UserInfo:
        """The user behind a name and password (the directory checks the password)."""

    def lookup(self, username: str, *, active_only: bool = False) -> UserInfo:
        """The user as a login would resolve them, without their password; `active_only`:
        a disabled account raises a LoginError (reason "disabled") as its login would."""

    def user_names(self, page_size: int = 500) -> list[str]:
        """Every user name the login can find (lower case, sorted)."""

    def group_names(self, page_size: int = 500) -> dict[str, str]:
        """Every group: lower-case name -> its SID ('' without one)."""

    def group_parents(self, page_size: int = 500) -> dict[str, tuple[str, ...]]:
        """Every group that is itself a member of groups: lower-case name -> the names of
        the groups it is a direct member of (one level; `group_ancestors` goes further)."""


def group_ancestors(parents: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Every group's ancestors over any number of levels (A in B, B in C: A -> B, C), from
    the direct parents. Directories allow cycles (A in B, B in A); each group is visited
    once, so a cycle ends the walk instead of looping, and a group is never its own ancestor."""
    found = {}
    for group in parents:
        seen: dict[str, None] = {}
        frontier = list(parents.get(group, ()))
        while frontier:
            parent = frontier.pop(0)
            if parent == group or parent in seen:
                continue
            seen[parent] = None
            frontier.extend(parents.get(parent, ()))
        if seen:
            found[group] = tuple(sorted(seen))
    return found
