"""Search-server client exceptions -> BackendError with a German message naming the cause.

The `elasticsearch` and the `opensearch-py` client raise exceptions of their own; this
module is the one place that knows both, so the rest of the backend asks `status_of`,
`is_transient`, `is_not_found`, `is_bad_request` instead of naming a class.

Users and admins see these lines (crawl summary, `aktenlotse check`, the portal); the
client's exception stays in the chain for the log.
"""

from __future__ import annotations

from typing import Protocol

import opensearchpy.exceptions as opensearch
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    UnsupportedProductError,
)

from aktenlotse.search.backend import BackendError

TLS_ERRORS = (TlsError, opensearch.SSLError)
TIMEOUT_ERRORS = (ConnectionTimeout, opensearch.ConnectionTimeout)
CONNECTION_ERRORS = (TransportConnectionError, opensearch.ConnectionError)  # includes TLS and timeouts
AUTHENTICATION_ERRORS = (AuthenticationException, opensearch.AuthenticationException)
AUTHORIZATION_ERRORS = (AuthorizationException, opensearch.AuthorizationException)


class ServerNames(Protocol):
    """What a message names: the engine, its URLs, the index and the config keys."""

    @property
    def engine_name(self) -> str: ...
    @property
    def section(self) -> str: ...
    @property
    def password_env(self) -> str: ...
    @property
    def urls(self) -> tuple[str, ...]: ...
    @property
    def index(self) -> str: ...
    @property
    def timeout_s(self) -> float: ...


# Status codes worth another try after a pause: overloaded or (re)starting cluster.
RETRY_STATUS = frozenset({429, 502, 503, 504})


def status_of(error: BaseException) -> int | None:
    """The HTTP status of a server's answer, None when there was no answer."""
    if isinstance(error, ApiError):
        return int(error.meta.status)
    if isinstance(error, opensearch.TransportError) and not isinstance(error, opensearch.ConnectionError):
        status = error.status_code
        return status if isinstance(status, int) else None
    return None


def is_transient(error: BaseException) -> bool:
    """True for failures a later attempt may not see: no connection, timeouts, overload."""
    if isinstance(error, TLS_ERRORS):
        return False  # a certificate does not become trusted by waiting
    if isinstance(error, CONNECTION_ERRORS + TIMEOUT_ERRORS):
        return True
    return status_of(error) in RETRY_STATUS


def is_not_found(error: BaseException) -> bool:
    return status_of(error) == 404


def is_bad_request(error: BaseException) -> bool:
    return status_of(error) == 400


def connection_cause(error: BaseException, names: ServerNames) -> str:
    """A short German description of why a connection failed."""
    text = f"{error} {getattr(error, 'errors', '')} {error.__cause__ or ''}".lower()
    if "certificate_verify_failed" in text or "certificate verify failed" in text:
        if "hostname" in text or "ip address mismatch" in text:
            return "TLS-Zertifikat passt nicht zum Rechnernamen"
        return f"TLS-Zertifikat nicht vertrauenswürdig (CA-Zertifikat {names.section}.ca_cert prüfen)"
    if "wrong version number" in text or "record layer failure" in text or "unknown protocol" in text:
        return "TLS-Aushandlung fehlgeschlagen (http:// statt https:// oder umgekehrt?)"
    if isinstance(error, TLS_ERRORS) or "ssl" in text:
        return f"TLS-Fehler ({_short(error)})"
    if "connection refused" in text or "errno 111" in text:
        return f"Verbindung abgelehnt (läuft {names.engine_name}, stimmen Rechner und Port?)"
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or "failed to resolve" in text
        or "temporary failure in name resolution" in text
        or "no address associated" in text
    ):
        return "Rechnername unbekannt"
    if isinstance(error, TIMEOUT_ERRORS) or "timed out" in text or "timeout" in text:
        return "Zeitüberschreitung"
    if "remote end closed" in text or "connection reset" in text or "connection aborted" in text:
        return "Verbindung vom Server geschlossen"
    return _short(error)


def translate(error: BaseException, names: ServerNames) -> BackendError:
    """One BackendError for any client exception."""
    engine, where = names.engine_name, ", ".join(names.urls)
    if isinstance(error, BackendError):
        return error
    if isinstance(error, TIMEOUT_ERRORS):
        limit = f" innerhalb von {names.timeout_s:g} s" if names.timeout_s else ""
        return BackendError(f"{engine} ({where}) antwortet nicht{limit} (Zeitüberschreitung).")
    if isinstance(error, CONNECTION_ERRORS):
        return BackendError(f"{engine} nicht erreichbar ({where}): {connection_cause(error, names)}.")
    if isinstance(error, AUTHENTICATION_ERRORS):
        api_key = " oder API-Key (AKTENLOTSE_ES_API_KEY)" if names.section == "index.elasticsearch" else ""
        return BackendError(
            f"Anmeldung an {engine} ({where}) abgelehnt (HTTP 401): Benutzername "
            f"({names.section}.username) und Passwort ({names.password_env}){api_key} prüfen."
        )
    if isinstance(error, AUTHORIZATION_ERRORS):
        return BackendError(
            f"{engine} ({where}) verweigert den Zugriff (HTTP 403): dem Benutzer fehlen Rechte "
            f"auf den Index {names.index!r} ({api_reason(error)})."
        )
    if isinstance(error, UnsupportedProductError):
        return BackendError(f"Unter {where} antwortet kein (unterstütztes) {engine}; {names.section}.urls prüfen.")
    status = status_of(error)
    if status is not None:
        if status in RETRY_STATUS:
            return BackendError(f"{engine} ({where}) ist überlastet oder nicht bereit (HTTP {status}).")
        return BackendError(f"{engine} ({where}) lehnte die Anfrage ab (HTTP {status}: {api_reason(error)}).")
    if isinstance(error, (TransportError, opensearch.OpenSearchException)):
        return BackendError(f"{engine} ({where}): {_short(error)}")
    return BackendError(f"{engine} ({where}): unerwarteter Fehler {_short(error)}")


def api_reason(error: BaseException) -> str:
    """`type: reason` of a server's error response, or its message."""
    raw = error.info if isinstance(error, opensearch.TransportError) else getattr(error, "body", None)
    body = raw if isinstance(raw, dict) else {}
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        root = (detail.get("root_cause") or [detail])[0]
        return f"{root.get('type', '')}: {root.get('reason', '')}".strip(": ")[:300]
    if isinstance(detail, str):
        return detail[:300]
    return (getattr(error, "message", "") or str(error))[:300]


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
    return text[:200]
