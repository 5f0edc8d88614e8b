"""Login against LDAP / Active Directory with ldap3, and the principals of a user.

The principals resolved here (`user:`, `group:`, `sid:`, `everyone`, `authenticated`) are
the other half of the crawler's contract: a document is visible iff one of these is in
its allow list and none is in its deny list.

Users never learn why a login failed beyond "wrong name or password" (no hint whether the
account exists or is disabled); the log says more, never the password. Opening and binding
a connection, and what its failures tell the user, is `ldap_connection`.
"""

from __future__ import annotations

import logging
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from ldap3.protocol.formatters.formatters import format_sid
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

from aktenlotse.core.config import AuthConfig
from aktenlotse.identity.ldap_connection import bound_connection
from aktenlotse.identity.users import (
    MSG_BAD_CREDENTIALS,
    MSG_INPUT,
    MSG_SERVER_DOWN,
    MSG_TLS,
    LoginError,
    LoginGuard,
    UserInfo,
    roles_for,
)

# The login's vocabulary is defined in `users`; named here too, where callers of the
# LDAP login have always found it.
__all__ = [
    "MSG_BAD_CREDENTIALS",
    "MSG_INPUT",
    "MSG_SERVER_DOWN",
    "MSG_TLS",
    "LdapDirectory",
    "LoginError",
    "LoginGuard",
    "UserInfo",
    "roles_for",
]

log = logging.getLogger("aktenlotse.auth")

AD_CAPABILITY = "1.2.840.113556.1.4.800"  # rootDSE supportedCapabilities of Active Directory
IN_CHAIN = "1.2.840.113556.1.4.1941"  # LDAP_MATCHING_RULE_IN_CHAIN
UAC_DISABLED = 0x2
MAX_USERNAME = 128
MAX_GROUP_DEPTH = 10
# The target of the bind that makes a refusal for an unknown name take as long as a wrong
# password; no directory entry has this name (a hyphenated random tail, not a real cn).
DUMMY_RDN = "aktenlotse-kein-konto-7f3c9a1e"
GROUP_FILTER = "(|(objectClass=groupOfNames)(objectClass=group))"


class LdapDirectory:
    """Authenticates users and resolves their groups and SIDs (OpenLDAP or Active Directory)."""

    def __init__(self, config: AuthConfig, guard: LoginGuard | None = None):
        self.config = config
        self.guard = guard or LoginGuard(config.max_failures, config.lockout_min)

    # -- public --------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> UserInfo:
        """The user behind name and password, the directory binding as the user; every
        refusal is a LoginError that does not tell whether the account exists."""
        username = (username or "").strip()
        if not username or not password or len(username) > MAX_USERNAME or any(ord(c) < 32 for c in username):
            raise LoginError(MSG_INPUT if not username or not password else MSG_BAD_CREDENTIALS, "input")
        self.guard.check(username)
        try:
            user = self._authenticate(username, password)
        except LoginError as error:
            if error.reason in ("bad_credentials", "unknown_user", "disabled", "ambiguous"):
                self.guard.failed(username)
            log.warning("login failed for %r: %s", username, error.reason)
            raise
        self.guard.succeeded(username)
        log.info("login %r (%d groups, roles %s)", user.username, len(user.groups), ",".join(sorted(user.roles)))
        return user

    # -- steps ---------------------------------------------------------------------

    def _authenticate(self, username: str, password: str) -> UserInfo:
        with self._as_service() as service:
            try:
                entry = self._find_user(service, username)
                is_ad = self._is_active_directory(service)
                if is_ad and int(_first(entry, "userAccountControl") or 0) & UAC_DISABLED:
                    raise LoginError(MSG_BAD_CREDENTIALS, "disabled")
            except LoginError as refused:
                if refused.reason in ("unknown_user", "ambiguous", "disabled"):
                    self._equal_time_bind(service, password, refused.reason != "disabled")
                raise
            user_dn = entry.entry_dn
            # Bind as the user: the directory itself checks the password (and locks, expiry).
            with bound_connection(self.config, user_dn, password, user_bind=True) as as_user:
                groups, sids = self._groups_and_sids(service if self.config.bind_dn else as_user, entry, is_ad)
        return self._user_info(entry, username, groups, sids)

    # -- look-ups with the service account (no password of the user) ---------------

    def lookup(self, username: str, *, active_only: bool = False) -> UserInfo:
        """The user's groups, SIDs and principals as a login would resolve them, found with
        the service account only (for "Zugriff prüfen", and to resume a portal session).
        Unknown or ambiguous names raise a LoginError whose message names the user (this is
        an admin tool, not the login). `active_only`: an Active Directory account that is
        disabled raises too (reason "disabled"), as its login would be refused; a session
        must not outlive the account."""
        username = (username or "").strip()
        if not username or len(username) > MAX_USERNAME or any(ord(c) < 32 for c in username):
            raise LoginError("Bitte einen gültigen Benutzernamen angeben.", "input")
        with self._as_service() as service:
            try:
                entry = self._find_user(service, username)
            except LoginError as error:
                if error.reason == "unknown_user":
                    raise LoginError(f"Benutzer „{username}“ ist im Verzeichnis nicht bekannt.", error.reason) from None
                if error.reason == "ambiguous":
                    raise LoginError(
                        f"Der Name „{username}“ passt auf mehrere Verzeichniseinträge.", error.reason
                    ) from None
                raise
            is_ad = self._is_active_directory(service)
            if active_only and is_ad and int(_first(entry, "userAccountControl") or 0) & UAC_DISABLED:
                raise LoginError(f"Das Konto „{username}“ ist im Verzeichnis gesperrt.", "disabled")
            groups, sids = self._groups_and_sids(service, entry, is_ad)
        return self._user_info(entry, username, groups, sids)

    def _user_info(self, entry: Any, username: str, groups: tuple[str, ...], sids: tuple[str, ...]) -> UserInfo:
        name = (_first(entry, "sAMAccountName") or _first(entry, "uid") or username).lower()
        return UserInfo(
            username=name,
            display_name=_first(entry, "displayName") or _first(entry, "cn") or name,
            mail=_first(entry, "mail") or "",
            dn=entry.entry_dn,
            groups=groups,
            sids=sids,
            roles=roles_for(groups, self.config),
        )

    def user_names(self, page_size: int = 500) -> list[str]:
        """Every user the login filter can find, read page by page (AD returns at most
        1000 entries per search without paging)."""
        search_filter = self.config.user_filter.replace("{username}", "*")
        names = set()
        for entry in self._paged(search_filter, ["uid", "sAMAccountName"], page_size):
            attributes = entry.get("attributes", {})
            name = _plain(attributes.get("sAMAccountName")) or _plain(attributes.get("uid"))
            if name:
                names.add(name.lower())
        return sorted(names)

    def group_names(self, page_size: int = 500) -> dict[str, str]:
        """Every group of the directory: lower-case name -> its SID ('' without one)."""
        found = {}
        for entry in self._paged(GROUP_FILTER, ["cn", "objectSid"], page_size):
            name = _plain(entry.get("attributes", {}).get("cn"))
            raw_sid = entry.get("raw_attributes", {}).get("objectSid") or []
            if name:
                found[name.lower()] = format_sid(raw_sid[0]) if raw_sid else ""
        return found

    def group_parents(self, page_size: int = 500) -> dict[str, tuple[str, ...]]:
        """Each group that is a member of other groups -> their names, read from the groups'
        `member` values (OpenLDAP groupOfNames and AD alike; no memberOf overlay needed).
        Members that are not groups of this directory (users, foreign principals) are left
        out; a large AD group's ranged `member` is read in full by ldap3 (auto_range)."""
        entries = self._paged(GROUP_FILTER, ["cn", "member"], page_size)
        names = {_dn_key(e.get("dn", "")): _plain(e.get("attributes", {}).get("cn")).lower() for e in entries}
        parents: dict[str, set[str]] = {}
        for entry in entries:
            parent = names[_dn_key(entry.get("dn", ""))]
            for member in entry.get("attributes", {}).get("member") or []:
                child = names.get(_dn_key(str(member)))
                if parent and child and child != parent:
                    parents.setdefault(child, set()).add(parent)
        return {child: tuple(sorted(found)) for child, found in sorted(parents.items())}

    def _paged(self, search_filter: str, attributes: list[str], page_size: int) -> list[dict]:
        """Entries only (referrals to other directories are not followed)."""
        return [e for e in self._paged_all(search_filter, attributes, page_size) if e.get("type") == "searchResEntry"]

    def _paged_all(self, search_filter: str, attributes: list[str], page_size: int) -> list[dict]:
        with self._as_service() as service:

            def paged(names: list[str]) -> list[dict]:
                return list(
                    service.extend.standard.paged_search(
                        self.config.base_dn, search_filter, ldap3.SUBTREE, attributes=names, paged_size=page_size
                    )
                )

            try:
                return paged(attributes)
            except ldap_errors.LDAPAttributeError:
                # A directory without one of the attributes (OpenLDAP has no sAMAccountName).
                return paged(["cn", "uid"])
            except ldap_errors.LDAPException as error:
                log.error("directory listing failed: %s", error)
                raise LoginError(MSG_SERVER_DOWN, "server") from None

    def _as_service(self) -> ldap3.Connection:
        """A connection bound as the configured service account (anonymous without one)."""
        return bound_connection(self.config, self.config.bind_dn, self.config.bind_password)

    def _equal_time_bind(self, service: ldap3.Connection, password: str, detect_ad: bool) -> None:
        """Do the work a known user's login does (directory type look-up, a second
        connection and a bind with the given password) so that the answer time does not
        tell whether an account exists. The bind goes to a DN that cannot exist, so it
        always fails; its result is ignored and the caller raises the original refusal."""
        if detect_ad:
            self._is_active_directory(service)
        try:
            with bound_connection(self.config, f"cn={DUMMY_RDN},{self.config.base_dn}", password, user_bind=True):
                pass
        except LoginError:
            pass

    def _find_user(self, connection: ldap3.Connection, username: str):
        # The name is escaped: "*", "(", ")", "\\" and NUL cannot change the filter.
        search_filter = self.config.user_filter.replace("{username}", escape_filter_chars(username))
        attributes = [
            "uid",
            "sAMAccountName",
            "cn",
            "displayName",
            "mail",
            "memberOf",
            "objectSid",
            "userAccountControl",
            "primaryGroupID",
        ]
        try:
            connection.search(self.config.base_dn, search_filter, ldap3.SUBTREE, attributes=attributes, size_limit=2)
        except ldap_errors.LDAPSizeLimitExceededResult:
            raise LoginError(MSG_BAD_CREDENTIALS, "ambiguous") from None
        except ldap_errors.LDAPNoSuchObjectResult:
            raise LoginError(MSG_BAD_CREDENTIALS, "unknown_user") from None
        except ldap_errors.LDAPAttributeError:
            attributes = ["uid", "cn", "displayName", "mail", "memberOf"]
            connection.search(self.config.base_dn, search_filter, ldap3.SUBTREE, attributes=attributes, size_limit=2)
        except ldap_errors.LDAPException as error:
            log.error("user search failed: %s", error)
            raise LoginError(MSG_SERVER_DOWN, "server") from None
        entries = connection.entries
        if not entries:
            raise LoginError(MSG_BAD_CREDENTIALS, "unknown_user")
        if len(entries) > 1:
            raise LoginError(MSG_BAD_CREDENTIALS, "ambiguous")
        return entries[0]

    def _is_active_directory(self, connection: ldap3.Connection) -> bool:
        if self.config.nested_groups in ("in_chain", "token_groups"):
            return True
        if self.config.nested_groups in ("member_of", "recursive"):
            return False
        try:
            connection.search("", "(objectClass=*)", ldap3.BASE, attributes=["supportedCapabilities"])
        except ldap_errors.LDAPException:
            return False
        if not connection.entries:
            return False
        capabilities = connection.entries[0].entry_attributes_as_dict.get("supportedCapabilities", [])
        return AD_CAPABILITY in capabilities

    def _groups_and_sids(
        self, connection: ldap3.Connection, entry: Any, is_ad: bool
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        user_dn = entry.entry_dn
        group_dns: set[str] = {str(dn) for dn in _values(entry, "memberOf")}
        sids: list[str] = []
        raw_sid = _raw_first(entry, "objectSid")
        if raw_sid:
            sids.append(format_sid(raw_sid))
        if is_ad:
            # All nested groups by name, and every group SID (incl. the primary group) via tokenGroups.
            connection.search(
                self.config.base_dn,
                f"(member:{IN_CHAIN}:={escape_filter_chars(user_dn)})",
                ldap3.SUBTREE,
                attributes=["cn"],
            )
            group_dns.update(e.entry_dn for e in connection.entries)
            connection.search(user_dn, "(objectClass=*)", ldap3.BASE, attributes=["tokenGroups"])
            if connection.entries:
                for raw in connection.entries[0].entry_raw_attributes.get("tokenGroups", []):
                    sids.append(format_sid(raw))
        else:
            group_dns.update(self._nested_groups(connection, user_dn, group_dns))
        names = sorted({_cn(dn) for dn in group_dns if _cn(dn)})
        return tuple(names), tuple(dict.fromkeys(sids))

    def _nested_groups(self, connection: ldap3.Connection, user_dn: str, known: set[str]) -> set[str]:
        """Groups that contain the user, directly or through other groups (breadth first)."""
        found: set[str] = set()
        frontier = [user_dn, *known]
        for _ in range(MAX_GROUP_DEPTH):
            next_frontier = []
            for member in frontier:
                connection.search(
                    self.config.base_dn,
                    f"(&(|(objectClass=groupOfNames)(objectClass=group))(member={escape_filter_chars(member)}))",
                    ldap3.SUBTREE,
                    attributes=["cn"],
                )
                for group in connection.entries:
                    dn = group.entry_dn
                    if dn.lower() not in {f.lower() for f in found}:
                        found.add(dn)
                        next_frontier.append(dn)
            if not next_frontier:
                break
            frontier = next_frontier
        return found


def _values(entry: Any, attribute: str) -> list[Any]:
    try:
        return list(entry[attribute].values)
    except (KeyError, ldap_errors.LDAPKeyError, ldap_errors.LDAPCursorAttributeError):
        return []


def _plain(value: object) -> str:
    """One attribute value of a paged search result (a list or a single value)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "")


def _first(entry: Any, attribute: str) -> str | None:
    values = _values(entry, attribute)
    return str(values[0]) if values else None


def _raw_first(entry: Any, attribute: str) -> bytes | None:
    raw = entry.entry_raw_attributes.get(attribute) or []
    return raw[0] if raw else None


def _cn(dn: str) -> str:
    try:
        parts = parse_dn(dn)
    except ldap_errors.LDAPInvalidDnError:
        return ""
    return parts[0][1].lower() if parts else ""


def _dn_key(dn: str) -> str:
    """A DN as a comparable key: the same entry is spelled with other case or spacing in
    `member` values than in its own `dn` (AD, OpenLDAP alike)."""
    try:
        return ",".join(f"{attr.lower()}={value.lower()}" for attr, value, _ in parse_dn(dn))
    except ldap_errors.LDAPInvalidDnError:
        return dn.lower()
