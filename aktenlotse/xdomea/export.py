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

import hashlib
import os
import tempfile
import uuid
import zipfile
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from aktenlotse.core.config import Config
from aktenlotse.core.records import Document, Entry
from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.search.backend import Backend
from aktenlotse.services.review import Decision, ReviewStore
from aktenlotse.stores.statedb import StateDB
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
from aktenlotse.xdomea.selection import (
    REASONS,
    DecisionResolver,
    NotHandedList,
    Scope,
    joined_path,
    state_rows,
)

# lxml's incremental writer (what `etree.xmlfile` yields); lxml-stubs does not type it.
XmlWriter = Any

MESSAGE_0401 = "Abgabe.Abgabe.0401"
MESSAGE_0301 = "Aktenplan.Aktenplan.0301"


class HandoverError(UserFacingError):
    """`message` is for the user (German, one line)."""


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


class HandoverWriter:
    """Writes one 0401 message (and its ZIP) from the state DB, decisions and index."""

    def __init__(
        self,
        config: Config,
        state: StateDB,
        backend: Backend,
        store: ReviewStore,
        plan: Aktenplan,
        plan_version: str,
        sources: dict,
        with_files: bool = False,
    ):
        self.config, self.state, self.backend, self.plan = config, state, backend, plan
        self.plan_version, self.sources, self.with_files = plan_version, sources, with_files
        self.classifier = DecisionResolver(store, plan)

    def display(self, source: str, path: str) -> str:
        src = self.sources.get(source)
        return src.display_path(path) if src is not None else f"{source}:{path}"

    def write(self, output: Path, scope: Scope = Scope()) -> HandoverReport:
        process_id = str(uuid.uuid4())
        zip_path = output if output.suffix.lower() == ".zip" else output / f"{process_id}_{MESSAGE_0401}.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        list_path = zip_path.with_name(f"{process_id}_nicht_uebergeben.csv")
        report = HandoverReport(process_id, zip_path, list_path)
        listing = NotHandedList(list_path, self.display)
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

    def _classify(self, scope: Scope, listing: NotHandedList, report: HandoverReport, folders: FolderPlan) -> None:
        for rows in state_rows(self.state, scope):
            for row, state, _decision, code in self.classifier.resolve(rows):
                report.counts[state if state != "exported" else "decided"] += 1
                if state == "exported":
                    assert code is not None  # an exported row carries its class
                    folders.count(row[0], row[1], code)
                elif state in ("undecided", "stale"):
                    listing.add(row[0], joined_path(row[1], row[2]), state, False, code)
            # Freed before the next chunk is read (the loop variable would keep it alive
            # until then): memory holds one chunk, for 2,000 documents as for 200,000.
            del rows
        folders.finish()

    def _package(
        self,
        zip_path: Path,
        process_id: str,
        scope: Scope,
        folders: FolderPlan,
        listing: NotHandedList,
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
        xf: XmlWriter,
        archive: zipfile.ZipFile,
        source: str,
        folder: str,
        code: str,
        scope: Scope,
        folders: FolderPlan,
        listing: NotHandedList,
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
                open_folders: list[tuple[str, AbstractContextManager[Any]]] = []  # the Vorgang chain below the Akte
                for rows in state_rows(self.state, scope, source=source, folder=folder):
                    resolved = [
                        r
                        for r in self.classifier.resolve(rows)
                        if r[1] == "exported" and (folders.lookup(source, r[0][1]) or ("", None))[1] == folder
                    ]
                    docs = (
                        {d.id: d for d in self.backend.fetch_untrimmed([r[0][7] for r in resolved])} if resolved else {}
                    )
                    for row, _state, decision, doc_code in resolved:
                        assert decision is not None and doc_code is not None  # exported rows only
                        self._enter(xf, open_folders, folder, row[1], source, folders, report)
                        self._dokument(xf, archive, row, decision, doc_code, docs.get(row[7]), listing, report)
                    del rows, resolved, docs  # as in `_classify`: one chunk in memory
                while open_folders:
                    open_folders.pop()[1].__exit__(None, None, None)

    def _enter(
        self,
        xf: XmlWriter,
        open_folders: list[tuple[str, AbstractContextManager[Any]]],
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
        self,
        xf: XmlWriter,
        archive: zipfile.ZipFile,
        row: tuple,
        decision: Decision,
        code: str,
        doc: Document | None,
        listing: NotHandedList,
        report: HandoverReport,
    ) -> None:
        source, folder, name, size, mtime, ctime, content_hash, _item_id = row
        path = joined_path(folder, name)
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
        archive: zipfile.ZipFile,
        source: str,
        path: str,
        size: int,
        mtime: float,
        ctime: float,
        zip_name: str,
        listing: NotHandedList,
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
            with (
                src.open(Entry(source, path, size, mtime, ctime)) as stream,
                archive.open(zip_name, "w", force_zip64=True) as out,
            ):
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
