"""The crawl orchestrator: the only place that knows all stages.

Main thread: walks folder listings, classifies each file against the state database
(new / changed / moved / unchanged / gone), writes to the backend in batches and marks
state rows indexed only after the backend accepted them. The crawl is the one writer of
permissions: whole documents (`upsert`) and permission changes (`set_permissions`).
Fail closed: a folder that cannot be listed completely (or a source whose root is
unusable) hides everything known below it at once (`visibility.NOBODY`, kept in state and
index, the reason in the state DB) until a crawl lists it again. Worker threads: read, hash and
extract files (Tika works over HTTP, so threads overlap well with the server's work).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field, replace

from aktenlotse.core.records import WARNING_KINDS, Document, Entry, ExtractionError, ExtractLimits
from aktenlotse.core.storage_errors import storage_problem
from aktenlotse.core.visibility import NOBODY, of_item, permissions
from aktenlotse.crawler.documents import (
    build_documents,
    child_ids,
    iso_from_timestamp,
    metadata_only_document,
    title_from_name,
)
from aktenlotse.crawler.extractor import Extractor
from aktenlotse.crawler.local_source import display_text
from aktenlotse.crawler.source import DirListing, Source, SourceUnavailable
from aktenlotse.search.backend import Backend, BackendError
from aktenlotse.stores.statedb import ITEM_COLUMNS, UNVERIFIED, ItemRow, StateDB, row_to_item

log = logging.getLogger(__name__)

# Extraction problems that belong to the file (kept until the file changes) versus
# problems of the service (the item stays pending and is retried by the next crawl).
SERVICE_PROBLEMS = {"server"}
HASH_CHUNK = 1 << 20


@dataclass
class CrawlSummary:
    new: int = 0
    changed: int = 0
    moved: int = 0
    unchanged: int = 0
    deleted: int = 0
    errors: int = 0
    permissions: int = 0  # items re-indexed only because their principals changed
    hidden: int = 0  # items hidden because their folder could not be verified
    extracted: int = 0
    bytes_extracted: int = 0
    seconds: float = 0.0
    status: str = "done"
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["docs_per_s"] = round(self.extracted / self.seconds, 1) if self.seconds else 0.0
        data["mb_per_s"] = round(self.bytes_extracted / 1e6 / self.seconds, 2) if self.seconds else 0.0
        data["files_per_s"] = round(self.files_seen / self.seconds, 1) if self.seconds else 0.0
        return data

    @property
    def files_seen(self) -> int:
        return self.new + self.changed + self.moved + self.unchanged + self.permissions


@dataclass
class _Job:
    entry: Entry
    item_id: str
    kind: str  # new | changed | redo
    previous_hash: str | None
    previous_children: int


@dataclass
class _Result:
    job: _Job
    content_hash: str | None = None
    docs: list[Document] = field(default_factory=list)
    same_content: bool = False
    moved_from: ItemRow | None = None
    error_kind: str | None = None
    error: str | None = None
    vanished: bool = False


class Crawler:
    """One crawl over one or more sources into one backend."""

    def __init__(
        self,
        state: StateDB,
        backend: Backend,
        extractor: Extractor,
        *,
        limits: ExtractLimits = ExtractLimits(),
        workers: int = 4,
        batch_size: int = 200,
        analyze: Callable[[str], str] | None = None,
        enrich: Callable[[Document], None] | None = None,
        progress: Callable[[str, int], None] | None = None,
        retry_kinds: Iterable[str | None] | None = None,
    ):
        self.state = state
        self.backend = backend
        self.extractor = extractor
        self.limits = limits
        self.workers = workers
        self.batch_size = batch_size
        self.analyze = analyze
        self.enrich = enrich
        self.progress = progress or (lambda event, n: None)
        self._local = threading.local()
        self._claimed: set[str] = set()
        # Failed files are kept as they are until they change, except those of these kinds
        # (`crawl --retry-errors`); `None` in the set means every kind.
        self._retry_kinds: set[str | None] = set(retry_kinds or ())

    # -- public --------------------------------------------------------------------

    def run(self, sources: Sequence[Source]) -> CrawlSummary:
        summary = CrawlSummary()
        started = time.monotonic()
        run_id = self.state.start_run([s.name for s in sources])
        self._run_id = run_id
        extractor_version = _extractor_version(self.extractor)
        previous_version = self.state.setting(EXTRACTOR_VERSION_KEY)
        if previous_version is not None and previous_version != extractor_version:
            log.info(
                "Extraktor geändert (%s → %s): fehlerhafte Dateien werden erneut gelesen",
                previous_version,
                extractor_version,
            )
            self._retry_kinds.add(None)
        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="extract") as pool:
                for source in sources:
                    self._crawl_source(source, pool, summary)
            summary.status = "done" if not summary.messages else "incomplete"
            self.state.set_setting(EXTRACTOR_VERSION_KEY, extractor_version)
        except BackendError as exc:
            summary.status = "failed"
            summary.messages.append(str(exc))
        except (sqlite3.Error, OSError) as exc:  # the data directory: disk full, read-only, locked, corrupt
            summary.status = "failed"
            summary.messages.append(storage_problem(exc))
            try:
                self.state.conn.rollback()  # frees the failed transaction, so the run can be closed
            except sqlite3.Error:
                pass
        except KeyboardInterrupt:
            summary.status = "interrupted"
            raise
        finally:
            summary.seconds = time.monotonic() - started
            try:
                self.state.commit()
            except sqlite3.Error:
                pass
            self.state.finish_run(
                run_id, summary.status, summary.as_dict(), summary.seconds, "; ".join(summary.messages)
            )
        return summary

    # -- one source ----------------------------------------------------------------

    def _crawl_source(self, source: Source, pool: ThreadPoolExecutor, summary: CrawlSummary) -> None:
        self._source = source
        # Enrichment can be switched off per source (`enrich = false` in its [[sources]] table).
        self._source_enriches = getattr(getattr(source, "config", None), "enrich", True)
        self._batch: list[Document] = []
        self._marks: list[tuple] = []
        self._stale_children: list[str] = []
        self._gone: dict[str, ItemRow] = {}
        self._claimed = set()
        in_flight: set[Future] = set()
        max_in_flight = self.workers * 4
        try:
            listings = source.listings()
            for listing in listings:
                for job in self._classify(listing, summary):
                    in_flight.add(pool.submit(self._work, job))
                    while len(in_flight) >= max_in_flight:
                        done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                        for future in done:
                            self._apply(future.result(), summary)
                self._flush_if_full()
        except SourceUnavailable as exc:
            summary.messages.append(str(exc))
            summary.errors += 1
            self.state.add_error(self._run_id, source.name, "", "unavailable", str(exc))
            # Nothing of this source is treated as deleted: the root may come back. Until
            # then nobody sees it: its permissions cannot be verified.
            self._gone.clear()
            self._flush()
            self._hide_unverified("", f"Quelle nicht erreichbar: {exc}", summary)
        finally:
            for future in as_completed(in_flight):
                self._apply(future.result(), summary)
            self._flush()
        self._delete_gone(summary)

    def _classify(self, listing: DirListing, summary: CrawlSummary) -> list[_Job]:
        source = self._source
        if listing.complete:
            self.state.mark_verified(source.name, listing.path)
        else:
            self._hide_unverified(listing.path, _unverified_reason(listing), summary)
        known = self.state.items_in_folder(source.name, listing.path)
        folder_key_changed = self.state.folder_key(source.name, listing.path) != listing.traverse_key
        if folder_key_changed and listing.complete:
            self.state.set_folder_key(source.name, listing.path, listing.traverse_key)
        for problem in listing.problems:
            self._record_error(problem.path, problem.kind, problem.message, summary)
        jobs: list[_Job] = []
        for entry in listing.files:
            row = known.pop(entry.path.rsplit("/", 1)[-1], None)
            if row is None:
                source.resolve_principals(listing, entry)
                item_id = uuid.uuid4().hex
                self.state.add_pending(
                    item_id, source.name, entry.path, entry.size, entry.mtime, entry.ctime, entry.file_id
                )
                jobs.append(_Job(entry, item_id, "new", None, 0))
                continue
            self._gone.pop(row.id, None)
            if row.status == "pending" or row.error_kind and (None in self._retry_kinds or row.error_kind in self._retry_kinds):
                source.resolve_principals(listing, entry)
                jobs.append(_Job(entry, row.id, "redo", None, row.children))
            elif row.size != entry.size or row.mtime != entry.mtime:
                source.resolve_principals(listing, entry)
                jobs.append(_Job(entry, row.id, "changed", row.content_hash, row.children))
            elif row.ctime != entry.ctime or folder_key_changed or row.perm_id == UNVERIFIED:
                source.resolve_principals(listing, entry)
                self._update_principals(row, entry, summary)
            else:
                summary.unchanged += 1
        if listing.complete:
            for row in known.values():
                self._gone[row.id] = row
            vanished_dirs = self.state.subfolders(source.name, listing.path) - set(listing.subdirs)
            for folder in vanished_dirs:
                for row in self.state.items_below(source.name, folder):
                    self._gone[row.id] = row
                self.state.remove_folders_below(source.name, folder)
                self.state.forget_unverified_below(source.name, folder)
        self.progress("listed", len(listing.files))
        return jobs

    # -- worker side ---------------------------------------------------------------

    def _work(self, job: _Job) -> _Result:
        """Runs in a worker thread: read, hash, maybe detect a move, extract, analyse."""
        result = _Result(job)
        entry = job.entry
        try:
            with self._source.open(entry) as stream:
                data = stream.read()
        except FileNotFoundError:
            result.vanished = True
            return result
        except OSError as exc:
            result.error_kind, result.error = "unreadable", f"Datei nicht lesbar: {exc.strerror or exc}"
            return result
        result.content_hash = hashlib.blake2b(data, digest_size=16).hexdigest()
        if job.previous_hash == result.content_hash:
            result.same_content = True
            return result
        if job.kind == "new":
            result.moved_from = self._find_moved(result.content_hash)
            if result.moved_from is not None:
                return result
        path_text = display_text(entry.path)
        display = self._source.display_path(entry.path)
        try:
            extracted = self.extractor.extract(io.BytesIO(data), path_text.rsplit("/", 1)[-1], self.limits)
        except ExtractionError as exc:
            result.error_kind, result.error = exc.kind, exc.message
            if exc.kind not in SERVICE_PROBLEMS:
                result.docs = [
                    metadata_only_document(entry, job.item_id, display, result.content_hash, path_text, exc.kind)
                ]
            return result
        result.docs = build_documents(entry, extracted, job.item_id, display, result.content_hash, path_text)
        if extracted.warning:
            result.error_kind, result.error = "partial", extracted.warning
        if self.enrich is not None and self._source_enriches:
            for doc in result.docs:
                self.enrich(doc)
        if self.analyze is not None:
            for doc in result.docs:
                doc.terms = self.analyze(doc.text)
                doc.title_terms = self.analyze(f"{doc.title} {doc.extra.get('file_name', '')}")
        return result

    def _find_moved(self, content_hash: str) -> ItemRow | None:
        """An indexed item with the same content whose old path no longer exists: a move."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite3.connect(str(self.state.path), timeout=30)
        rows = conn.execute(
            "SELECT id, folder, name FROM items WHERE content_hash = ? AND source = ? AND status = 'indexed'",
            (content_hash, self._source.name),
        ).fetchall()
        for item_id, folder, name in rows:
            old_path = os.fsdecode(folder + b"/" + name if folder else name)
            if self._source.current_entry(old_path) is None:
                row = conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)).fetchone()
                return row_to_item(row) if row else None
        return None

    # -- main-thread side ----------------------------------------------------------

    def _apply(self, result: _Result, summary: CrawlSummary) -> None:
        job, entry = result.job, result.job.entry
        self.progress("done", 1)
        if result.vanished:
            # Deleted between listing and reading: forget a new item, treat a known one as gone.
            if job.kind == "new":
                self.state.remove(job.item_id)
            else:
                row = self.state.item(job.item_id)
                if row:
                    self._gone[row.id] = row
            return
        if result.same_content:
            self.state.update_times(job.item_id, entry.size, entry.mtime, entry.ctime)
            row = self.state.item(job.item_id)
            if row:
                self._update_principals(row, entry, summary)
            else:
                summary.unchanged += 1
            return
        if result.moved_from is not None and result.moved_from.id not in self._claimed:
            self._apply_move(result, summary)
            return
        if result.moved_from is not None:
            # Another new file already took over that item (a copy): extract this one normally.
            job_copy = replace(job, kind="redo")
            self._apply(self._work(job_copy), summary)
            return
        if result.error_kind:
            self._record_error(
                entry.path, result.error_kind, result.error or "", summary, count=result.error_kind not in WARNING_KINDS
            )
            if result.error_kind in SERVICE_PROBLEMS:
                return  # stays pending; the next crawl retries it
            if not result.docs:
                self._marks.append((job, result.content_hash, 0, result.error_kind, result.error))
                return
        if job.kind == "new":
            summary.new += 1
        else:
            summary.changed += 1
        summary.extracted += 1
        summary.bytes_extracted += entry.size
        children = len(result.docs) - 1
        if job.previous_children > children:
            self._stale_children.extend(child_ids(job.item_id, job.previous_children, start=children))
        self._batch.extend(result.docs)
        self._marks.append((job, result.content_hash, children, result.error_kind, result.error))
        self._flush_if_full()

    def _apply_move(self, result: _Result, summary: CrawlSummary) -> None:
        old = result.moved_from
        assert old is not None
        job, entry = result.job, result.job.entry
        self._claimed.add(old.id)
        self._gone.pop(old.id, None)
        self._flush()  # the moved item's documents must be current before we copy them
        ids = [old.id, *child_ids(old.id, old.children)]
        docs = self.backend.fetch_untrimmed(ids)
        path_text = display_text(entry.path)
        display = self._source.display_path(entry.path)
        moved_docs = []
        for doc in docs:
            if doc.id == old.id:
                name = path_text.rsplit("/", 1)[-1]
                moved = replace(
                    doc,
                    path=path_text,
                    display_path=display,
                    allow=tuple(entry.allow),
                    deny=tuple(entry.deny),
                    require=tuple(entry.require),
                    modified=iso_from_timestamp(entry.mtime),
                    extra={**doc.extra, "file_name": name},
                )
                if doc.extra.get("title_from_name"):
                    moved.title = title_from_name(name)
                    moved.title_terms = self.analyze(f"{moved.title} {name}") if self.analyze else ""
                moved_docs.append(moved)
            else:
                child_name = doc.path.rsplit("/", 1)[-1]
                moved_docs.append(
                    replace(
                        doc,
                        path=f"{path_text}/{child_name}",
                        display_path=f"{display} › {child_name}",
                        allow=tuple(entry.allow),
                        deny=tuple(entry.deny),
                        require=tuple(entry.require),
                    )
                )
        self.state.remove(job.item_id)  # the placeholder row of the "new" file
        self.state.move(old.id, entry.path)
        self.state.commit()
        if moved_docs:
            self.backend.upsert(moved_docs)
        self.state.mark_indexed(
            old.id,
            size=entry.size,
            mtime=entry.mtime,
            ctime=entry.ctime,
            file_id=entry.file_id,
            content_hash=result.content_hash,
            allow=entry.allow,
            deny=entry.deny,
            children=old.children,
            error_kind=old.error_kind,
            error=old.last_error,
            perm_id=of_item(entry).id,
        )
        self.state.commit()
        summary.moved += 1

    def _update_principals(self, row: ItemRow, entry: Entry, summary: CrawlSummary) -> None:
        """Permissions changed (or were unverified), content did not: write the new
        permission set without extraction and without touching anything else."""
        perms = of_item(entry)
        # State rows of older versions have no perm_id: their allow/deny say what is indexed.
        stored = row.perm_id or permissions(row.allow, row.deny).id
        if stored == perms.id:
            self.state.update_times(row.id, entry.size, entry.mtime, entry.ctime)
            summary.unchanged += 1
            return
        ids = [row.id, *child_ids(row.id, row.children)]
        self.backend.set_permissions(ids, perms, (entry.allow, entry.deny, entry.require))
        self.state.mark_indexed(
            row.id,
            size=entry.size,
            mtime=entry.mtime,
            ctime=entry.ctime,
            file_id=entry.file_id,
            content_hash=row.content_hash,
            allow=entry.allow,
            deny=entry.deny,
            children=row.children,
            error_kind=row.error_kind,
            error=row.last_error,
            perm_id=perms.id,
        )
        if row.perm_id == UNVERIFIED and not entry.require and permissions(row.allow, row.deny).id == perms.id:
            summary.unchanged += 1  # verified again, access as before
        else:
            summary.permissions += 1

    def _hide_unverified(self, folder: str, reason: str, summary: CrawlSummary) -> None:
        """Hide everything known in and below `folder` from everyone (index first, then
        state), and record why; nothing is deleted."""
        source = self._source.name
        rows = self.state.items_under(source, folder)
        ids: list[str] = []
        for row in rows:
            ids.append(row.id)
            ids.extend(child_ids(row.id, row.children))
        for start in range(0, len(ids), 1000):
            self.backend.set_permissions(ids[start : start + 1000], NOBODY)
        self.state.mark_unverified(source, folder, reason, [row.id for row in rows])
        self.state.commit()
        summary.hidden += sum(1 for row in rows if row.perm_id != UNVERIFIED)
        if rows:
            log.warning("%s: %d Dateien unter %r verborgen: %s", source, len(rows), folder or "/", reason)

    def _flush_if_full(self) -> None:
        if len(self._batch) >= self.batch_size or len(self._marks) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        """Backend first, state second: the state never claims more than the index holds."""
        self.state.commit()  # pending rows (their ids) are durable before the index sees them
        if self._batch:
            self.backend.upsert(self._batch)
        if self._stale_children:
            self.backend.delete(self._stale_children)
        for job, content_hash, children, error_kind, error in self._marks:
            entry = job.entry
            self.state.mark_indexed(
                job.item_id,
                size=entry.size,
                mtime=entry.mtime,
                ctime=entry.ctime,
                file_id=entry.file_id,
                content_hash=content_hash,
                allow=entry.allow,
                deny=entry.deny,
                children=children,
                error_kind=error_kind,
                error=error,
                perm_id=of_item(entry).id,
            )
        self.state.commit()
        self._batch, self._marks, self._stale_children = [], [], []

    def _delete_gone(self, summary: CrawlSummary) -> None:
        if not self._gone:
            return
        rows = list(self._gone.values())
        ids: list[str] = []
        for row in rows:
            ids.append(row.id)
            ids.extend(child_ids(row.id, row.children))
        for start in range(0, len(ids), 1000):
            self.backend.delete(ids[start : start + 1000])
        for row in rows:
            self.state.remove(row.id)
        self.state.commit()
        summary.deleted += len(rows)
        self._gone = {}

    def _record_error(self, path: str, kind: str, message: str, summary: CrawlSummary, count: bool = True) -> None:
        if count:
            summary.errors += 1
        self.state.add_error(self._run_id, self._source.name, display_text(path), kind, message)


EXTRACTOR_VERSION_KEY = "extractor_version"


def _extractor_version(extractor: Extractor) -> str:
    """Aktenlotse's and the extractor's version: either may read files the other could not."""
    from aktenlotse import __version__

    reader = getattr(extractor, "version", None)
    return f"Aktenlotse {__version__}; {reader() if reader else type(extractor).__name__}"


def _unverified_reason(listing: DirListing) -> str:
    """Why a listing is incomplete, in German, for the admin page."""
    for problem in listing.problems:
        if problem.path == listing.path:
            return problem.message
    return "Ordner konnte nicht vollständig gelesen werden"
