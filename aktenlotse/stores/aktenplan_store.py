"""The Aktenplan in the app database (`aktenlotse.stores.appdb`): versioned imports, one
transaction each, so a failed import changes nothing and a re-import is detectable
(`current_version`, content hash)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.enrich.aktenplan import MAX_LEVELS, Aktenplan, AktenplanClass, read_aktenplan
from aktenlotse.stores.appdb import AppTables, app_db_exists, app_db_path, open_app_db


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the version it made (or found), its size and the warnings."""

    version: int
    n_classes: int
    warnings: list[str]
    unchanged: bool  # the same content as the current version (nothing new stored)


class AktenplanStore(AppTables):
    """Durable Aktenplan versions in the app database of `data_dir`."""

    def __init__(self, data_dir: Path):
        self.path = app_db_path(data_dir)
        super().__init__(open_app_db(data_dir))

    def import_file(self, path: Path | str, max_levels: int | None = MAX_LEVELS) -> ImportResult:
        """Read, validate and store a file; raises AktenplanError (nothing stored) on problems.
        `max_levels=None` keeps deeper classes, for the audit to propose folding them."""
        path = Path(path)
        plan = read_aktenplan(path, max_levels)
        return self.save(plan, path.name)

    def save(self, plan: Aktenplan, source_name: str) -> ImportResult:
        """Store `plan` as a new version, unless it has the current version's content."""
        digest = plan_hash(plan)
        current = self.current_version()
        if current is not None:
            row = self._conn.execute("SELECT sha256 FROM aktenplan_imports WHERE version=?", (current,)).fetchone()
            if row and row[0] == digest:
                return ImportResult(current, len(plan), plan.warnings, unchanged=True)
        with self._conn:  # one transaction: all rows or none
            version = insert_version(self._conn, plan, source_name)
        return ImportResult(version, len(plan), plan.warnings, unchanged=False)

    def current_version(self) -> int | None:
        """The newest imported version, None before the first import."""
        row = self._conn.execute("SELECT MAX(version) FROM aktenplan_imports").fetchone()
        return row[0] if row and row[0] is not None else None

    def current_hash(self) -> str | None:
        """The content hash of the newest version."""
        row = self._conn.execute("SELECT sha256 FROM aktenplan_imports ORDER BY version DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def imports(self) -> list[dict]:
        """Every import, oldest first."""
        rows = self._conn.execute(
            "SELECT version, imported_at, source_name, sha256, n_classes FROM aktenplan_imports ORDER BY version"
        ).fetchall()
        names = ("version", "imported_at", "source_name", "sha256", "n_classes")
        return [dict(zip(names, r, strict=True)) for r in rows]

    def titles(self, codes: Sequence[str]) -> dict[str, str]:
        """The current version's title of each of `codes` it knows, as `Aktenplan.get`
        reads it (a folded code: its class's title). Reads only those rows, so a search
        page can name its facet values without loading the whole plan."""
        codes = list(dict.fromkeys(c for c in codes if c))
        version = self.current_version()
        if not codes or version is None:
            return {}
        folded = dict(
            self._conn.execute(
                f"SELECT code, target FROM aktenplan_folded WHERE version = ? AND code IN ({_marks(codes)})",
                (version, *codes),
            )
        )
        wanted = list(dict.fromkeys([*codes, *folded.values()]))
        titles = dict(
            self._conn.execute(
                f"SELECT code, title FROM aktenplan_classes WHERE version = ? AND code IN ({_marks(wanted)})",
                (version, *wanted),
            )
        )
        found = {code: titles.get(code) or titles.get(folded.get(code, ""), "") for code in codes}
        return {code: title for code, title in found.items() if title}

    def load(self, version: int | None = None) -> Aktenplan | None:
        """The plan of `version` (default: the current one), or None when none was imported."""
        version = version if version is not None else self.current_version()
        if version is None:
            return None
        classes = {}
        for code, title, parent, description, keywords, level in self._conn.execute(
            "SELECT code, title, parent, description, keywords, level FROM aktenplan_classes "
            "WHERE version=? ORDER BY position",
            (version,),
        ):
            classes[code] = AktenplanClass(code, title, parent, description, tuple(json.loads(keywords)), level)
        folded = dict(self._conn.execute("SELECT code, target FROM aktenplan_folded WHERE version=?", (version,)))
        row = self._conn.execute("SELECT warnings FROM aktenplan_imports WHERE version=?", (version,)).fetchone()
        return Aktenplan(classes, folded, json.loads(row[0]) if row else [])


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


def current_titles(data_dir: Path, codes: Sequence[str]) -> dict[str, str]:
    """`AktenplanStore.titles` of the current plan ({} when none was imported)."""
    if not any(codes) or not app_db_exists(data_dir):
        return {}
    with AktenplanStore(data_dir) as store:
        return store.titles(codes)


def insert_version(conn: sqlite3.Connection, plan: Aktenplan, source_name: str) -> int:
    """Write `plan` as the next version inside the caller's transaction; returns its number."""
    cur = conn.execute(
        "INSERT INTO aktenplan_imports(imported_at, source_name, sha256, n_classes, warnings) VALUES (?,?,?,?,?)",
        (time.time(), source_name, plan_hash(plan), len(plan), json.dumps(plan.warnings, ensure_ascii=False)),
    )
    version = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO aktenplan_classes(version, code, title, parent, description, keywords, level, position) "
        "VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                version,
                c.code,
                c.title,
                c.parent,
                c.description,
                json.dumps(list(c.keywords), ensure_ascii=False),
                c.level,
                i,
            )
            for i, c in enumerate(plan.classes.values())
        ],
    )
    conn.executemany(
        "INSERT INTO aktenplan_folded(version, code, target) VALUES (?,?,?)",
        [(version, code, target) for code, target in plan.folded.items()],
    )
    return version


def plan_hash(plan: Aktenplan) -> str:
    """The content hash of a plan (classes in order and folded codes)."""
    h = hashlib.sha256()
    for c in plan.classes.values():
        h.update(json.dumps([c.code, c.title, c.parent, c.description, list(c.keywords)], ensure_ascii=False).encode())
    h.update(json.dumps(sorted(plan.folded.items())).encode())
    return h.hexdigest()


def load_current_plan(data_dir: Path) -> Aktenplan | None:
    """The current plan, or None (also when the database does not exist yet)."""
    if not app_db_exists(data_dir):
        return None
    with AktenplanStore(data_dir) as store:
        return store.load()
