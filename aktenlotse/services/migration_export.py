"""The migration list for the DMS vendor: one row per document, CSV or XLSX, German
column names, built in chunks with pandas so that 200,000 rows need no more memory than
2,000 (XLSX is streamed with openpyxl's write-only mode)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from aktenlotse.core.config import Config
from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.stores.statedb import StateDB, to_text

CHUNK = 2000
COLUMNS = {
    "UNC-Pfad": 90,
    "Größe (Byte)": 14,
    "Geändert": 20,
    "Inhalts-Hash": 34,
    "Dublettengruppe": 16,
    "Aktenplan-Kennziffer": 14,
    "Aktenplan-Titel": 40,
    "Entscheidung": 18,
    "Geprüft von": 16,
    "Geprüft am": 20,
    "Kommentar": 40,
    "Vorschlag": 14,
    "Vorschlag-Sicherheit": 12,
}
FORMATS = ("csv", "xlsx")


def _iso(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def export_chunks(
    config: Config, state: StateDB, backend, store: ReviewStore, plan=None, *, roles: Iterable[str]
) -> Iterator[pd.DataFrame]:
    """DataFrames of at most CHUNK rows, in path order (`roles`: the caller's, a DMS role needed)."""
    from aktenlotse.core.config import ConfigError
    from aktenlotse.pipeline.app import sources_for

    try:
        sources = {s.name: s for s in sources_for(config)}
    except ConfigError:
        sources = {}
    titles = {c.code: c.title for c in plan.classes.values()} if plan is not None else {}
    cursor = state.conn.cursor()
    cursor.execute(
        "SELECT id, source, folder, name, size, mtime, content_hash FROM items ORDER BY source, folder, name"
    )
    while True:
        rows = cursor.fetchmany(CHUNK)
        if not rows:
            return
        hashes = [r[6] for r in rows if r[6]]
        duplicates = set()
        if hashes:
            marks = ",".join("?" * len(hashes))
            duplicates = {
                h
                for h, n in state.conn.execute(
                    f"SELECT content_hash, count(*) FROM items WHERE content_hash IN ({marks}) GROUP BY content_hash",
                    hashes,
                )
                if n > 1
            }
        docs = {d.id: d for d in backend.dms_listing([r[0] for r in rows], roles)}
        refs = []
        for _item_id, source, folder, name, _size, _mtime, content_hash in rows:
            folder_text, name_text = to_text(folder), to_text(name)
            refs.append(DocRef(source, f"{folder_text}/{name_text}" if folder_text else name_text, content_hash))
        decisions = store.decisions_for(refs)
        records = []
        for (item_id, source, _folder, _name, size, mtime, content_hash), ref in zip(rows, refs, strict=True):
            path = ref.path
            src = sources.get(source)
            decision = decisions.get(ref)
            doc = docs.get(item_id)
            suggestions = (doc.extra.get("aktenplan") if doc else None) or []
            code = decision.code if decision else None
            records.append(
                {
                    "UNC-Pfad": src.display_path(path) if src else path,
                    "Größe (Byte)": size,
                    "Geändert": _iso(mtime),
                    "Inhalts-Hash": content_hash or "",
                    "Dublettengruppe": content_hash[:12] if content_hash in duplicates else "",
                    "Aktenplan-Kennziffer": code or "",
                    "Aktenplan-Titel": titles.get(code, "(nicht mehr im Aktenplan)" if titles else "") if code else "",
                    "Entscheidung": decision.label if decision else "offen",
                    "Geprüft von": decision.reviewer if decision else "",
                    "Geprüft am": _iso(decision.at) if decision else "",
                    "Kommentar": decision.comment if decision else "",
                    "Vorschlag": str(suggestions[0]["code"]) if suggestions else "",
                    "Vorschlag-Sicherheit": round(float(suggestions[0].get("score", 0)), 3) if suggestions else None,
                }
            )
        yield pd.DataFrame.from_records(records, columns=list(COLUMNS))


def write_export(chunks: Iterator[pd.DataFrame], target: Path, fmt: str) -> int:
    """Write the chunks to `target`; returns the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(chunks, target)
    return _write_xlsx(chunks, target)


def _write_csv(chunks: Iterator[pd.DataFrame], target: Path) -> int:
    rows = 0
    # Semicolons and a BOM: what German Excel opens correctly with a double click.
    with open(target, "w", encoding="utf-8-sig", newline="") as out:
        for index, frame in enumerate(chunks):
            frame.to_csv(out, sep=";", index=False, header=index == 0)
            rows += len(frame)
        if rows == 0:
            pd.DataFrame(columns=list(COLUMNS)).to_csv(out, sep=";", index=False)
    return rows


def _write_xlsx(chunks: Iterator[pd.DataFrame], target: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Migrationsliste")
    for number, width in enumerate(COLUMNS.values(), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    sheet.append(header)
    rows = 0
    for frame in chunks:
        for record in frame.itertuples(index=False, name=None):
            sheet.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in record])
        rows += len(frame)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{rows + 1}"
    workbook.save(target)
    return rows


def export_migration_list(config: Config, target: Path, fmt: str, *, roles: Iterable[str]) -> int:
    """`aktenlotse review export`: the whole list from the state DB, index and decisions."""
    from aktenlotse.pipeline.app import open_backend
    from aktenlotse.stores.aktenplan_store import load_current_plan

    state = StateDB(config.state_db)
    backend = open_backend(config)
    store = ReviewStore(config.data_dir)
    try:
        return write_export(
            export_chunks(config, state, backend, store, load_current_plan(config.data_dir), roles=roles), target, fmt
        )
    finally:
        store.close()
        backend.close()
        state.close()
