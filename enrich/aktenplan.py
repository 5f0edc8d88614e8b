"""The Aktenplan (file plan): classes with up to three levels, read from CSV or XLSX.

Columns (English or German headers, any order): code (Kennziffer, Aktenplankennzeichen,
Nummer), title (Bezeichnung, Titel, Betreff), optional parent (übergeordnet, Oberbegriff),
optional description (Beschreibung, Erläuterung, Inhalt), optional keywords (Schlagworte,
Stichworte; separated by `;`). Without a parent column the parent is inferred from the
codes (the longest other code that is a prefix: 6 → 63 → 632).

Validation collects every problem before failing, so one run lists all rows to fix:
duplicate codes, parents that do not exist, cycles, empty codes/titles. Levels deeper than
three are folded into their level-3 ancestor (their title and keywords enrich that class)
with a warning. Reading the file into rows is `aktenplan_file`'s part. Parsing is pure:
nothing is stored here (see `aktenplan_store`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aktenlotse.enrich.aktenplan_file import AktenplanError, read_rows

MAX_LEVELS = 3


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
    rows, warnings = read_rows(Path(path))
    plan = build_aktenplan(rows, max_levels)
    plan.warnings[:0] = warnings
    return plan


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
