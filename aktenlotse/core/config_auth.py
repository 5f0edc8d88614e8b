"""The `[auth]` table: how the portal logs users in (LDAP/AD or the demo directory) and which
groups carry the portal roles."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aktenlotse.core import config_values as values
from aktenlotse.core.config_values import ConfigError


@dataclass(frozen=True)
class AuthConfig:
    """Portal login against LDAP / Active Directory. The service account's password comes
    from the environment (AKTENLOTSE_LDAP_BIND_PASSWORD), never from the file."""

    mode: str = "ldap"  # ldap | demo (a small built-in directory, with a banner)
    url: str = ""
    start_tls: bool = False
    allow_plain: bool = False  # plain ldap:// without TLS only when set explicitly
    ca_cert: Path | None = None
    base_dn: str = ""
    user_filter: str = "(&(objectClass=person)(|(sAMAccountName={username})(uid={username})))"
    bind_dn: str = ""
    bind_password: str = ""  # only from env AKTENLOTSE_LDAP_BIND_PASSWORD
    nested_groups: str = "auto"  # auto | in_chain | token_groups | member_of | recursive
    timeout_s: float = 5.0
    session_timeout_min: int = 30
    max_failures: int = 5
    lockout_min: int = 15
    roles: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"digitallotse": ("digitallotsen",), "ag_dms": ("ag-dms",), "admin": ("portal-admins",)}
    )


AUTH_MODES = ("ldap", "demo")


NESTED_GROUP_STRATEGIES = ("auto", "in_chain", "token_groups", "member_of", "recursive")


ROLE_NAMES = ("digitallotse", "ag_dms", "admin")


def parse_auth(table: dict[str, Any], base_dir: Path) -> AuthConfig:
    prefix = "auth."
    # bind_password comes from the environment only, never from the file.
    values.reject_unknown(table, values.settings_of(AuthConfig, besides=("bind_password",)), prefix)
    mode = values.string(table, "mode", "ldap", prefix)
    if mode not in AUTH_MODES:
        raise ConfigError(f"{prefix}mode: must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    url = values.string(table, "url", "", prefix)
    start_tls = values.flag(table, "start_tls", False, prefix)
    allow_plain = values.flag(table, "allow_plain", False, prefix)
    if url and not url.startswith(("ldap://", "ldaps://")):
        raise ConfigError(f"{prefix}url: {url!r} is not an ldap:// or ldaps:// URL")
    if url.startswith("ldap://") and not (start_tls or allow_plain):
        raise ConfigError(
            f"{prefix}url: ldap:// sends passwords in clear text; set auth.start_tls = true, "
            "use ldaps://, or set auth.allow_plain = true explicitly"
        )
    user_filter = values.string(table, "user_filter", AuthConfig.user_filter, prefix)
    if "{username}" not in user_filter:
        raise ConfigError(f"{prefix}user_filter: must contain {{username}}")
    nested = values.string(table, "nested_groups", "auto", prefix)
    if nested not in NESTED_GROUP_STRATEGIES:
        raise ConfigError(f"{prefix}nested_groups: must be one of {', '.join(NESTED_GROUP_STRATEGIES)}")
    roles_raw = table.get("roles")
    roles = dict(AuthConfig().roles)
    if roles_raw is not None:
        if not isinstance(roles_raw, dict):
            raise ConfigError(f"{prefix}roles: must be a table of role = [group names]")
        for role, groups in roles_raw.items():
            if role not in ROLE_NAMES:
                raise ConfigError(f"{prefix}roles.{role}: unknown role (known: {', '.join(ROLE_NAMES)})")
            if isinstance(groups, str):
                groups = [groups]
            if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
                raise ConfigError(f"{prefix}roles.{role}: must be a list of group names")
            roles[role] = tuple(g.lower() for g in groups)
    return AuthConfig(
        mode=mode,
        url=url,
        start_tls=start_tls,
        allow_plain=allow_plain,
        ca_cert=values.path(table["ca_cert"], prefix + "ca_cert", base_dir) if table.get("ca_cert") else None,
        base_dn=values.string(table, "base_dn", "", prefix),
        user_filter=user_filter,
        bind_dn=values.string(table, "bind_dn", "", prefix),
        bind_password=os.environ.get("AKTENLOTSE_LDAP_BIND_PASSWORD", ""),
        nested_groups=nested,
        timeout_s=values.number(table, "timeout_s", 5.0, prefix, 0.1),
        session_timeout_min=values.number(table, "session_timeout_min", 30, prefix, 1, integer=True),
        max_failures=values.number(table, "max_failures", 5, prefix, 1, integer=True),
        lockout_min=values.number(table, "lockout_min", 15, prefix, 1, integer=True),
        roles=roles,
    )
