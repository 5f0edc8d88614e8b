"""The xdomea services that the CLI and the review page call: the 0401 hand-over of
the decided documents and the Aktenplan alone as 0301. They open and close what they
need (state DB, decisions, index, sources); the pages only render the report."""

from __future__ import annotations

import io
import tempfile
import uuid
import zipfile
from pathlib import Path

from lxml import etree

from aktenlotse.core.config import Config, ConfigError
from aktenlotse.crawler.source import close_all
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.pipeline.app import open_backend, sources_for
from aktenlotse.services.review import ReviewStore
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.statedb import StateDB
from aktenlotse.xdomea.export import MESSAGE_0301, HandoverError, HandoverReport, HandoverWriter
from aktenlotse.xdomea.message_xml import NSMAP, Party, aktenplan_element, kopf, q
from aktenlotse.xdomea.schema import validation_errors
from aktenlotse.xdomea.selection import Scope

__all__ = ["HandoverError", "HandoverReport", "Scope", "export_aktenplan", "export_handover"]


def _open_sources(config: Config) -> dict:
    try:
        return {s.name: s for s in sources_for(config)}
    except ConfigError:
        return {}


def _close_sources(sources: dict) -> None:
    close_all(sources.values())


def _current_plan(config: Config) -> tuple[Aktenplan, str]:
    with AktenplanStore(config.data_dir) as store:
        version = store.current_version()
        plan = store.load(version)
    if plan is None:
        raise HandoverError("Es ist noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI).")
    return plan, str(version)


def export_handover(
    config: Config, output: Path, scope: Scope | None = None, with_files: bool = False
) -> HandoverReport:
    """`aktenlotse review export --format xdomea`: the 0401 ZIP of the decided documents."""
    scope = scope if scope is not None else Scope()
    if not config.state_db.exists():
        raise HandoverError("Noch kein Crawl gelaufen (aktenlotse crawl).")
    plan, version = _current_plan(config)
    state, store = StateDB(config.state_db), ReviewStore(config.data_dir)
    backend = open_backend(config)
    sources = _open_sources(config)
    try:
        if scope.source is not None and scope.source not in state.sources():
            raise HandoverError(f"Die Ablage {scope.source!r} ist nicht gecrawlt.")
        return HandoverWriter(config, state, backend, store, plan, version, sources, with_files).write(output, scope)
    finally:
        _close_sources(sources)
        backend.close()
        store.close()
        state.close()


def export_aktenplan(config: Config, output: Path) -> Path:
    """The current Aktenplan alone as `Aktenplan.Aktenplan.0301` (ZIP, or plain XML for a .xml target)."""
    plan, version = _current_plan(config)
    process_id = str(uuid.uuid4())
    name = f"{process_id}_{MESSAGE_0301}"
    target = output if output.suffix.lower() in (".zip", ".xml") else output / f"{name}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    dms = config.dms
    message = etree.Element(q(MESSAGE_0301), nsmap=NSMAP)
    message.append(kopf("0301", process_id, Party(dms.institution), Party(dms.receiver)))
    message.append(aktenplan_element(plan, version, f"Aktenplan {dms.institution}", dms.retention_years, dms.disposal))
    data = etree.tostring(message, xml_declaration=True, encoding="utf-8", pretty_print=True)
    errors = validation_errors(io.BytesIO(data), "0301", dms.xsd_dir)
    if errors:
        raise HandoverError(f"Die erzeugte xdomea-Nachricht ist nicht schemagültig: {errors[0]}")
    if target.suffix.lower() == ".xml":
        target.write_bytes(data)
    else:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{name}.xml", data)
    return target


def export_dms_handover(config: Config, with_files: bool) -> HandoverReport:
    """The xdomea 0401 handover into a new temporary folder, for the review page's button
    (HandoverError, SchemaError)."""
    return export_handover(config, Path(tempfile.mkdtemp(prefix="aktenlotse-xdomea-")), with_files=with_files)
