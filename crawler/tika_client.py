"""Extractor that talks to Apache Tika servers over HTTP (`PUT /rmeta/text`).

One request per file: the recursive-metadata endpoint returns text and metadata for the
file and for every embedded document (mail attachments, archive members), which become
`Extracted.children`. The metadata mapping (`tika_mapping`) is shared with the
in-process extractor so that both give the same fields for the same file.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError

from aktenlotse.core.records import Extracted, ExtractionError, ExtractLimits
from aktenlotse.crawler.tika_jar import TikaSetupError
from aktenlotse.crawler.tika_managed import MIN_CLIENT_TIMEOUT_MS, ManagedTikaServer
from aktenlotse.crawler.tika_mapping import error_kind, first_line, tree_from_rmeta

# ---------------------------------------------------------------- the HTTP client

_READ_AT_ONCE = 32 << 20  # files up to this size are sent from memory, larger ones streamed
_COOL_DOWN_S = 10.0
_RETRY_STATUS = {502, 503, 504}


class _ServerDown(Exception):
    """The server did not answer (refused, reset, died mid-request)."""

    def __init__(self, message: str, mid_request: bool = False):
        super().__init__(message)
        self.mid_request = mid_request  # it took the file and went down while parsing


class _ParserCrashed(ExtractionError):
    """HTTP 500 without a parse error of the file: the parser JVM failed (out of memory,
    killed). Files parsed in the same JVM at that moment fail with it, so this says nothing
    about the file yet: it is tried once more alone before it counts as corrupt."""


class _SoloGate:
    """Requests run side by side (`shared`); a retry of a suspect file runs `alone`, so
    that its outcome is its own and not a neighbour's crash."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._solo = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._solo:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def alone(self) -> Iterator[None]:
        with self._cond:
            while self._solo:
                self._cond.wait()
            self._solo = True
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._solo = False
                self._cond.notify_all()


def _body(stream: BinaryIO) -> bytes | Iterator[bytes]:
    """A file's bytes to send: in memory up to `_READ_AT_ONCE`, streamed beyond."""
    try:
        head = stream.read(_READ_AT_ONCE + 1)
    except OSError as exc:
        raise ExtractionError("unreadable", f"Datei nicht lesbar: {exc}") from exc
    return head if len(head) <= _READ_AT_ONCE else _chain(head, stream)


class TikaServerExtractor:
    """Extract via one or more Tika servers (`urls`) or a `ManagedTikaServer`.

    Several URLs are used round-robin; a URL that fails to answer is skipped for a
    cool-down period and tried again afterwards. With `managed`, a server found dead
    is restarted (`ensure_running`) and the file is tried once more. `close()` stops a
    managed server.
    """

    def __init__(
        self,
        urls: list[str] | None = None,
        managed: ManagedTikaServer | None = None,
        request_timeout_s: float = 120,
        ocr: bool = False,
        ocr_language: str = "deu",
    ) -> None:
        if not urls and managed is None:
            raise ValueError("TikaServerExtractor needs `urls` or `managed`")
        self.urls = [u.rstrip("/") for u in (urls or [])]
        self.managed = managed
        self.request_timeout_s = request_timeout_s
        # OCR (Tesseract inside the Tika server) is slow: the crawl's first pass asks the
        # server not to OCR at all, the OCR pass (crawler/ocr.py) asks for it explicitly.
        self.ocr = ocr
        self.ocr_language = ocr_language
        self._local = threading.local()
        self._lock = threading.Lock()
        self._rr = itertools.count()
        self._dead_until: dict[str, float] = {}
        self._gate = _SoloGate()

    def with_ocr(self, language: str = "deu", request_timeout_s: float | None = None) -> TikaServerExtractor:
        """An extractor on the same servers that OCRs scanned PDF pages and images in
        `language` (Tesseract codes, e.g. "deu" or "deu+eng"). It shares the managed
        server; `close()` of the copy does not stop it."""
        twin = TikaServerExtractor(
            urls=list(self.urls) or None,
            managed=self.managed,
            request_timeout_s=request_timeout_s or self.request_timeout_s,
            ocr=True,
            ocr_language=language,
        )
        twin._owns_server = False
        twin._gate = self._gate  # the same parser JVM: a retry alone must be alone there too
        return twin

    def ocr_headers(self) -> dict[str, str]:
        """Per-request Tika settings for OCR on or off (managed and external servers alike)."""
        if not self.ocr:
            return {"X-Tika-OCRskipOcr": "true", "X-Tika-PDFOcrStrategy": "no_ocr"}
        return {
            "X-Tika-OCRLanguage": self.ocr_language,
            "X-Tika-OCRskipOcr": "false",
            # OCR the pages that have (almost) no text layer, keep the text of the others.
            "X-Tika-PDFOcrStrategy": "auto",
        }

    # -------------------------------------------------------------- protocol

    def start(self) -> None:
        """Start the managed server (external servers are used as they are).

        Raises `ExtractionError` (kind server) with a one-line message if it cannot start
        (no Java, jar not fetched by `aktenlotse setup`, server does not come up)."""
        if self.managed is not None:
            try:
                self.managed.start()
            except TikaSetupError as exc:
                raise ExtractionError("server", str(exc)) from None

    _owns_server = True

    def version(self) -> str:
        """The server's own answer to GET /version (the first that answers)."""
        return self._version() or "Apache Tika (Version unbekannt)"

    def _version(self) -> str | None:
        try:
            candidates = self._candidates()
        except Exception:  # noqa: BLE001 - a managed server that cannot restart answers nothing
            return None
        for url in candidates:
            try:
                resp = self._session().get(f"{url}/version", timeout=(5.0, 10.0))
            except requests.RequestException:
                continue
            if resp.status_code == 200 and resp.text.strip():
                return resp.text.strip()[:100]
        return None

    def _answers_again(self, wait_s: float = 60.0) -> bool:
        """Whether a server answers within `wait_s` (Tika restarts a crashed parser JVM)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self._version() is not None:
                return True
            time.sleep(1.0)
        return False

    def close(self) -> None:
        """Stop the managed server, if any (not for a `with_ocr` copy)."""
        if self.managed is not None and self._owns_server:
            self.managed.stop()

    def extract(self, stream: BinaryIO, name: str, limits: ExtractLimits) -> Extracted:
        """Extract one file; see `Extractor.extract`."""
        start = stream.tell() if stream.seekable() else None
        body = _body(stream)
        if not body:
            return Extracted()
        try:
            with self._gate.shared():
                records = self._request(body, name, limits)
        except ExtractionError as exc:
            if not isinstance(exc, _ParserCrashed):
                raise
            if not isinstance(body, bytes):  # streamed: sent again only if it can be re-read
                if start is None:
                    raise
                stream.seek(start)
                body = _body(stream)
            # The parser went down while this file was in it: once more, alone (after a
            # restart of our own server if needed). A second crash is the file's own.
            with self._gate.alone():
                self._answers_again()  # Tika restarts its crashed parser JVM: wait for it
                try:
                    records = self._request(body, name, limits)
                except ExtractionError as again:
                    if isinstance(again, _ParserCrashed) and self._answers_again():
                        # Alone, and the server is fine without it: this file brings it down.
                        raise ExtractionError(
                            "corrupt",
                            "Parser stürzt an dieser Datei ab, auch allein (zu wenig Speicher? [extractor] heap_mb)",
                        ) from None
                    raise
        return tree_from_rmeta(records, limits.max_text_chars, limits.max_members)

    # -------------------------------------------------------------- internals

    def _session(self) -> requests.Session:
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            # No proxy/netrc lookups from the environment on every request: measurable
            # per-request overhead, and Tika is reached directly anyway.
            s.trust_env = False
            adapter = HTTPAdapter(pool_connections=max(4, len(self.urls)), pool_maxsize=4, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            self._local.session = s
        return s

    def _candidates(self) -> list[str]:
        """URLs to try for one file: live ones round-robin, cooling-down ones last."""
        if self.managed is not None:
            if not self.managed.is_alive():  # a cheap waitpid; restarts a killed server early
                self.managed.ensure_running()
            return [self.managed.url]
        now = time.monotonic()
        start = next(self._rr) % len(self.urls)
        ordered = self.urls[start:] + self.urls[:start]
        with self._lock:
            live = [u for u in ordered if self._dead_until.get(u, 0.0) <= now]
            cooling = sorted(
                (u for u in ordered if self._dead_until.get(u, 0.0) > now),
                key=lambda u: self._dead_until[u],
            )
        return live + cooling

    def _mark(self, url: str, alive: bool) -> None:
        if alive and url not in self._dead_until:
            return  # the common case, no lock needed
        with self._lock:
            if alive:
                self._dead_until.pop(url, None)
            else:
                self._dead_until[url] = time.monotonic() + _COOL_DOWN_S

    def _request(self, body: bytes | Iterator[bytes], name: str, limits: ExtractLimits) -> list[dict]:
        timeout_s = min(limits.timeout_s, self.request_timeout_s)
        if self.managed is not None:
            # Our server kills any task after its task timeout; past that, waiting is moot.
            timeout_s = min(timeout_s, self.managed.task_timeout_s)
        headers = {
            "Accept": "application/json",
            # The name is a type hint for Tika (by extension); only ASCII is allowed in
            # headers, so the rest is percent-quoted.
            "Content-Disposition": f'attachment; filename="{quote(name, safe=" ._-()+,")}"',
            # Tika's write limit counts the text of all items together; the per-item cap
            # (max_text_chars) is applied here, so one long member cannot starve the rest.
            "writeLimit": str(max(limits.max_total_chars, limits.max_text_chars) + 1),
            "maxEmbeddedResources": str(limits.max_members),
            **self.ocr_headers(),
        }
        if self.managed is not None:
            # Tika kills (and restarts) its parsing child when a file exceeds this, so a
            # hung parser stops burning CPU. Tika answers 400 below its
            # minimumTimeoutMillis and, worse, 200 with an empty list above its
            # taskTimeoutMillis; both are known only for our own server. External
            # servers keep their own task timeout; there the client alone enforces ours.
            headers["X-Tika-Timeout-Millis"] = str(max(MIN_CLIENT_TIMEOUT_MS, int(timeout_s * 1000)))
        retried_restart = False
        crashed = False
        while True:
            errors: list[str] = []
            try:
                candidates = self._candidates()
            except Exception as exc:  # noqa: BLE001 - a failed restart is a server error
                raise ExtractionError("server", f"Tika-Server nicht verfügbar: {exc}") from exc
            for url in candidates:
                try:
                    records = self._put(url, body, headers, timeout_s)
                except _ServerDown as exc:
                    errors.append(f"{url}: {exc}")
                    crashed = crashed or exc.mid_request
                    self._mark(url, alive=False)
                    if not isinstance(body, bytes):
                        break  # a streamed body cannot be sent again
                    continue
                self._mark(url, alive=True)
                return records
            if self.managed is not None and not retried_restart and isinstance(body, bytes):
                retried_restart = True
                try:
                    self.managed.ensure_running()
                except Exception as exc:  # noqa: BLE001 - any start failure is a server error
                    raise ExtractionError("server", f"Tika-Server-Neustart fehlgeschlagen: {exc}") from exc
                continue
            message = "Tika-Server nicht erreichbar: " + "; ".join(errors)[:500]
            raise _ParserCrashed("server", message) if crashed else ExtractionError("server", message)

    def _put(self, url: str, body: bytes | Iterator[bytes], headers: dict[str, str], timeout_s: float) -> list[dict]:
        started = time.monotonic()
        try:
            resp = self._session().put(f"{url}/rmeta/text", data=body, headers=headers, timeout=(5.0, timeout_s))
        except requests.ConnectTimeout as exc:
            raise _ServerDown(f"keine Verbindung ({exc.__class__.__name__})") from exc
        except requests.ReadTimeout as exc:
            raise ExtractionError("timeout", f"Zeitlimit {timeout_s:g} s überschritten") from exc
        except requests.ConnectionError as exc:
            # Tika's watchdog kills its child when the task timeout passes: the
            # connection then drops right at the limit. That is this file's timeout.
            if time.monotonic() - started >= 0.9 * timeout_s:
                raise ExtractionError("timeout", f"Zeitlimit {timeout_s:g} s überschritten") from exc
            # Refused: nothing listens (yet). Aborted or reset: it went down with the file.
            mid_request = bool(exc.args) and isinstance(exc.args[0], ProtocolError)
            raise _ServerDown(f"Verbindung fehlgeschlagen ({exc.__class__.__name__})", mid_request) from exc
        except requests.RequestException as exc:
            raise _ServerDown(str(exc)) from exc
        if resp.status_code == 200:
            try:
                return resp.json()
            except ValueError as exc:
                raise ExtractionError("corrupt", "Tika-Antwort ist kein JSON") from exc
        detail = resp.text or ""
        if resp.status_code in _RETRY_STATUS:
            raise _ServerDown(f"HTTP {resp.status_code}")
        if resp.status_code == 413:
            raise ExtractionError("too_large", "Datei zu groß für den Tika-Server")
        if resp.status_code == 415:
            raise ExtractionError("unsupported", "Dateiformat wird nicht unterstützt")
        if resp.status_code == 422 or "EncryptedDocumentException" in detail:
            raise ExtractionError(error_kind(detail), first_line(detail) or f"HTTP {resp.status_code}")
        if resp.status_code >= 500:
            if not detail.strip() or "OutOfMemoryError" in detail:
                raise _ParserCrashed("corrupt", f"Parser abgestürzt (HTTP {resp.status_code}, Speicher?)")
            raise ExtractionError("corrupt", f"Tika-Fehler HTTP {resp.status_code}: {first_line(detail)}")
        if resp.status_code == 400 and not detail.strip():
            detail = "Anfrage abgelehnt (Zeitlimit unter minimumTimeoutMillis des Servers?)"
        raise ExtractionError("server", f"Tika antwortete HTTP {resp.status_code}: {first_line(detail)}")


def _chain(head: bytes, stream: BinaryIO) -> Iterator[bytes]:
    yield head
    while True:
        block = stream.read(1 << 20)
        if not block:
            return
        yield block
