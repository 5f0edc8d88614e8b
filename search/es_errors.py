"""Elasticsearch client exceptions -> BackendError with a German message naming the cause.

Users and admins see these lines (crawl summary, `aktenlotse check`, the portal); the
client's exception stays in the chain for the log.
"""

from __future__ import annotations

from collections.abc import Sequence

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    UnsupportedProductError,
)

from aktenlotse.search.backend import BackendError

# Status codes worth another try after a pause: overloaded or (re)starting cluster.
RETRY_STATUS = frozenset({429, 502, 503, 504})


def is_transient(error: BaseException) -> bool:
    """True for failures a later attempt may not see: no connection, timeouts, overload."""
    if isinstance(error, TlsError):
        return False  # a certificate does not become trusted by waiting
    if isinstance(error, (TransportConnectionError, ConnectionTimeout)):
        return True
    if isinstance(error, ApiError):
        return error.meta.status in RETRY_STATUS
    return False


def connection_cause(error: BaseException) -> str:
    """A short German description of why a connection failed."""
    text = f"{error} {getattr(error, 'errors', '')} {error.__cause__ or ''}".lower()
    if "certificate_verify_failed" in text or "certificate verify failed" in text:
        if "hostname" in text or "ip address mismatch" in text:
            return "TLS-Zertifikat passt nicht zum Rechnernamen"
        return "TLS-Zertifikat nicht vertrauenswürdig (CA-Zertifikat index.elasticsearch.ca_cert prüfen)"
    if "wrong version number" in text or "record layer failure" in text or "unknown protocol" in text:
        return "TLS-Aushandlung fehlgeschlagen (http:// statt https:// oder umgekehrt?)"
    if isinstance(error, TlsError) or "ssl" in text:
        return f"TLS-Fehler ({_short(error)})"
    if "connection refused" in text or "errno 111" in text:
        return "Verbindung abgelehnt (läuft Elasticsearch, stimmen Rechner und Port?)"
    if (
        "name or service not known" in text
        or "nodename nor servname" in text
        or "failed to resolve" in text
        or "temporary failure in name resolution" in text
        or "no address associated" in text
    ):
        return "Rechnername unbekannt"
    if isinstance(error, ConnectionTimeout) or "timed out" in text or "timeout" in text:
        return "Zeitüberschreitung"
    if "remote end closed" in text or "connection reset" in text or "connection aborted" in text:
        return "Verbindung vom Server geschlossen"
    return _short(error)


def translate(error: BaseException, urls: Sequence[str], index: str, timeout_s: float | None = None) -> BackendError:
    """One BackendError for any client exception."""
    where = ", ".join(urls)
    if isinstance(error, BackendError):
        return error
    if isinstance(error, ConnectionTimeout):
        limit = f" innerhalb von {timeout_s:g} s" if timeout_s else ""
        return BackendError(f"Elasticsearch ({where}) antwortet nicht{limit} (Zeitüberschreitung).")
    if isinstance(error, (TlsError, TransportConnectionError)):
        return BackendError(f"Elasticsearch nicht erreichbar ({where}): {connection_cause(error)}.")
    if isinstance(error, AuthenticationException):
        return BackendError(
            f"Anmeldung an Elasticsearch ({where}) abgelehnt (HTTP 401): Benutzername "
            "(index.elasticsearch.username) und Passwort (AKTENLOTSE_ES_PASSWORD) oder API-Key "
            "(AKTENLOTSE_ES_API_KEY) prüfen."
        )
    if isinstance(error, AuthorizationException):
        return BackendError(
            f"Elasticsearch ({where}) verweigert den Zugriff (HTTP 403): dem Benutzer fehlen Rechte "
            f"auf den Index {index!r} ({api_reason(error)})."
        )
    if isinstance(error, UnsupportedProductError):
        return BackendError(
            f"Unter {where} antwortet kein (unterstütztes) Elasticsearch; index.elasticsearch.urls prüfen."
        )
    if isinstance(error, ApiError):
        status = error.meta.status
        if status in RETRY_STATUS:
            return BackendError(f"Elasticsearch ({where}) ist überlastet oder nicht bereit (HTTP {status}).")
        return BackendError(f"Elasticsearch ({where}) lehnte die Anfrage ab (HTTP {status}: {api_reason(error)}).")
    if isinstance(error, TransportError):
        return BackendError(f"Elasticsearch ({where}): {_short(error)}")
    return BackendError(f"Elasticsearch ({where}): unerwarteter Fehler {_short(error)}")


def api_reason(error: ApiError) -> str:
    """`type: reason` of an Elasticsearch error response, or its message."""
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        root = (detail.get("root_cause") or [detail])[0]
        return f"{root.get('type', '')}: {root.get('reason', '')}".strip(": ")[:300]
    if isinstance(detail, str):
        return detail[:300]
    return (error.message or str(error))[:300]


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
    return text[:200]
