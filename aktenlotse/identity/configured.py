"""The directory the config asks for: LDAP / Active Directory, or the demo directory."""

from __future__ import annotations

from aktenlotse.core.config import AuthConfig
from aktenlotse.identity.demo_directory import DemoDirectory
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.identity.users import Directory


def configured_directory(auth: AuthConfig) -> Directory:
    """`auth.mode = "demo"` gives the built-in demo users; anything else the LDAP login
    (a production config never falls back to the demo users)."""
    if auth.mode == "demo":
        return DemoDirectory(auth)
    return LdapDirectory(auth)
