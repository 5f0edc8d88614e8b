"""Folds of Aktenplan classes in the app database: a new plan version and the decisions
moved with it, written in ONE transaction, so a crash leaves either the old plan with the
old decisions or the new plan with the moved ones, never a mix.

Each moved decision row keeps its id; `aktenplan_fold_moves` records the code it had, so
an undo writes back exactly what was there. An undo copies the version before the fold as
the newest one; a plan imported since the fold (other content) makes the undo refuse.
Only storage: which codes may be folded and who may do it is decided in
`aktenlotse.services.aktenplan_fold`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.stores.aktenplan_store import insert_version
from aktenlotse.stores.appdb import AppTables, open_app_db


class PlanChanged(Exception):
    """The current plan version is not the one the fold or undo was computed for."""


@dataclass(frozen=True)
class FoldRecord:
    """One applied fold (undone_at set once it was undone)."""

    id: int
    at: float
    reviewer: str
    codes: tuple[str, ...]
    target: str
    from_version: int
    to_version: int
    moved: int
    undone_at: float | None = None
    undone_by: str | None = None
    undo_version: int | None = None  # the version the undo made (the plan before the fold)


class FoldTables(AppTables):
    """Writes and reads of folds; a connection of `appdb.open_app_db` of its own."""

    def __init__(self, data_dir: Path):
        super().__init__(open_app_db(data_dir))

    def apply(
        self, plan: Aktenplan, codes: tuple[str, ...], target: str, *, from_version: int, reviewer: str, label: str
    ) -> FoldRecord:
        """Store `plan` (the plan with `codes` folded into `target`) as a new version and move
        every decision row of `codes` to `target`, both in one transaction. Raises
        PlanChanged (nothing written) when the current version is no longer `from_version`."""
        now = time.time()
        marks = ",".join("?" * len(codes))
        try:
            # IMMEDIATE: the check of the current version and the writes see the same database
            self._conn.execute("BEGIN IMMEDIATE")
            self._require_current(from_version)
            to_version = insert_version(self._conn, plan, label)
            cur = self._conn.execute(
                "INSERT INTO aktenplan_folds(at, reviewer, codes, target, from_version, to_version)"
                " VALUES (?,?,?,?,?,?)",
                (now, reviewer, json.dumps(list(codes), ensure_ascii=False), target, from_version, to_version),
            )
            fold_id = int(cur.lastrowid or 0)
            self._conn.execute(
                "INSERT INTO aktenplan_fold_moves(fold_id, decision_id, old_code) "
                f"SELECT ?, id, code FROM review_decisions WHERE code IN ({marks})",
                (fold_id, *codes),
            )
            moved = self._conn.execute(
                f"UPDATE review_decisions SET code = ? WHERE code IN ({marks})", (target, *codes)
            ).rowcount
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise
        return FoldRecord(fold_id, now, reviewer, codes, target, from_version, to_version, moved)

    def undo(self, fold: FoldRecord, reviewer: str) -> FoldRecord:
        """Give every moved decision row its old code back and make the plan before the
        fold current again, as a new version with that version's rows (numbers only grow:
        an export or a log naming a version always means one content), in one transaction.
        Raises PlanChanged (nothing written) when the current plan is no longer the fold's."""
        now = time.time()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            current = self._current()
            if current is None or self._hash(current) != self._hash(fold.to_version):
                raise PlanChanged(current)
            self._conn.execute(
                "UPDATE review_decisions SET code = (SELECT old_code FROM aktenplan_fold_moves m "
                "WHERE m.fold_id = ? AND m.decision_id = review_decisions.id) "
                "WHERE id IN (SELECT decision_id FROM aktenplan_fold_moves WHERE fold_id = ?)",
                (fold.id, fold.id),
            )
            restored = self._copy_version(fold.from_version, f"Rückgängig: {', '.join(fold.codes)} → {fold.target}")
            self._conn.execute(
                "UPDATE aktenplan_folds SET undone_at = ?, undone_by = ?, undo_version = ? WHERE id = ?",
                (now, reviewer, restored, fold.id),
            )
            self._conn.commit()
        except BaseException:
            self._conn.rollback()
            raise
        return replace(fold, undone_at=now, undone_by=reviewer, undo_version=restored)

    def _copy_version(self, version: int, source_name: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO aktenplan_imports(imported_at, source_name, sha256, n_classes, warnings) "
            "SELECT ?, ?, sha256, n_classes, warnings FROM aktenplan_imports WHERE version = ?",
            (time.time(), source_name, version),
        )
        new = int(cur.lastrowid or 0)
        self._conn.execute(
            "INSERT INTO aktenplan_classes(version, code, title, parent, description, keywords, level, position) "
            "SELECT ?, code, title, parent, description, keywords, level, position FROM aktenplan_classes "
            "WHERE version = ?",
            (new, version),
        )
        self._conn.execute(
            "INSERT INTO aktenplan_folded(version, code, target) SELECT ?, code, target FROM aktenplan_folded "
            "WHERE version = ?",
            (new, version),
        )
        return new

    def last_open(self) -> FoldRecord | None:
        """The newest fold not undone yet (what an undo would take back)."""
        folds = [f for f in self.history() if f.undone_at is None]
        return folds[-1] if folds else None

    def history(self) -> list[FoldRecord]:
        """Every fold, oldest first."""
        rows = self._conn.execute(
            "SELECT f.id, f.at, f.reviewer, f.codes, f.target, f.from_version, f.to_version, "
            "(SELECT COUNT(*) FROM aktenplan_fold_moves m WHERE m.fold_id = f.id), f.undone_at, f.undone_by, "
            "f.undo_version "
            "FROM aktenplan_folds f ORDER BY f.id"
        ).fetchall()
        return [FoldRecord(r[0], r[1], r[2], tuple(json.loads(r[3])), *r[4:]) for r in rows]

    def _current(self) -> int | None:
        row = self._conn.execute("SELECT MAX(version) FROM aktenplan_imports").fetchone()
        return row[0] if row else None

    def _hash(self, version: int) -> str | None:
        row = self._conn.execute("SELECT sha256 FROM aktenplan_imports WHERE version = ?", (version,)).fetchone()
        return row[0] if row else None

    def _require_current(self, version: int) -> None:
        current = self._current()
        if current != version:
            raise PlanChanged(current)
