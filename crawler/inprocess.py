"""Extractor without Java: Apache Tika compiled to native code (PyPI `iscc-tika`).

How the per-file time limit is enforced: the native parser cannot be interrupted from
Python (a thread stuck in native code can neither be cancelled nor killed), so every
extraction runs in a small pool of worker processes (`python -c ...` running
`_worker_loop`, talking over pipes). The caller waits at most `limits.timeout_s` for the
answer; if none comes, it kills that worker (SIGKILL) and a fresh one takes its place.
A parser crash likewise only takes down a worker. Workers are plain subprocesses, not
multiprocessing, so the caller's `__main__` is never re-imported.

How its memory is bounded: a fuzzed file can make the native parser grow without end (9 GB
seen before a time limit struck). While waiting for an answer the caller samples the
worker's resident memory and kills it when it passes `memory_mb` (the `[extractor] heap_mb`
setting); the file gets a German error of its own and the next file a fresh worker. A
resource limit (RLIMIT_AS) is not used: the native image reserves far more address space
than it ever touches, so such a limit breaks healthy files.

`iscc-tika` returns no per-item metadata for embedded documents, so mails (RFC 822) and
zip archives are split here into body and attachments/members, each extracted on its own,
to give the same `children` as the Tika server.
"""

from __future__ import annotations

import atexit
import contextlib
import email
import email.policy
import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
import zipfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from multiprocessing.connection import Connection
from typing import Any, BinaryIO

import psutil

from aktenlotse.core.records import Extracted, ExtractionError, ExtractLimits
from aktenlotse.crawler.content_types import no_parser_error
from aktenlotse.crawler.tika_mapping import error_kind, extracted_from_metadata

_MAX_DEPTH = 5
_MAX_MEMBERS = 1000
_MAX_MEMBER_BYTES = 200 << 20
# How often the memory of a busy worker is sampled: fast enough that a runaway parser is
# stopped within a few hundred MB of the bound, cheap enough not to show in the crawl.
_MEMORY_CHECK_S = 0.1
_MAX_FILE_BYTES = 1 << 30  # iscc-tika needs the whole file in memory

# ---------------------------------------------------------------- worker side

_extractors: dict[int, Any] = {}


def _iscc(max_chars: int) -> Any:
    ext = _extractors.get(max_chars)
    if ext is None:
        import iscc_tika  # optional: the in-process extractor only (a JVM inside this process)

        ext = iscc_tika.Extractor().set_extract_string_max_length(max_chars)
        _extractors[max_chars] = ext
    return ext


def _meta_lists(meta: Mapping[str, Any]) -> dict[str, list[str]]:
    return {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in meta.items()}


def _parse(data: bytes, max_chars: int) -> tuple[str, dict[str, list[str]]]:
    try:
        text, meta = _iscc(max_chars + 1).extract_bytes_to_string(bytearray(data))
    except Exception as exc:  # iscc-tika reports parse errors as TypeError("ParseError(...)")
        message = str(exc)
        raise ExtractionError(error_kind(message), message[:300]) from None
    meta = _meta_lists(meta)
    warnings = " ".join(meta.get("X-TIKA:warning", []))
    if "EncryptedDocumentException" in warnings:
        raise ExtractionError("encrypted", warnings[:300])
    parsers = meta.get("X-TIKA:Parsed-By", [])
    if parsers and all(p.endswith("EmptyParser") for p in parsers):
        content_types = meta.get("Content-Type")
        raise no_parser_error(content_types[0] if content_types else None)
    return text, meta


def _content_type(meta: Mapping[str, list[str]]) -> str:
    return (meta.get("Content-Type") or [""])[0].split(";", 1)[0].strip().lower()


def _node(data: bytes, name: str | None, max_chars: int, depth: int) -> dict[str, Any]:
    """Extract one item (and its embedded items) to a plain, picklable tree."""
    text, meta = _parse(data, max_chars)
    ctype = _content_type(meta)
    children: list[dict[str, Any]] = []
    if depth < _MAX_DEPTH and ctype == "message/rfc822":
        text, children = _split_mail(data, meta, max_chars, depth)
    elif depth < _MAX_DEPTH and ctype == "application/zip":
        text, children = _split_zip(data, max_chars, depth)
    return {"meta": meta, "text": text, "name": name, "children": children}


def _child(data: bytes, name: str | None, ctype: str, max_chars: int, depth: int) -> dict[str, Any]:
    try:
        return _node(data, name, max_chars, depth + 1)
    except ExtractionError:
        # A broken or encrypted attachment must not cost the mail; it stays listed.
        return {"meta": {"Content-Type": [ctype]}, "text": "", "name": name, "children": []}


def _split_mail(data: bytes, meta: dict[str, list[str]], max_chars: int, depth: int):
    msg = email.message_from_bytes(data, policy=email.policy.default)
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        try:
            content = body_part.get_content()
        except (LookupError, ValueError):
            raw = body_part.get_payload(decode=True)
            content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
        if body_part.get_content_type() == "text/html":
            try:
                content, _ = _parse(content.encode("utf-8"), max_chars)
            except ExtractionError:
                content = ""
        body = content
    subject = str(msg.get("Subject", "") or "")
    # Same shape as the Tika server's text for a mail: subject, then the body.
    text = f"{subject}\n\n{body}" if subject else body
    children = []
    for part in msg.iter_attachments():
        name = part.get_filename()
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            payload = first.as_bytes() if isinstance(first, email.message.Message) else b""
        else:
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
        if not payload:
            continue
        children.append(_child(payload, name, ctype, max_chars, depth))
    return text, children


def _split_zip(data: bytes, max_chars: int, depth: int):
    children = []
    names = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist()[:_MAX_MEMBERS]:
                if info.is_dir() or info.file_size == 0 or info.file_size > _MAX_MEMBER_BYTES:
                    continue
                names.append(info.filename)
                try:
                    payload = zf.read(info)
                except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError):
                    continue  # encrypted or broken member
                children.append(_child(payload, info.filename, "", max_chars, depth))
    except zipfile.BadZipFile as exc:
        raise ExtractionError("corrupt", f"defektes Zip-Archiv: {exc}") from None
    return "\n".join(names), children


def _worker_loop(read_fd: int, write_fd: int) -> None:
    """Entry point of a worker process: one request in, one answer out, until EOF."""
    inbox = Connection(read_fd, writable=False)
    outbox = Connection(write_fd, readable=False)
    while True:
        try:
            data, name, max_chars = inbox.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple = ("ok", _node(data, None, max_chars, 0))
        except ExtractionError as exc:
            answer = ("err", exc.kind, exc.message)
        except Exception as exc:  # noqa: BLE001 - anything else from a parser: a bad file
            answer = ("err", "corrupt", f"{exc.__class__.__name__}: {exc}"[:300])
        outbox.send(answer)


# ---------------------------------------------------------------- caller side


class _Worker:
    """One worker process and its two pipes."""

    def __init__(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        code = (
            "import sys; from aktenlotse.crawler.inprocess import _worker_loop; "
            f"_worker_loop({to_child_r}, {from_child_w})"
        )
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(to_child_r, from_child_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.send = Connection(to_child_w, readable=False)
        self.recv = Connection(from_child_r, writable=False)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.send.close()
        self.recv.close()

    def shutdown(self) -> None:
        self.send.close()  # EOF: the worker loop ends
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self.recv.close()


class InProcessExtractor:
    """Extract with `iscc-tika` (no Java, no server); `workers` extractions in parallel.

    Slower per file than a warm Tika server (~30 ms fixed cost per file), meant for
    machines without Java. Thread-safe: callers beyond `workers` wait for a free worker.
    """

    def __init__(self, workers: int | None = None, memory_mb: int = 1024) -> None:
        self.workers = workers or min(4, os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self._slots: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.workers):
            self._slots.put(None)  # started on first use
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        _live.add(self)

    def start(self) -> None:
        """Start the worker processes and load the native library in each.

        Raises `ExtractionError` (kind server) if a worker cannot start or load iscc-tika."""
        taken = [self._slots.get() for _ in range(self.workers)]
        try:
            for i, w in enumerate(taken):
                if w is None:
                    w = taken[i] = self._spawn()
                try:
                    answer = self._ask(w, (b"Aktenlotse", "warmup.txt", 100), 120, self.memory_mb)
                except ExtractionError:
                    self._discard(w)
                    taken[i] = None
                    raise
                if answer[0] != "ok":
                    raise ExtractionError("server", f"iscc-tika nicht nutzbar: {answer[2]}")
        finally:
            for w in taken:
                self._slots.put(w)

    def close(self) -> None:
        """Stop all worker processes."""
        with self._lock:
            workers, self._all = list(self._all), set()
        for w in workers:
            w.shutdown()

    def version(self) -> str:
        """The iscc-tika package version (it bundles its own Tika)."""
        try:
            return f"iscc-tika {version('iscc-tika')}"
        except PackageNotFoundError:
            return "iscc-tika (Version unbekannt)"

    def extract(self, stream: BinaryIO, name: str, limits: ExtractLimits) -> Extracted:
        """Extract one file; see `Extractor.extract`."""
        try:
            data = stream.read(_MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ExtractionError("unreadable", f"Datei nicht lesbar: {exc}") from exc
        if not data:
            return Extracted()
        if len(data) > _MAX_FILE_BYTES:
            raise ExtractionError("too_large", "Datei zu groß für die Extraktion ohne Tika-Server")
        worker = self._slots.get()
        try:
            if worker is None:
                worker = self._spawn()
            answer = self._ask(worker, (data, name, limits.max_text_chars), limits.timeout_s, self.memory_mb)
        except ExtractionError:
            if worker is not None:
                self._discard(worker)
            worker = None  # replaced by a fresh process on next use
            raise
        finally:
            self._slots.put(worker)
        if answer[0] == "err":
            raise ExtractionError(answer[1], answer[2])
        return _to_extracted(answer[1], limits.max_text_chars)

    # -------------------------------------------------------------- internals

    def _spawn(self) -> _Worker:
        try:
            w = _Worker()
        except OSError as exc:
            raise ExtractionError("server", f"Extraktionsprozess nicht startbar: {exc}") from exc
        with self._lock:
            self._all.add(w)
        return w

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    @staticmethod
    def _ask(worker: _Worker, request: tuple, timeout_s: float, memory_mb: int) -> tuple:
        """The worker's answer to `request`; the caller discards the worker on any error."""
        deadline = time.monotonic() + timeout_s
        try:
            worker.send.send(request)
            while not worker.recv.poll(min(_MEMORY_CHECK_S, max(0.0, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    raise ExtractionError("timeout", f"Zeitlimit {timeout_s:g} s überschritten")
                if _resident_mb(worker) > memory_mb:
                    raise ExtractionError(
                        "too_large",
                        f"Extraktion brauchte mehr als {memory_mb} MB Arbeitsspeicher und wurde abgebrochen"
                        " ([extractor] heap_mb)",
                    )
            return worker.recv.recv()
        except (EOFError, OSError) as exc:
            raise ExtractionError("server", f"Extraktionsprozess abgestürzt: {exc}") from exc


def _resident_mb(worker: _Worker) -> float:
    """Resident memory of the worker process in MB (0 once it has ended)."""
    try:
        return psutil.Process(worker.proc.pid).memory_info().rss / (1 << 20)
    except psutil.Error:
        return 0.0


def _to_extracted(node: Mapping[str, Any], max_chars: int) -> Extracted:
    item = extracted_from_metadata(node["meta"], node["text"], max_chars)
    item.name = node.get("name")
    item.children = [_to_extracted(c, max_chars) for c in node["children"]]
    return item


_live: weakref.WeakSet[InProcessExtractor] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for ex in list(_live):
        ex.close()
