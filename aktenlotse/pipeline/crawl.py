"""The crawl orchestrator: the only place that knows all stages.

Main thread: walks folder listings, lets the `ChangeDetector` classify each file against
the state database (new / changed / moved / unchanged / gone), writes to the backend in
batches and marks state rows indexed only after the backend accepted them. The crawl is
the one writer of permissions: whole documents (`upsert`) and permission changes
(`set_permissions`).
Fail closed: a folder that cannot be listed completely (or a source whose root is
unusable) hides everything known below it at once (`visibility.NOBODY`, kept in state and
index, the reason in the state DB) until a crawl lists it again. Worker threads: read, hash and
extract files (Tika works over HTTP, so threads overlap well with the server's work).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import replace

from aktenlotse import __version__
from aktenlotse.core.records import WARNING_KINDS, Document, Entry, ExtractionError, ExtractLimits
from aktenlotse.core.storage_errors import storage_problem
from aktenlotse.core.visibility import NOBODY, of_item, permissions
from aktenlotse.crawler.documents import build_documents, child_ids, metadata_only_document
from aktenlotse.crawler.extractor import Extractor
from aktenlotse.crawler.local_source import display_text
from aktenlotse.crawler.source import DirListing, Source, SourceUnavailable
from aktenlotse.pipeline.change_detector import CHANGED, NEW, Change, ChangeDetector, permissions_to_write
from aktenlotse.pipeline.crawl_records import CrawlSummary, WorkResult
from aktenlotse.pipeline.moves import moved_documents
from aktenlotse.search.backend import Backend, BackendError
from aktenlotse.stores.statedb import UNVERIFIED, ItemRow, StateDB

log = logging.getLogger(__name__)

# Extraction problems that belong to the file (kept until the file changes) versus
# problems of the service (the item stays pending and is retried by the next crawl).
SERVICE_PROBLEMS = {"server"}
HASH_CHUNK = 1 << 20
DEFAULT_LIMITS = ExtractLimits()


class Crawler:
    """One crawl over one or more sources into one backend."""

    def __init__(
        self,
        state: StateDB,
        backend: Backend,
        extractor: Extractor,
        *,
        limits: ExtractLimits = DEFAULT_LIMITS,
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
        self.detector = ChangeDetector(state, retry_kinds or ())

    # -- public --------------------------------------------------------------------

    def run(self, sources: Sequence[Source]) -> CrawlSummary:
        """Crawl `sources` one after the other; the run and its counts go to the state DB."""
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
            self.detector.retry_kinds.add(None)
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
            with contextlib.suppress(sqlite3.Error):
                self.state.rollback()  # frees the failed transaction, so the run can be closed
        except KeyboardInterrupt:
            summary.status = "interrupted"
            raise
        finally:
            summary.seconds = time.monotonic() - started
            with contextlib.suppress(sqlite3.Error):
                self.state.commit()
            self.state.finish_run(
                run_id, summary.status, summary.as_dict(), summary.seconds, "; ".join(summary.messages)
            )
            self.detector.close()
        return summary

    # -- one source ----------------------------------------------------------------

    def _crawl_source(self, source: Source, pool: ThreadPoolExecutor, summary: CrawlSummary) -> None:
        self._source = source
        # Enrichment can be switched off per source (`enrich = false` in its [[sources]] table).
        self._source_enriches = source.config.enrich
        self._batch: list[Document] = []
        self._marks: list[tuple] = []
        self._stale_children: list[str] = []
        self.detector.begin_source(source.name)
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
            self.detector.keep_everything()
            self._flush()
            self._hide_unverified("", f"Quelle nicht erreichbar: {exc}", summary)
        finally:
            for future in as_completed(in_flight):
                self._apply(future.result(), summary)
            self._flush()
        self._delete_gone(summary)

    def _classify(self, listing: DirListing, summary: CrawlSummary) -> list[Change]:
        """Hide an incomplete listing, let the detector compare it with the state, write
        permission changes at once and return the files to read."""
        if not listing.complete:
            self._hide_unverified(listing.path, _unverified_reason(listing), summary)
        changes = self.detector.classify(listing)
        for problem in listing.problems:
            self._record_error(problem.path, problem.kind, problem.message, summary)
        for change in changes.needing_principals:
            self._source.resolve_principals(listing, change.entry)
        for change in changes.permissions:
            assert change.row is not None
            self._update_principals(change.row, change.entry, summary)
        summary.unchanged += changes.unchanged
        self.progress("listed", len(listing.files))
        return changes.extract

    # -- worker side ---------------------------------------------------------------

    def _work(self, job: Change) -> WorkResult:
        """Runs in a worker thread: read, hash, maybe detect a move, extract, analyse."""
        result = WorkResult(job)
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
        if job.kind == CHANGED and job.row is not None and job.row.content_hash == result.content_hash:
            result.same_content = True
            return result
        if job.kind == NEW:
            result.moved_from = self.detector.find_moved(
                result.content_hash, lambda old_path: self._source.current_entry(old_path) is not None
            )
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

    # -- main-thread side ----------------------------------------------------------

    def _apply(self, result: WorkResult, summary: CrawlSummary) -> None:
        job, entry = result.job, result.job.entry
        self.progress("done", 1)
        if result.vanished:
            self.detector.vanished(job)  # deleted between listing and reading
            return
        if result.same_content:
            self.state.update_times(job.item_id, entry.size, entry.mtime, entry.ctime)
            row = self.state.item(job.item_id)
            if row:
                self._update_principals(row, entry, summary)
            else:
                summary.unchanged += 1
            return
        if result.moved_from is not None and self.detector.claim(result.moved_from):
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
        if job.kind == NEW:
            summary.new += 1
        else:
            summary.changed += 1
        summary.extracted += 1
        summary.bytes_extracted += entry.size
        children = len(result.docs) - 1
        previous_children = job.row.children if job.row is not None else 0
        if previous_children > children:
            self._stale_children.extend(child_ids(job.item_id, previous_children, start=children))
        self._batch.extend(result.docs)
        self._marks.append((job, result.content_hash, children, result.error_kind, result.error))
        self._flush_if_full()

    def _apply_move(self, result: WorkResult, summary: CrawlSummary) -> None:
        old = result.moved_from
        assert old is not None
        job, entry = result.job, result.job.entry
        self._flush()  # the moved item's documents must be current before we copy them
        docs = self.backend.fetch_untrimmed([old.id, *child_ids(old.id, old.children)])
        path_text = display_text(entry.path)
        moved_docs = moved_documents(
            docs, old.id, entry, path_text, self._source.display_path(entry.path), self.analyze
        )
        self.state.remove(job.item_id)  # the placeholder row of the "new" file
        self.state.move(old.id, entry.path)
        self.state.commit()
        if moved_docs:
            self.backend.upsert(moved_docs)
        self._mark(old.id, entry, result.content_hash, old.children, old.error_kind, old.last_error)
        self.state.commit()
        summary.moved += 1

    def _update_principals(self, row: ItemRow, entry: Entry, summary: CrawlSummary) -> None:
        """Permissions changed (or were unverified), content did not: write the new
        permission set without extraction and without touching anything else."""
        perms = permissions_to_write(row, entry)
        if perms is None:
            self.state.update_times(row.id, entry.size, entry.mtime, entry.ctime)
            summary.unchanged += 1
            return
        ids = [row.id, *child_ids(row.id, row.children)]
        self.backend.set_permissions(ids, perms, (entry.allow, entry.deny, entry.require))
        self._mark(row.id, entry, row.content_hash, row.children, row.error_kind, row.last_error)
        if row.perm_id == UNVERIFIED and not entry.require and permissions(row.allow, row.deny).id == perms.id:
            summary.unchanged += 1  # verified again, access as before
        else:
            summary.permissions += 1

    def _hide_unverified(self, folder: str, reason: str, summary: CrawlSummary) -> None:
        """Hide everything known in and below `folder` from everyone (index first, then
        state), and record why; nothing is deleted."""
        source = self._source.name
        rows = self.state.items_under(source, folder)
        for ids in _id_batches(rows):
            self.backend.set_permissions(ids, NOBODY)
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
            self._mark(job.item_id, job.entry, content_hash, children, error_kind, error)
        self.state.commit()
        self._batch, self._marks, self._stale_children = [], [], []

    def _mark(
        self,
        item_id: str,
        entry: Entry,
        content_hash: str | None,
        children: int,
        error_kind: str | None,
        error: str | None,
    ) -> None:
        """Record in state what the index now holds for `entry` (after the backend write)."""
        self.state.mark_indexed(
            item_id,
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

    def _delete_gone(self, summary: CrawlSummary) -> None:
        rows = self.detector.take_gone()
        if not rows:
            return
        for ids in _id_batches(rows):
            self.backend.delete(ids)
        for row in rows:
            self.state.remove(row.id)
        self.state.commit()
        summary.deleted += len(rows)

    def _record_error(self, path: str, kind: str, message: str, summary: CrawlSummary, count: bool = True) -> None:
        if count:
            summary.errors += 1
        self.state.add_error(self._run_id, self._source.name, display_text(path), kind, message)


EXTRACTOR_VERSION_KEY = "extractor_version"


def _extractor_version(extractor: Extractor) -> str:
    """Aktenlotse's and the extractor's version: either may read files the other could not."""
    reader = getattr(extractor, "version", None)
    return f"Aktenlotse {__version__}; {reader() if reader else type(extractor).__name__}"


def _id_batches(rows: Iterable[ItemRow], size: int = 1000) -> Iterator[list[str]]:
    """The ids of `rows` and of their child documents, `size` at a time."""
    ids = [doc_id for row in rows for doc_id in (row.id, *child_ids(row.id, row.children))]
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _unverified_reason(listing: DirListing) -> str:
    """Why a listing is incomplete, in German, for the admin page."""
    for problem in listing.problems:
        if problem.path == listing.path:
            return problem.message
    return "Ordner konnte nicht vollständig gelesen werden"
