"""Folds of Aktenplan classes in the app database: a new plan version and the decisions
moved with it, written in ONE transaction, so a crash leaves either the old plan with the
old decisions or the new plan with the moved ones, never a mix.

Each moved decision row keeps its id; `aktenplan_fold_moves` records the code it had, so
an undo writes back exactly what was there. Only storage: which codes may be folded and
who may do it is decided in `aktenlotse.services.aktenplan_fold`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.stores.aktenplan_store import insert_version
from aktenlotse.stores.appdb import open_app_db


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


class FoldTables:
    """Writes and reads of folds; a connection of `appdb.open_app_db` of its own."""

    def __init__(self, data_dir: Path):
        self._db = open_app_db(data_dir)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> FoldTables:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
            self._db.execute("BEGIN IMMEDIATE")
            self._require_current(from_version)
            to_version = insert_version(self._db, plan, label)
            cur = self._db.execute(
                "INSERT INTO aktenplan_folds(at, reviewer, codes, target, from_version, to_version)"
                " VALUES (?,?,?,?,?,?)",
                (now, reviewer, json.dumps(list(codes), ensure_ascii=False), target, from_version, to_version),
            )
            fold_id = int(cur.lastrowid or 0)
            self._db.execute(
                "INSERT INTO aktenplan_fold_moves(fold_id, decision_id, old_code) "
                f"SELECT ?, id, code FROM review_decisions WHERE code IN ({marks})",
                (fold_id, *codes),
            )
            moved = self._db.execute(
                f"UPDATE review_decisions SET code = ? WHERE code IN ({marks})", (target, *codes)
            ).rowcount
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise
        return FoldRecord(fold_id, now, reviewer, codes, target, from_version, to_version, moved)

    def undo(self, fold: FoldRecord, reviewer: str) -> FoldRecord:
        """Give every moved decision row its old code back and remove the fold's plan
        version (the previous one is current again), in one transaction. Raises
        PlanChanged (nothing written) when another version came after the fold."""
        now = time.time()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._require_current(fold.to_version)
            self._db.execute(
                "UPDATE review_decisions SET code = (SELECT old_code FROM aktenplan_fold_moves m "
                "WHERE m.fold_id = ? AND m.decision_id = review_decisions.id) "
                "WHERE id IN (SELECT decision_id FROM aktenplan_fold_moves WHERE fold_id = ?)",
                (fold.id, fold.id),
            )
            for table in ("aktenplan_folded", "aktenplan_classes", "aktenplan_imports"):
                self._db.execute(f"DELETE FROM {table} WHERE version = ?", (fold.to_version,))
            self._db.execute(
                "UPDATE aktenplan_folds SET undone_at = ?, undone_by = ? WHERE id = ?", (now, reviewer, fold.id)
            )
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise
        return FoldRecord(**{**fold.__dict__, "undone_at": now, "undone_by": reviewer})

    def last_open(self) -> FoldRecord | None:
        """The newest fold not undone yet (what an undo would take back)."""
        folds = [f for f in self.history() if f.undone_at is None]
        return folds[-1] if folds else None

    def history(self) -> list[FoldRecord]:
        """Every fold, oldest first."""
        rows = self._db.execute(
            "SELECT f.id, f.at, f.reviewer, f.codes, f.target, f.from_version, f.to_version, "
            "(SELECT COUNT(*) FROM aktenplan_fold_moves m WHERE m.fold_id = f.id), f.undone_at, f.undone_by "
            "FROM aktenplan_folds f ORDER BY f.id"
        ).fetchall()
        return [FoldRecord(r[0], r[1], r[2], tuple(json.loads(r[3])), *r[4:]) for r in rows]

    def _require_current(self, version: int) -> None:
        row = self._db.execute("SELECT MAX(version) FROM aktenplan_imports").fetchone()
        if not row or row[0] != version:
            raise PlanChanged(row[0] if row else None)
