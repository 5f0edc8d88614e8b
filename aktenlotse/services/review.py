"""The AG DMS review: decisions on Aktenplan suggestions, learning from them, and the
migration list for the DMS vendor.

Decisions live in the app database (data_dir/app.sqlite), keyed by content hash AND
path: a moved file keeps its decision (same content), a file edited in place keeps it too
(same path). Every write checks the reviewer's roles here, not only in the page.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.visibility import DMS_ROLES
from aktenlotse.stores.statedb import ITEM_COLUMNS, StateDB, row_to_item, to_text

APP_DB_NAME = "app.sqlite"
REVIEW_ROLES = DMS_ROLES
DECISIONS = {"accept": "übernommen", "reassign": "andere Klasse", "skip": "nicht migrieren"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    content_hash TEXT,
    code TEXT,
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS review_by_hash ON review_decisions(content_hash);
CREATE INDEX IF NOT EXISTS review_by_path ON review_decisions(source, path);
CREATE TABLE IF NOT EXISTS review_models (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    trained_by TEXT NOT NULL,
    n_decisions INTEGER NOT NULL,
    n_heldout INTEGER NOT NULL,
    heldout_top1 REAL,
    heldout_top3 REAL
);
"""


class ReviewError(Exception):
    """`message` is for the user (German)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(ReviewError):
    pass


@dataclass(frozen=True)
class DocRef:
    """One document as the review knows it."""

    source: str
    path: str
    content_hash: str | None


@dataclass(frozen=True)
class Decision:
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
        return DECISIONS.get(self.decision, self.decision)


def can_review(roles: Iterable[str]) -> bool:
    return bool(REVIEW_ROLES.intersection(roles))


class ReviewStore:
    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.conn = sqlite3.connect(str(data_dir / APP_DB_NAME), timeout=30, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()

    def decide(
        self,
        docs: Sequence[DocRef],
        *,
        decision: str,
        code: str | None,
        reviewer: str,
        roles: Iterable[str],
        comment: str = "",
        known_codes: Iterable[str] | None = None,
    ) -> int:
        """Record one decision for each document (one transaction); returns how many."""
        if not can_review(roles):
            raise NotAllowed("Nur die AG DMS und Administratoren können Aktenplan-Vorschläge entscheiden.")
        if decision not in DECISIONS:
            raise ReviewError(f"Unbekannte Entscheidung {decision!r}.")
        if decision == "skip":
            code = None
        elif not code:
            raise ReviewError("Bitte eine Aktenplan-Klasse wählen.")
        elif known_codes is not None and code not in set(known_codes):
            raise ReviewError(f"Die Klasse {code} gibt es im aktuellen Aktenplan nicht.")
        now = time.time()
        with self.conn:
            self.conn.executemany(
                "INSERT INTO review_decisions (source, path, content_hash, code, decision, comment, reviewer, at)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(d.source, d.path, d.content_hash, code, decision, comment, reviewer, now) for d in docs],
            )
        return len(docs)

    def decision_for(self, doc: DocRef) -> Decision | None:
        """The newest decision for this content (wherever it lies now) or this path."""
        row = self.conn.execute(
            "SELECT source, path, content_hash, code, decision, comment, reviewer, at FROM review_decisions"
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
        columns = "source, path, content_hash, code, decision, comment, reviewer, at"
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            for row in self.conn.execute(
                f"SELECT {columns} FROM review_decisions WHERE content_hash IN "
                f"({','.join('?' * len(part))}) ORDER BY at, id",
                part,
            ):
                by_hash[row[2]] = Decision(*row)  # ascending: the newest wins
        for source, source_paths in paths_by_source.items():
            paths = sorted(source_paths)
            for start in range(0, len(paths), 500):
                part = paths[start : start + 500]
                # source first: the (source, path) index answers it, no scan of all decisions
                for row in self.conn.execute(
                    f"SELECT {columns} FROM review_decisions WHERE source = ? AND path IN "
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
        seen: set[str | tuple[str, str]] = set()
        for row in self.conn.execute(
            "SELECT source, path, content_hash, code, decision, comment, reviewer, at FROM review_decisions"
            " ORDER BY at DESC, id DESC"
        ):
            decision = Decision(*row)
            key = decision.content_hash or (decision.source, decision.path)
            if key in seen:
                continue
            seen.add(key)
            yield decision

    def stale_decisions(self, known_codes: Iterable[str]) -> list[Decision]:
        """Decisions for a class that the current Aktenplan no longer has: flagged, not lost."""
        codes = set(known_codes)
        return [d for d in self.latest_decisions() if d.code and d.code not in codes]

    def record_model(
        self, trained_by: str, n_decisions: int, n_heldout: int, top1: float | None, top3: float | None
    ) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO review_models (at, trained_by, n_decisions, n_heldout, heldout_top1, heldout_top3)"
                " VALUES (?,?,?,?,?,?)",
                (time.time(), trained_by, n_decisions, n_heldout, top1, top3),
            )

    def latest_model(self) -> dict | None:
        cursor = self.conn.execute("SELECT * FROM review_models ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


# -- the documents under review ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    id: str
    ref: DocRef
    title: str
    suggestions: list[dict]
    decision: Decision | None


@dataclass(frozen=True)
class ReviewFolder:
    """A folder as the review lists it: files of its own and files below it."""

    source: str
    path: str
    own_files: int
    files_below: int  # including its own


def folders(state: StateDB) -> list[ReviewFolder]:
    """Every folder that holds files, itself or in a sub-folder (a department folder with
    only sub-folders must be listed, or it cannot be decided "mit Unterordnern" at once).
    The share root is listed only when it holds files of its own."""
    own: dict[tuple[str, str], int] = {}
    below: dict[tuple[str, str], int] = {}
    rows = state.conn.execute("SELECT source, folder, count(*) FROM items GROUP BY source, folder")
    for source, raw, n in rows.fetchall():
        folder = to_text(raw)
        own[(source, folder)] = n
        parts = folder.split("/") if folder else []
        for key in [(source, "")] + [(source, "/".join(parts[:depth])) for depth in range(1, len(parts) + 1)]:
            below[key] = below.get(key, 0) + n
    listed = [key for key in below if key[1] or key in own]
    return [
        ReviewFolder(source, folder, own.get((source, folder), 0), below[(source, folder)])
        for source, folder in sorted(listed)
    ]


def items_below(
    state: StateDB,
    backend,
    store: ReviewStore,
    source: str,
    folder: str,
    recursive: bool = False,
    *,
    roles: Iterable[str],
) -> list[ReviewItem]:
    """The documents of a folder (and its sub-folders) with suggestions and decisions;
    `roles` of the reviewer must include a DMS role (`visibility.DmsRoleRequired` otherwise)."""
    if recursive and not folder:  # the share root: everything of the source
        rows = [
            row_to_item(r) for r in state.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ?", (source,))
        ]
    elif recursive:
        rows = list(state.items_below(source, folder))
    else:
        rows = list(state.items_in_folder(source, folder).values())
    rows.sort(key=lambda r: r.path)
    docs = {d.id: d for d in backend.dms_listing([r.id for r in rows], roles)} if rows else {}
    refs = [DocRef(source, row.path, row.content_hash) for row in rows]
    decisions = store.decisions_for(refs)
    items = []
    for row, ref in zip(rows, refs, strict=True):
        doc = docs.get(row.id)
        items.append(
            ReviewItem(
                id=row.id,
                ref=ref,
                title=doc.title if doc else row.path.rsplit("/", 1)[-1],
                suggestions=list((doc.extra.get("aktenplan") if doc else None) or []),
                decision=decisions.get(ref),
            )
        )
    return items


def progress(state: StateDB, store: ReviewStore) -> dict:
    """How far the review is: documents and folders decided, by class and by department."""
    total_docs = 0
    decided_docs = 0
    by_class: dict[str, int] = {}
    by_department: dict[str, list[int]] = {}
    folder_state: dict[tuple[str, str], list[int]] = {}
    cursor = state.conn.execute("SELECT source, folder, name, content_hash FROM items")
    while rows := cursor.fetchmany(2000):
        refs = []
        for source, folder, name, content_hash in rows:
            folder_text = to_text(folder)
            path = f"{folder_text}/{to_text(name)}" if folder_text else to_text(name)
            refs.append((folder_text, DocRef(source, path, content_hash)))
        decisions = store.decisions_for([ref for _, ref in refs])  # one look-up per chunk, not per file
        for folder_text, ref in refs:
            decision = decisions.get(ref)
            department = folder_text.split("/", 1)[0] or "(Wurzel)"
            counts = by_department.setdefault(department, [0, 0])
            counts[0] += 1
            per_folder = folder_state.setdefault((ref.source, folder_text), [0, 0])
            per_folder[0] += 1
            total_docs += 1
            if decision is not None:
                decided_docs += 1
                counts[1] += 1
                per_folder[1] += 1
                label = decision.code or DECISIONS["skip"]
                by_class[label] = by_class.get(label, 0) + 1
    return {
        "documents": total_docs,
        "documents_decided": decided_docs,
        "folders": len(folder_state),
        "folders_decided": sum(1 for n, d in folder_state.values() if d == n),
        "by_class": dict(sorted(by_class.items())),
        "by_department": {k: {"documents": v[0], "decided": v[1]} for k, v in sorted(by_department.items())},
    }
