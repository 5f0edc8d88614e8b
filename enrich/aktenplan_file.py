"""Reading an Aktenplan file into numbered rows of fields: the encodings a CSV comes in,
its delimiter, merged XLSX cells and the English or German header names of each column.
What the rows mean (codes, parents, levels) is validated in `aktenplan.build_aktenplan`.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

# (row number in the file, fields by name: code, title, parent, description, keywords)
Rows = list[tuple[int, dict[str, str | None]]]

_HEADERS = {
    "code": (
        "code",
        "kennziffer",
        "kennzeichen",
        "aktenplankennzeichen",
        "aktenplannummer",
        "nummer",
        "nr",
        "schluessel",
        "klasse",
        "id",
    ),
    "title": ("title", "titel", "bezeichnung", "name", "betreff", "benennung", "aktenplaneinheit"),
    "parent": (
        "parent",
        "parent_code",
        "uebergeordnet",
        "uebergeordnete_kennziffer",
        "oberbegriff",
        "eltern",
        "vater",
        "obergruppe",
    ),
    "description": (
        "description",
        "beschreibung",
        "erlaeuterung",
        "erlaeuterungen",
        "inhalt",
        "hinweise",
        "bemerkung",
        "bemerkungen",
    ),
    "keywords": (
        "keywords",
        "schlagworte",
        "schlagwoerter",
        "stichworte",
        "stichwoerter",
        "schlagwort",
        "stichwort",
        "suchbegriffe",
    ),
}


class AktenplanError(Exception):
    """The file cannot be imported. `problems` lists every row-level problem (German/English).

    Defined here, where reading raises it first; the validation raises it too, and callers
    import it from `aktenplan`."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full)
        self.message = message


def read_rows(path: Path) -> tuple[Rows, list[str]]:
    """The rows of a CSV or XLSX file below its header row, with warnings about how it
    was read (encoding, merged cells). Raises AktenplanError for a file that cannot be read."""
    if not path.exists():
        raise AktenplanError(f"Datei nicht gefunden / file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path.read_bytes())
    raise AktenplanError(f"Unbekanntes Dateiformat {suffix!r} (erwartet .csv oder .xlsx) / unsupported file type")


def _decode(raw: bytes) -> tuple[str, list[str]]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        line = raw[: utf8_error.start].count(b"\n") + 1
        raise AktenplanError(
            f"Zeichenkodierung nicht erkannt (weder UTF-8 noch Windows-1252), Zeile {line}; "
            "bitte als CSV UTF-8 speichern / unknown encoding, please save as CSV UTF-8"
        ) from None
    return text, ["Datei ist nicht UTF-8; als Windows-1252 (ANSI) gelesen / file read as Windows-1252"]


def _read_csv(raw: bytes) -> tuple[Rows, list[str]]:
    text, warnings = _decode(raw)
    if not text.strip():
        raise AktenplanError("Die Datei ist leer / the file is empty")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = [row for row in reader]
    return _rows_from_table(table), warnings


def _read_xlsx(path: Path) -> tuple[Rows, list[str]]:
    try:
        from openpyxl import load_workbook  # heavy to import; only an XLSX plan needs it
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise AktenplanError("XLSX braucht das Paket openpyxl / XLSX needs openpyxl") from None
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise AktenplanError(f"XLSX-Datei kann nicht gelesen werden / cannot read XLSX: {exc}") from None
    ws = wb.worksheets[0]
    warnings = []
    grid = [[cell for cell in row] for row in ws.iter_rows(values_only=True)]
    merged = list(ws.merged_cells.ranges)
    if merged:
        warnings.append(
            f"{len(merged)} verbundene Zellen aufgelöst (Wert in alle Zellen übernommen) / merged cells filled"
        )
        for rng in merged:
            top = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(grid) else None
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                for c in range(rng.min_col - 1, rng.max_col):
                    if c < len(grid[r]):
                        grid[r][c] = top
    table = [[_cell_text(v) for v in row] for row in grid]
    wb.close()
    return _rows_from_table(table), warnings


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _norm_header(name: str) -> str:
    folded = name.strip().lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def _rows_from_table(table: list[list[str]]) -> Rows:
    # The header is the first row that names a code and a title column.
    for index, row in enumerate(table):  # noqa: B007  (index: the header row, read after the loop)
        mapping = {}
        for col, name in enumerate(row):
            key = _norm_header(name or "")
            for field_name, aliases in _HEADERS.items():
                if key in aliases and field_name not in mapping:
                    mapping[field_name] = col
        if "code" in mapping and "title" in mapping:
            break
        if any((c or "").strip() for c in row):
            raise AktenplanError(
                "Kopfzeile fehlt: erwartet Spalten code/Kennziffer und title/Bezeichnung / "
                f"header row with code and title columns not found (first row: {', '.join(c for c in row if c)})"
            )
    else:
        raise AktenplanError("Die Datei enthält keine Kopfzeile / the file has no header row")
    has_parent = "parent" in mapping
    rows = []
    for number, row in enumerate(table[index + 1 :], start=index + 2):
        if not any((c or "").strip() for c in row):
            continue
        values: dict[str, str | None] = {
            f: (row[col].strip() if col < len(row) and row[col] else "") for f, col in mapping.items()
        }
        if not has_parent:
            values["parent"] = None  # inferred from codes
        rows.append((number, values))
    return rows
