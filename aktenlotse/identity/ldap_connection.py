"""A bound connection to the LDAP / Active Directory server, for the login in `directory.py`.

Everything that can go wrong on the way to a bound connection (server down, TLS, a refused
bind) becomes a LoginError with a message for the user; what really happened goes to the log.
"""

from __future__ import annotations

import contextlib
import logging
import ssl

import ldap3
from ldap3.core import exceptions as ldap_errors

from aktenlotse.core.config import AuthConfig
from aktenlotse.identity.users import MSG_BAD_CREDENTIALS, MSG_SERVER_DOWN, MSG_TLS, LoginError

log = logging.getLogger("aktenlotse.auth")


def bound_connection(config: AuthConfig, dn: str, password: str, user_bind: bool = False) -> ldap3.Connection:
    """A connection bound as `dn` (anonymous without one); maps every failure to a LoginError
    with a user message. `user_bind`: a refused password is the user's ("wrong name or
    password"), else it is the service account's and the login is down for everyone."""
    connection = new_connection(config, dn, password)
    try:
        open_and_bind(connection, config)
    except ldap_errors.LDAPInvalidCredentialsResult:
        unbind_quietly(connection)
        if user_bind:
            raise LoginError(MSG_BAD_CREDENTIALS, "bad_credentials") from None
        log.error("the directory refused the service account %r", dn)
        raise LoginError(MSG_SERVER_DOWN, "server") from None
    except (
        ldap_errors.LDAPSocketOpenError,
        ldap_errors.LDAPStartTLSError,
        ldap_errors.LDAPSocketReceiveError,
        ldap_errors.LDAPSocketSendError,
        ldap_errors.LDAPSessionTerminatedByServerError,
    ) as error:
        unbind_quietly(connection)
        if is_tls_problem(error):
            log.error("TLS to the directory failed: %s", error)
            raise LoginError(MSG_TLS, "tls") from None
        log.error("directory not reachable: %s", error)
        raise LoginError(MSG_SERVER_DOWN, "server") from None
    except ldap_errors.LDAPException as error:
        unbind_quietly(connection)
        log.error("directory error: %s", error)
        raise LoginError(MSG_SERVER_DOWN, "server") from None
    return connection


def new_connection(config: AuthConfig, dn: str, password: str) -> ldap3.Connection:
    """A connection to the configured directory, not opened yet, that binds as `dn`
    (anonymous without one) and raises ldap3's errors."""
    return ldap3.Connection(
        _server(config),
        user=dn or None,
        password=password or None,
        authentication=ldap3.SIMPLE if dn else ldap3.ANONYMOUS,
        receive_timeout=max(1, round(config.timeout_s)),
        raise_exceptions=True,
        read_only=True,
    )


def open_and_bind(connection: ldap3.Connection, config: AuthConfig) -> None:
    """Open the connection, start TLS on an ldap:// address where the config asks for it,
    and bind; ldap3's errors go to the caller, who says what they mean."""
    connection.open()
    if config.start_tls and not config.url.startswith("ldaps://"):
        connection.start_tls()
    connection.bind()


def uses_tls(config: AuthConfig) -> bool:
    """Whether the connection is secured (ldaps:// or StartTLS), the certificate checked."""
    return config.url.startswith("ldaps://") or config.start_tls


def is_tls_problem(error: Exception) -> bool:
    """Whether a failed connection failed on TLS (certificate, handshake), not on the way."""
    text = repr(error).lower()
    return any(word in text for word in ("certificate", "ssl", "tls", "verify"))


def unbind_quietly(connection: ldap3.Connection) -> None:
    """Close a connection that may be broken already."""
    with contextlib.suppress(Exception):  # closing a broken connection must not hide the real error
        connection.unbind()


def _server(config: AuthConfig) -> ldap3.Server:
    tls = None
    if uses_tls(config):
        tls = ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=str(config.ca_cert) if config.ca_cert else None,
            version=ssl.PROTOCOL_TLS_CLIENT,
        )
    return ldap3.Server(
        config.url,
        use_ssl=config.url.startswith("ldaps://"),
        tls=tls,
        connect_timeout=config.timeout_s,
        get_info=ldap3.NONE,
    )
