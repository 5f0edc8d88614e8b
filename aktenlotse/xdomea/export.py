"""The hand-over to the DMS: one xdomea 3.0.0 `Abgabe.Abgabe.0401` message per export.

Each decided folder becomes an `Akte` filed under its Aktenplan class (the class most of
its decided documents were given); sub-folders of the same class are `Vorgang`s inside
it, a sub-folder decided for another class starts an Akte of its own. Documents marked
"nicht migrieren" stay out; undecided documents, decisions for a class that the current
Aktenplan no longer has, and files gone since the crawl are listed in a CSV beside the
ZIP and counted in the report, and everything else is exported.

Memory stays flat in the number of documents: items come from the state DB in chunks in
depth-first order, the XML is written element by element (`etree.xmlfile`) into a
temporary file, primary files are streamed into the ZIP. Only one small entry per
decided folder is kept (its class), never one per document.
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from aktenlotse.core.config import Config
from aktenlotse.core.records import Entry
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.services.review import Decision, DocRef, ReviewStore
from aktenlotse.stores.statedb import StateDB, to_bytes, to_text
from aktenlotse.xdomea.folders import FolderPlan
from aktenlotse.xdomea.message_xml import (
    NSMAP,
    DocumentMeta,
    Party,
    aktenplan_element,
    container_head,
    dokument_element,
    kopf,
    q,
    safe_file_name,
    stable_id,
)
from aktenlotse.xdomea.schema import validation_errors

CHUNK = 2000
MESSAGE_0401 = "Abgabe.Abgabe.0401"
MESSAGE_0301 = "Aktenplan.Aktenplan.0301"
REASONS = {
    "undecided": "noch nicht entschieden",
    "stale": "Aktenplan-Klasse gibt es nicht mehr",
    "gone": "Datei seit dem Crawl verschwunden",
    "unreadable": "Datei nicht lesbar",
    "renamed": "Dateiname für das ZIP angepasst",
    "changed": "Inhalt seit dem Crawl geändert",
}
LIST_COLUMNS = ("UNC-Pfad", "Grund", "Übergeben", "Kennziffer", "Hinweis")


class HandoverError(Exception):
    """`message` is for the user (German, one line)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class HandoverReport:
    """What one export did; `counts` by reason (see REASONS) plus exported/skipped."""

    process_id: str
    zip_path: Path
    list_path: Path | None
    akten: int = 0
    vorgaenge: int = 0
    counts: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        """One German line for the CLI and the page."""
        c = self.counts
        parts = [
            f"{c['exported']} Dokumente in {self.akten} Akten ({self.vorgaenge} Vorgänge) übergeben",
            f"{c['skipped']} nicht migrieren",
        ]
        parts += [f"{c[k]} {REASONS[k]}" for k in REASONS if c[k]]
        return "; ".join(parts)


@dataclass(frozen=True)
class Scope:
    """Which part of the shares to hand over: a source and a folder below its root (or all)."""

    source: str | None = None
    folder: str | None = None


def _rows(state: StateDB, scope: Scope, source: str | None = None, folder: str | None = None) -> Iterator[list]:
    """Items in depth-first order (a folder's own files before its sub-folders) in chunks."""
    where, params = [], []
    source = source if source is not None else scope.source
    folder = folder if folder is not None else scope.folder
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if folder:
        raw = to_bytes(folder)
        where.append("(folder = ? OR (folder >= ? AND folder < ?))")
        params += [raw, raw + b"/", raw + b"0"]
    # '/' -> \x01 in the sort key: "A/B" then sorts right after "A", before "A B".
    cursor = state.conn.execute(
        "SELECT source, folder, name, size, mtime, ctime, content_hash, id FROM items"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY source, replace(folder, X'2F', X'01'), name",
        params,
    )
    while rows := cursor.fetchmany(CHUNK):
        yield [
            (s, to_text(f), to_text(n), size, mtime, ctime, h, item_id)
            for s, f, n, size, mtime, ctime, h, item_id in rows
        ]


def _path(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class _Classifier:
    """Resolves each document's newest decision against the current Aktenplan."""

    def __init__(self, store: ReviewStore, plan: Aktenplan):
        self.store, self.plan = store, plan

    def resolve(self, rows: list) -> list[tuple[tuple, str, Decision | None, str | None]]:
        """(row, state, decision, code) with state exported|skipped|undecided|stale."""
        refs = [DocRef(r[0], _path(r[1], r[2]), r[6]) for r in rows]
        decisions = self.store.decisions_for(refs)
        out = []
        for row, ref in zip(rows, refs):
            decision = decisions.get(ref)
            if decision is None:
                out.append((row, "undecided", None, None))
            elif decision.decision == "skip":
                out.append((row, "skipped", decision, None))
            elif decision.code in self.plan.classes:
                out.append((row, "exported", decision, decision.code))
            elif decision.code in self.plan.folded:  # a deeper class folded into its level-3 parent
                out.append((row, "exported", decision, self.plan.folded[decision.code]))
            else:
                out.append((row, "stale", decision, decision.code))
        return out


class _ListWriter:
    """The CSV of documents the DMS does not get (or gets renamed), streamed."""

    def __init__(self, path: Path, display: Callable[[str, str], str]):
        self.path, self.display, self.rows = path, display, 0
        self._file = open(path, "w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, delimiter=";")
        self._csv.writerow(LIST_COLUMNS)

    def add(self, source: str, path: str, reason: str, exported: bool, code: str | None = "", note: str = "") -> None:
        self._csv.writerow(
            [self.display(source, path), REASONS[reason], "ja" if exported else "nein", code or "", note]
        )
        self.rows += 1

    def close(self) -> None:
        self._file.close()


class HandoverWriter:
    """Writes one 0401 message (and its ZIP) from the state DB, decisions and index."""

    def __init__(
        self,
        config: Config,
        state: StateDB,
        backend,
        store: ReviewStore,
        plan: Aktenplan,
        plan_version: str,
        sources: dict,
        with_files: bool = False,
    ):
        self.config, self.state, self.backend, self.plan = config, state, backend, plan
        self.plan_version, self.sources, self.with_files = plan_version, sources, with_files
        self.classifier = _Classifier(store, plan)

    def display(self, source: str, path: str) -> str:
        src = self.sources.get(source)
        return src.display_path(path) if src is not None else f"{source}:{path}"

    def write(self, output: Path, scope: Scope = Scope()) -> HandoverReport:
        process_id = str(uuid.uuid4())
        zip_path = output if output.suffix.lower() == ".zip" else output / f"{process_id}_{MESSAGE_0401}.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        list_path = zip_path.with_name(f"{process_id}_nicht_uebergeben.csv")
        report = HandoverReport(process_id, zip_path, list_path)
        listing = _ListWriter(list_path, self.display)
        folders = FolderPlan(zip_path.parent)
        try:
            self._classify(scope, listing, report, folders)
            if not folders.decided_folders:
                raise HandoverError(
                    f"Nichts zu übergeben: kein entschiedenes Dokument in der Auswahl "
                    f"({report.counts['undecided']} offen, {report.counts['stale']} mit veralteter Klasse, "
                    f"{report.counts['skipped']} nicht migrieren). Liste: {list_path}"
                )
            self._package(zip_path, process_id, scope, folders, listing, report)
        finally:
            folders.close()
            listing.close()
        if listing.rows == 0:
            list_path.unlink()
            report.list_path = None
        return report

    def _classify(self, scope: Scope, listing: _ListWriter, report: HandoverReport, folders: FolderPlan) -> None:
        for rows in _rows(self.state, scope):
            for row, state, _decision, code in self.classifier.resolve(rows):
                report.counts[state if state != "exported" else "decided"] += 1
                if state == "exported":
                    folders.count(row[0], row[1], code)
                elif state in ("undecided", "stale"):
                    listing.add(row[0], _path(row[1], row[2]), state, False, code)
        folders.finish()

    def _package(
        self,
        zip_path: Path,
        process_id: str,
        scope: Scope,
        folders: FolderPlan,
        listing: _ListWriter,
        report: HandoverReport,
    ) -> None:
        fd, tmp_xml = tempfile.mkstemp(prefix=".xdomea-", suffix=".xml", dir=zip_path.parent)
        tmp_zip = zip_path.with_name(f".{zip_path.name}.part")
        try:
            with (
                os.fdopen(fd, "wb") as xml_out,
                zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
            ):
                with etree.xmlfile(xml_out, encoding="utf-8") as xf:
                    xf.write_declaration()
                    with xf.element(q(MESSAGE_0401), nsmap=NSMAP):
                        xf.write(
                            kopf(
                                "0401",
                                process_id,
                                Party(self.config.dms.institution),
                                Party(self.config.dms.receiver),
                                import_confirmation=True,
                                note="Übergabe aus der Aktenplan-Prüfung der AG DMS",
                            )
                        )
                        for source, folder, code in folders.roots():
                            self._akte(xf, archive, source, folder, code, scope, folders, listing, report)
                        xf.write(self._plan_element())
                xml_out.flush()
                errors = validation_errors(tmp_xml, "0401", self.config.dms.xsd_dir)
                if errors:
                    raise HandoverError(f"Die erzeugte xdomea-Nachricht ist nicht schemagültig: {errors[0]}")
                archive.write(tmp_xml, f"{process_id}_{MESSAGE_0401}.xml")
            os.replace(tmp_zip, zip_path)
        finally:
            os.unlink(tmp_xml)
            if tmp_zip.exists():
                tmp_zip.unlink()

    def _plan_element(self) -> etree._Element:
        dms = self.config.dms
        return aktenplan_element(
            self.plan, self.plan_version, f"Aktenplan {dms.institution}", dms.retention_years, dms.disposal
        )

    def _akte(
        self,
        xf,
        archive,
        source: str,
        folder: str,
        code: str,
        scope: Scope,
        folders: FolderPlan,
        listing: _ListWriter,
        report: HandoverReport,
    ) -> None:
        title = self.plan.classes[code].title
        with xf.element(q("Schriftgutobjekt")), xf.element(q("Akte")):
            for element in container_head(
                "Akte",
                stable_id("akte", source, folder),
                folder.rsplit("/", 1)[-1] or source,
                self.display(source, folder),
                code,
                title,
            ):
                xf.write(element)
            report.akten += 1
            with xf.element(q("Akteninhalt")):
                open_folders: list[tuple[str, object]] = []  # the Vorgang chain below the Akte
                for rows in _rows(self.state, scope, source=source, folder=folder):
                    resolved = [
                        r
                        for r in self.classifier.resolve(rows)
                        if r[1] == "exported" and (folders.lookup(source, r[0][1]) or ("", None))[1] == folder
                    ]
                    docs = (
                        {d.id: d for d in self.backend.fetch_untrimmed([r[0][7] for r in resolved])} if resolved else {}
                    )
                    for row, _state, decision, doc_code in resolved:
                        self._enter(xf, open_folders, folder, row[1], source, folders, report)
                        self._dokument(xf, archive, row, decision, doc_code, docs.get(row[7]), listing, report)
                while open_folders:
                    open_folders.pop()[1].__exit__(None, None, None)

    def _enter(
        self,
        xf,
        open_folders: list,
        akte_folder: str,
        folder: str,
        source: str,
        folders: FolderPlan,
        report: HandoverReport,
    ) -> None:
        """Close Vorgänge that do not contain `folder`, open the missing ones down to it."""
        while open_folders and not (folder == open_folders[-1][0] or folder.startswith(open_folders[-1][0] + "/")):
            open_folders.pop()[1].__exit__(None, None, None)
        base = open_folders[-1][0] if open_folders else akte_folder
        if folder == base:
            return
        rest = folder[len(base) :].lstrip("/").split("/") if base else folder.split("/")
        current = base
        for part in rest:
            current = f"{current}/{part}" if current else part
            tag = "Teilvorgang" if open_folders else "Vorgang"
            context = xf.element(q(tag))
            context.__enter__()
            open_folders.append((current, context))
            code = (folders.lookup(source, current) or (None, None))[0]
            for element in container_head(
                "Vorgang",
                stable_id("vorgang", source, current),
                part,
                self.display(source, current),
                code,
                self.plan.classes[code].title if code else "",
            ):
                xf.write(element)
            report.vorgaenge += 1

    def _dokument(
        self, xf, archive, row: tuple, decision: Decision, code: str, doc, listing: _ListWriter, report: HandoverReport
    ) -> None:
        source, folder, name, size, mtime, ctime, content_hash, _item_id = row
        path = _path(folder, name)
        doc_id = stable_id("dokument", source, path)
        safe = safe_file_name(name)
        zip_name = f"{doc_id}_{safe}"
        if safe != name:
            report.counts["renamed"] += 1
            listing.add(source, path, "renamed", True, code, zip_name)
        if self.with_files:
            delivered = self._copy_file(archive, source, path, size, mtime, ctime, zip_name, listing, report, code)
            if delivered is None:
                return
            if content_hash and delivered != content_hash:
                report.counts["changed"] += 1
                listing.add(source, path, "changed", True, code)
                content_hash = delivered
        meta = DocumentMeta(
            id=doc_id,
            title=(doc.title if doc else "") or name,
            file_name=name,
            zip_name=zip_name,
            unc_path=self.display(source, path),
            content_hash=content_hash or "",
            size=size,
            modified=mtime,
            created=doc.created if doc else None,
            author=doc.author if doc else None,
            code=code,
            class_title=self.plan.classes[code].title,
            reviewer=decision.reviewer,
            decided_at=decision.at,
            decision_label=decision.label,
            comment=decision.comment,
        )
        xf.write(dokument_element(meta))
        report.counts["exported"] += 1

    def _copy_file(
        self,
        archive,
        source: str,
        path: str,
        size: int,
        mtime: float,
        ctime: float,
        zip_name: str,
        listing: _ListWriter,
        report: HandoverReport,
        code: str,
    ) -> str | None:
        """Stream the file into the ZIP through its source; its BLAKE2b-128 hash, or None if it failed."""
        src = self.sources.get(source)
        if src is None:
            report.counts["unreadable"] += 1
            listing.add(source, path, "unreadable", False, code, "Ablage nicht konfiguriert")
            return None
        digest = hashlib.blake2b(digest_size=16)
        try:
            with src.open(Entry(source, path, size, mtime, ctime)) as stream:
                with archive.open(zip_name, "w", force_zip64=True) as out:
                    while chunk := stream.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
        except FileNotFoundError:
            report.counts["gone"] += 1
            listing.add(source, path, "gone", False, code)
            return None
        except OSError as error:
            report.counts["unreadable"] += 1
            listing.add(source, path, "unreadable", False, code, error.strerror or str(error))
            return None
        return digest.hexdigest()
