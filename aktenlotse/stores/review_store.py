"""The review's tables in the app database: decisions on Aktenplan suggestions and the
models trained from them.

Decisions are keyed by content hash AND path: a moved file keeps its decision (same
content), a file edited in place keeps it too (same path). Only storage: who may decide
and what a valid decision is stays in `aktenlotse.services.review`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aktenlotse.stores.appdb import AppTables

DECISIONS = {"accept": "übernommen", "reassign": "andere Klasse", "skip": "nicht migrieren"}
_COLUMNS = "source, path, content_hash, code, decision, comment, reviewer, at"


@dataclass(frozen=True)
class DocRef:
    """One document as the review knows it."""

    source: str
    path: str
    content_hash: str | None


@dataclass(frozen=True)
class Decision:
    """One reviewer's decision on one document (the newest one counts)."""

    source: str
    path: str
    content_hash: str | None
    code: str | None
    decision: str
    comment: str
    reviewer: str
    at: float

    @property
    def label(self) -> str:
        """The decision in German, for pages and exports."""
        return DECISIONS.get(self.decision, self.decision)


@dataclass(frozen=True)
class ModelRun:
    """One training run of the supervised model as the review keeps it: who trained, on how
    many decisions, how it did on the held-back ones, and its held-out top-1 mistakes
    (decided class, class the model put first, count)."""

    trained_by: str
    n_decisions: int
    n_heldout: int
    top1: float | None
    top3: float | None
    confusions: Sequence[tuple[str, str, int]] = ()


class ReviewTables(AppTables):
    """Reads and writes of the review's rows; one connection of `appdb.open_app_db`."""

    def add_decisions(
        self, docs: Sequence[DocRef], *, decision: str, code: str | None, comment: str, reviewer: str
    ) -> None:
        """One decision row per document, all in one transaction, all at the same time."""
        now = time.time()
        with self._conn:
            self._conn.executemany(
                "INSERT INTO review_decisions (source, path, content_hash, code, decision, comment, reviewer, at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(d.source, d.path, d.content_hash, code, decision, comment, reviewer, now) for d in docs],
            )

    def decision_for(self, doc: DocRef) -> Decision | None:
        """The newest decision for this content (wherever it lies now) or this path."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM review_decisions"
            " WHERE (content_hash = ? AND content_hash IS NOT NULL) OR (source = ? AND path = ?)"
            " ORDER BY at DESC, id DESC LIMIT 1",
            (doc.content_hash, doc.source, doc.path),
        ).fetchone()
        return Decision(*row) if row else None

    def decisions_for(self, docs: Sequence[DocRef]) -> dict[DocRef, Decision]:
        """`decision_for` for many documents in two queries (the export's hot path)."""
        by_hash: dict[str, Decision] = {}
        by_path: dict[tuple[str, str], Decision] = {}
        hashes = sorted({d.content_hash for d in docs if d.content_hash})
        paths_by_source: dict[str, set[str]] = {}
        for d in docs:
            paths_by_source.setdefault(d.source, set()).add(d.path)
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            for row in self._conn.execute(
                f"SELECT {_COLUMNS} FROM review_decisions WHERE content_hash IN "
                f"({','.join('?' * len(part))}) ORDER BY at, id",
                part,
            ):
                by_hash[row[2]] = Decision(*row)  # ascending: the newest wins
        for source, source_paths in paths_by_source.items():
            paths = sorted(source_paths)
            for start in range(0, len(paths), 500):
                part = paths[start : start + 500]
                # source first: the (source, path) index answers it, no scan of all decisions
                for row in self._conn.execute(
                    f"SELECT {_COLUMNS} FROM review_decisions WHERE source = ? AND path IN "
                    f"({','.join('?' * len(part))}) ORDER BY at, id",
                    [source, *part],
                ):
                    by_path[(row[0], row[1])] = Decision(*row)
        found = {}
        for doc in docs:
            candidates = [
                d
                for d in (
                    by_hash.get(doc.content_hash) if doc.content_hash else None,
                    by_path.get((doc.source, doc.path)),
                )
                if d is not None
            ]
            if candidates:
                found[doc] = max(candidates, key=lambda d: d.at)
        return found

    def latest_decisions(self) -> Iterator[Decision]:
        """The newest decision per content hash / path (for training and figures)."""
        seen: set[object] = set()
        for row in self._conn.execute(f"SELECT {_COLUMNS} FROM review_decisions ORDER BY at DESC, id DESC"):
            decision = Decision(*row)
            key = decision.content_hash or (decision.source, decision.path)
            if key in seen:
                continue
            seen.add(key)
            yield decision

    def add_model(self, run: ModelRun) -> None:
        """Record a training run, its held-out accuracy and its held-out top-1 mistakes,
        in one transaction."""
        with self._conn:
            cursor = self._conn.execute(
                "INSERT INTO review_models (at, trained_by, n_decisions, n_heldout, heldout_top1, heldout_top3)"
                " VALUES (?,?,?,?,?,?)",
                (time.time(), run.trained_by, run.n_decisions, run.n_heldout, run.top1, run.top3),
            )
            self._conn.executemany(
                "INSERT INTO review_model_confusions (model_id, expected, predicted, n) VALUES (?,?,?,?)",
                [(cursor.lastrowid, expected, predicted, n) for expected, predicted, n in run.confusions],
            )

    def latest_model_confusions(self) -> list[tuple[str, str, int]]:
        """The held-out top-1 mistakes of the newest training run, most frequent first."""
        return [
            (expected, predicted, n)
            for expected, predicted, n in self._conn.execute(
                "SELECT expected, predicted, n FROM review_model_confusions"
                " WHERE model_id = (SELECT max(id) FROM review_models) ORDER BY n DESC, expected, predicted"
            )
        ]

    def latest_model(self) -> dict | None:
        """The newest training record, as a dict of its columns."""
        cursor = self._conn.execute("SELECT * FROM review_models ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None
