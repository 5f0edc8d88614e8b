"""The Berechtigungsbericht as an Excel workbook (openpyxl): one sheet per question the
Berechtigungskonzept asks, with German headings, filters and frozen header rows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from aktenlotse.services.permissions_report import FolderAccess, PermissionsReport

_INHERITS = {True: "ja", False: "nein (unterbrochen)", None: "–"}
_MAX_CELL = 32_000  # Excel's limit per cell is 32,767 characters


def write_xlsx(report: PermissionsReport, path: Path) -> None:
    """Write the workbook to `path` (replaced if it exists; written next to it first)."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    _workbook(report).save(partial)
    partial.replace(target)


def xlsx_bytes(report: PermissionsReport) -> bytes:
    """The workbook as bytes (the portal's download button)."""
    buffer = io.BytesIO()
    _workbook(report).save(buffer)
    return buffer.getvalue()


def _workbook(report: PermissionsReport) -> Workbook:
    book = Workbook()
    folders = book.active
    assert folders is not None  # a new workbook always has its first sheet
    folders.title = "Ordner"
    _table(
        folders,
        [
            "Quelle",
            "Pfad",
            "Tiefe",
            "Gruppen",
            "Gruppen in der eigenen ACL",
            "Benutzer (Anzahl)",
            "Benutzer",
            "Weitere Berechtigte",
            "Offen für",
            "Vererbung",
            "Nur eine Person",
            "Hinweis",
        ],
        [_folder_row(f) for f in report.folders],
    )
    _table(
        book.create_sheet("Offen für alle"),
        ["Quelle", "Pfad", "Offen für"],
        [[f.source, f.display_path, ", ".join(f.open_to)] for f in report.folders if f.open_to],
    )
    _table(
        book.create_sheet("Vererbung unterbrochen"),
        ["Quelle", "Pfad", "Gruppen", "Benutzer"],
        [[f.source, f.display_path, _cell(f.groups), _cell(f.users)] for f in report.folders if f.inherits is False],
    )
    _table(
        book.create_sheet("Nur eine Person"),
        ["Quelle", "Pfad", "Benutzer"],
        [[f.source, f.display_path, f.single_person] for f in report.folders if f.single_person],
    )
    groups = [[g, "erteilt in keinem der Ordner Zugriff"] for g in report.groups_without_access]
    groups += [[g, f"erteilt nur in {p} Zugriff"] for g, p in report.groups_with_one_folder.items()]
    _table(book.create_sheet("Gruppen"), ["Gruppe", "Befund"], groups)
    _table(
        book.create_sheet("Info"),
        ["Angabe", "Wert"],
        [
            ["Erstellt", report.generated],
            ["Ordnertiefe", report.depth],
            ["Ordner", len(report.folders)],
            ["Nicht lesbar", sum(1 for f in report.folders if f.problem)],
            [
                "Grundlage",
                "Berechtigungen beim Erstellen vom Dateiserver gelesen (Freigabe, Ordner auf dem Weg, "
                "eigene Berechtigungen); Ordner aus dem letzten Crawl",
            ],
            ["Vertraulich", "Der Bericht nennt, wer was lesen darf: nur für Administration und AG DMS."],
        ],
    )
    return book


def _folder_row(folder: FolderAccess) -> list[object]:
    return [
        folder.source,
        folder.display_path,
        folder.depth,
        _cell(folder.groups),
        _cell(folder.granting_groups),
        len(folder.users),
        _cell(folder.users),
        _cell(folder.other_principals),
        ", ".join(folder.open_to),
        _INHERITS[folder.inherits],
        folder.single_person,
        folder.problem,
    ]


def _cell(values: tuple[str, ...]) -> str:
    text = ", ".join(values)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 20] + f" … ({len(values)} insgesamt)"


def _table(sheet: Worksheet, headings: list[str], rows: Sequence[Sequence[object]]) -> None:
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, (column, heading) in enumerate(zip(sheet.columns, headings, strict=True), start=1):
        width = max([len(heading), *(len(str(c.value or "")) for c in column)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
