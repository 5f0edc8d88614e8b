"""One SMB server session of a source: smbclient's connection cache for this source alone, the
politeness limits (requests in flight, request starts per second), and one reconnect when the
session drops; after that the server counts as down (`SourceUnavailable`)."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import smbclient
from smbprotocol import exceptions as smb_errors

from aktenlotse.core.config import SourceConfig
from aktenlotse.crawler.smb_compound_reads import RatePacer
from aktenlotse.crawler.source import SourceUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

# Everything a cut connection can surface as: OSError (a send on a socket the receiver
# thread already closed fails with EBADF), SMBException (e.g. a response that never came).
# File answers (SMBOSError) and logon failures are told apart before these are looked at.
_CONNECTION_ERRORS = (OSError, smb_errors.SMBException)


class _Politeness:
    """At most `max_in_flight` requests at once and `per_second` request starts per second."""

    def __init__(self, max_in_flight: int, per_second: float):
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self.pace = RatePacer(per_second).pace

    def __enter__(self):
        self._slots.acquire()
        self.pace()
        return self

    def __exit__(self, *exc: object) -> None:
        self._slots.release()


class SmbSession:
    """The connection of one source to its server (see the module docstring)."""

    def __init__(self, config: SourceConfig):
        self.config = config
        self.name = config.name
        self.server = config.smb_server
        self._cache: dict[str, Any] = {}  # this source's own connections (smbclient's pool is global otherwise)
        self._registered = False
        self._polite = _Politeness(config.smb_requests_in_flight, config.smb_requests_per_second)
        self.pace = self._polite.pace
        self._lock = threading.Lock()

    def kwargs(self) -> dict:
        # With the credentials, smbclient itself re-opens a session it finds dead.
        return {**self.session_kwargs(), "connection_cache": self._cache}

    def session_kwargs(self) -> dict:
        # Without a configured user, "negotiate" uses the Kerberos ticket of the process
        # (kinit, or a keytab via KRB5_CLIENT_KTNAME).
        return dict(
            username=self.config.smb_username or None,
            password=self.config.smb_password or None,
            port=self.config.smb_port,
            encrypt=True if self.config.smb_encrypt else None,
            auth_protocol="ntlm" if self.config.smb_username else "negotiate",
            connection_timeout=10,
        )

    def _connect(self) -> None:
        with self._lock:
            if self._registered:
                return
            try:
                smbclient.register_session(self.server, **self.session_kwargs(), connection_cache=self._cache)
            except smb_errors.SMBAuthenticationError as exc:
                raise SourceUnavailable(self.auth_message(str(exc))) from None
            except smb_errors.SMBResponseException as exc:
                raise SourceUnavailable(self.auth_message(f"{exc.status:#x} {exc}")) from None
            except (ValueError, OSError) as exc:
                raise SourceUnavailable(
                    f"source {self.name!r}: Dateiserver {self.server} nicht erreichbar "
                    f"(server unreachable on port {self.config.smb_port}: {exc})"
                ) from None
            self._registered = True

    def auth_message(self, detail: str) -> str:
        lower = detail.lower()
        if not self.config.smb_username:
            # No credentials configured: Kerberos with the ticket of the crawler's user.
            reason = (
                "kein gültiges Kerberos-Ticket und keine Zugangsdaten (kinit oder Keytab für das "
                "Dienstkonto, oder credentials_file)"
            )
            if not _kerberos_installed():
                reason += "; Kerberos-Unterstützung fehlt: pip install 'aktenlotse[kerberos]'"
            return f"source {self.name!r}: {reason} an {self.server}"
        if "expired" in lower or "0xc0000193" in lower or "0xc0000071" in lower:
            reason = "Konto oder Passwort abgelaufen (account or password expired)"
        elif "disabled" in lower or "0xc0000072" in lower:
            reason = "Konto gesperrt (account disabled)"
        else:
            reason = "Anmeldung abgelehnt: Benutzername oder Passwort falsch (logon failure)"
        return f"source {self.name!r}: {reason} für {self.config.smb_username or 'anonym'} an {self.server}"

    def reset(self) -> None:
        with self._lock:
            # A dead connection may fail to close; it is dropped either way.
            with contextlib.suppress(Exception):
                smbclient.reset_connection_cache(connection_cache=self._cache)
            self._cache = {}
            self._registered = False

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run one SMB operation; a dropped session is re-established once, then the
        server counts as down (SourceUnavailable: nothing is treated as deleted)."""
        self._connect()
        try:
            with self._polite:
                return fn(*args, **self.kwargs())
        except smb_errors.SMBOSError:
            raise
        except smb_errors.SMBAuthenticationError as exc:  # e.g. the password was changed mid-crawl
            raise SourceUnavailable(self.auth_message(str(exc))) from None
        except (*_CONNECTION_ERRORS, ValueError) as exc:
            if not _session_lost(exc):
                raise
            log.warning("SMB session to %s dropped (%s), reconnecting", self.server, exc)
        self.reset()
        try:
            self._connect()
            with self._polite:
                return fn(*args, **self.kwargs())
        except smb_errors.SMBOSError:
            raise
        except smb_errors.SMBAuthenticationError as exc:
            raise SourceUnavailable(self.auth_message(str(exc))) from None
        except (*_CONNECTION_ERRORS, ValueError) as exc:
            raise SourceUnavailable(
                f"source {self.name!r}: Verbindung zu {self.server} abgebrochen (server went away mid-crawl: {exc})"
            ) from None

    def close(self) -> None:
        self.reset()


def _kerberos_installed() -> bool:
    return all(importlib.util.find_spec(module) for module in ("gssapi", "krb5"))


def _session_lost(exc: Exception) -> bool:
    """Whether `exc` means the connection or session is gone (worth one reconnect), as
    opposed to an answer about the file itself."""
    if isinstance(exc, smb_errors.SMBResponseException):
        return exc.status in (
            smb_errors.NtStatus.STATUS_NETWORK_NAME_DELETED,
            smb_errors.NtStatus.STATUS_USER_SESSION_DELETED,
            0xC000035C,
        )  # STATUS_NETWORK_SESSION_EXPIRED
    if isinstance(exc, ValueError):  # smbclient's words for a refused or failed reconnect
        return str(exc).startswith("Failed to connect")
    return True
