"""The Aktenplan (file plan): classes with up to three levels, read from CSV or XLSX.

Columns (English or German headers, any order): code (Kennziffer, Aktenplankennzeichen,
Nummer), title (Bezeichnung, Titel, Betreff), optional parent (übergeordnet, Oberbegriff),
optional description (Beschreibung, Erläuterung, Inhalt), optional keywords (Schlagworte,
Stichworte; separated by `;`). Without a parent column the parent is inferred from the
codes (the longest other code that is a prefix: 6 → 63 → 632).

Validation collects every problem before failing, so one run lists all rows to fix:
duplicate codes, parents that do not exist, cycles, empty codes/titles. Levels deeper than
three are folded into their level-3 ancestor (their title and keywords enrich that class)
with a warning. Parsing is pure: nothing is stored here (see `aktenplan_store`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MAX_LEVELS = 3

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
    """The file cannot be imported. `problems` lists every row-level problem (German/English)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        full = message if not self.problems else message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(full)
        self.message = message


@dataclass(frozen=True)
class AktenplanClass:
    """One class of the plan. `level` is 1 for main groups."""

    code: str
    title: str
    parent: str | None = None
    description: str = ""
    keywords: tuple[str, ...] = ()
    level: int = 1

    @property
    def text(self) -> str:
        """Title, description and keywords as one German text (what zero-shot reads)."""
        parts = [self.title, self.description, ", ".join(self.keywords)]
        return ". ".join(p for p in parts if p)


@dataclass
class Aktenplan:
    """A validated plan: classes by code (in file order) and folded deeper codes."""

    classes: dict[str, AktenplanClass]
    folded: dict[str, str] = field(default_factory=dict)  # deeper code -> level-3 ancestor
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.classes)

    def get(self, code: str) -> AktenplanClass | None:
        return self.classes.get(code) or self.classes.get(self.folded.get(code, ""))

    def current_code(self, code: object) -> str | None:
        """The class of this plan a code stands for: itself, or the class it was folded
        into (a suggestion or decision made before a fold names the old code); None for a
        code the plan does not know."""
        cls = self.get(str(code)) if code else None
        return cls.code if cls is not None else None

    def children(self, code: str | None) -> list[AktenplanClass]:
        return [c for c in self.classes.values() if c.parent == code]

    def level(self, n: int) -> list[AktenplanClass]:
        return [c for c in self.classes.values() if c.level == n]

    def ancestors(self, code: str) -> list[AktenplanClass]:
        """From the main group down to the class itself."""
        chain = []
        current = self.get(code)
        while current is not None:
            chain.append(current)
            current = self.classes.get(current.parent) if current.parent else None
        return chain[::-1]

    def descendants(self, code: str) -> list[AktenplanClass]:
        out, todo = [], [code]
        while todo:
            kids = self.children(todo.pop())
            out.extend(kids)
            todo.extend(k.code for k in kids)
        return out

    def ancestor_at(self, code: str, level: int) -> str | None:
        chain = self.ancestors(code)
        return chain[level - 1].code if len(chain) >= level else None

    def code_for_aktenzeichen(self, az: str) -> str | None:
        """The deepest class whose code is a prefix of the Aktenzeichen's leading group(s).

        "632.10-2023/145" -> "632" (or "632.10" when that class exists)."""
        groups = re.split(r"[^0-9A-Za-z]+", az.strip())
        groups = [g for g in groups if g]
        if not groups:
            return None
        candidates = []
        for k in range(len(groups), 0, -1):
            candidates.append(".".join(groups[:k]))
        for cand in candidates:
            if cand in self.classes:
                return cand
            if cand in self.folded:
                return self.folded[cand]
        return None


# --- reading files -------------------------------------------------------------------------


def read_aktenplan(path: Path | str, max_levels: int | None = MAX_LEVELS) -> Aktenplan:
    """Read and validate a CSV or XLSX file (None: keep every level, for the audit to fold
    them one by one). Raises AktenplanError with every problem listed."""
    path = Path(path)
    if not path.exists():
        raise AktenplanError(f"Datei nicht gefunden / file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, warnings = _read_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows, warnings = _read_csv(path.read_bytes())
    else:
        raise AktenplanError(f"Unbekanntes Dateiformat {suffix!r} (erwartet .csv oder .xlsx) / unsupported file type")
    plan = build_aktenplan(rows, max_levels)
    plan.warnings[:0] = warnings
    return plan


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


def _read_csv(raw: bytes) -> tuple[list[tuple[int, dict[str, str | None]]], list[str]]:
    text, warnings = _decode(raw)
    if not text.strip():
        raise AktenplanError("Die Datei ist leer / the file is empty")
    first = text.splitlines()[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = [row for row in reader]
    return _rows_from_table(table), warnings


def _read_xlsx(path: Path) -> tuple[list[tuple[int, dict[str, str | None]]], list[str]]:
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


def _rows_from_table(table: list[list[str]]) -> list[tuple[int, dict[str, str | None]]]:
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


# --- validation ------------------------------------------------------------------------------


def build_aktenplan(
    rows: Iterable[tuple[int, dict[str, str | None]]], max_levels: int | None = MAX_LEVELS
) -> Aktenplan:
    """Validate parsed rows (row number, fields) into an Aktenplan, or raise AktenplanError."""
    rows = list(rows)
    problems: list[str] = []
    warnings: list[str] = []
    if not rows:
        raise AktenplanError("Der Aktenplan enthält keine Zeilen / the file plan has no rows")
    seen: dict[str, int] = {}
    raw: dict[str, dict] = {}
    infer_parents = all(values.get("parent") is None for _, values in rows)
    for number, values in rows:
        code = (values.get("code") or "").strip()
        title = (values.get("title") or "").strip()
        if not code:
            problems.append(f"Zeile {number}: Kennziffer fehlt / code missing")
            continue
        if not title:
            problems.append(f"Zeile {number}: Bezeichnung für {code} fehlt / title missing")
        if code in seen:
            problems.append(f"Zeile {number}: Kennziffer {code} doppelt (schon in Zeile {seen[code]}) / duplicate code")
            continue
        seen[code] = number
        keywords = tuple(k.strip() for k in re.split(r"[;|\n]", values.get("keywords") or "") if k.strip())
        raw[code] = {
            "row": number,
            "title": title,
            "parent": (values.get("parent") or "").strip() or None,
            "description": (values.get("description") or "").strip(),
            "keywords": keywords,
        }
    if infer_parents:
        codes = sorted(raw, key=len)
        for code in raw:
            compact = code.replace(".", "")
            best = None
            for other in codes:
                if (
                    other != code
                    and compact.startswith(other.replace(".", ""))
                    and len(other.replace(".", "")) < len(compact)
                ) and (best is None or len(other) > len(best)):
                    best = other
            raw[code]["parent"] = best
    for code, info in raw.items():
        parent = info["parent"]
        if parent is not None and parent not in raw:
            problems.append(
                f"Zeile {info['row']}: übergeordnete Kennziffer {parent} von {code} existiert nicht / parent missing"
            )
        if parent == code:
            problems.append(f"Zeile {info['row']}: {code} ist sich selbst übergeordnet / class is its own parent")
    if not problems:
        for code in raw:
            chain: list[str] = []
            current: str | None = code
            while current is not None:
                if current in chain:
                    cycle = chain[chain.index(current) :] + [current]
                    rows_in = sorted(raw[c]["row"] for c in set(cycle))
                    msg = f"Zyklus / cycle: {' → '.join(cycle)} (Zeilen {', '.join(map(str, rows_in))})"
                    if msg not in problems:
                        problems.append(msg)
                    break
                chain.append(current)
                current = raw[current]["parent"]
    if problems:
        raise AktenplanError(
            f"Aktenplan nicht importiert: {len(problems)} Problem(e) / file plan not imported, nothing was changed",
            problems,
        )
    levels: dict[str, int] = {}

    def level_of(code: str) -> int:
        if code not in levels:
            parent = raw[code]["parent"]
            levels[code] = 1 if parent is None else level_of(parent) + 1
        return levels[code]

    classes: dict[str, AktenplanClass] = {}
    folded: dict[str, str] = {}
    extra_keywords: dict[str, list[str]] = {}
    for code, info in raw.items():
        level = level_of(code)
        if max_levels is not None and level > max_levels:
            ancestor = code
            while level_of(ancestor) > max_levels:
                ancestor = raw[ancestor]["parent"]
            folded[code] = ancestor
            extra_keywords.setdefault(ancestor, []).extend([info["title"], *info["keywords"]])
            continue
        classes[code] = AktenplanClass(
            code, info["title"], info["parent"], info["description"], info["keywords"], level
        )
    for code, extra in extra_keywords.items():
        cls = classes[code]
        merged = tuple(dict.fromkeys((*cls.keywords, *extra)))
        classes[code] = AktenplanClass(cls.code, cls.title, cls.parent, cls.description, merged, cls.level)
    if folded:
        shown = ", ".join(f"{c} → {a}" for c, a in list(folded.items())[:10])
        more = "" if len(folded) <= 10 else f" (+{len(folded) - 10})"
        warnings.append(
            f"{len(folded)} Einträge tiefer als Ebene {MAX_LEVELS} in ihre Ebene-{MAX_LEVELS}-Gruppe eingefaltet / "
            f"deeper levels folded: {shown}{more}"
        )
    return Aktenplan(classes, folded, warnings)
