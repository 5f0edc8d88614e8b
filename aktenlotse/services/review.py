"""The AG DMS review: decisions on Aktenplan suggestions, learning from them, and the
migration list for the DMS vendor.

Decisions live in the app database (`aktenlotse.stores.review_store`), keyed by content
hash AND path: a moved file keeps its decision (same content), a file edited in place
keeps it too (same path). Every write checks the reviewer's roles here, not only in the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.core.visibility import DMS_ROLES
from aktenlotse.search.backend import Backend
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.review_store import DECISIONS, Decision, DocRef, ReviewTables
from aktenlotse.stores.statedb import StateDB

REVIEW_ROLES = DMS_ROLES


class ReviewError(UserFacingError):
    """`message` is for the user (German)."""


class NotAllowed(ReviewError):
    """The user's roles do not allow this write."""


def can_review(roles: Iterable[str]) -> bool:
    """Whether these roles may decide on Aktenplan suggestions."""
    return bool(REVIEW_ROLES.intersection(roles))


class ReviewStore:
    """The review's decisions, each write checked against the reviewer's roles."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._tables = ReviewTables(open_app_db(data_dir))

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

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
        self._tables.add_decisions(docs, decision=decision, code=code, comment=comment, reviewer=reviewer)
        return len(docs)

    def decision_for(self, doc: DocRef) -> Decision | None:
        """The newest decision for this content (wherever it lies now) or this path."""
        return self._tables.decision_for(doc)

    def decisions_for(self, docs: Sequence[DocRef]) -> dict[DocRef, Decision]:
        """`decision_for` for many documents at once (a few queries, not one per document)."""
        return self._tables.decisions_for(docs)

    def latest_decisions(self) -> Iterator[Decision]:
        """The newest decision per content hash / path (for training and figures)."""
        return self._tables.latest_decisions()

    def stale_decisions(self, known_codes: Iterable[str]) -> list[Decision]:
        """Decisions for a class that the current Aktenplan no longer has: flagged, not lost."""
        codes = set(known_codes)
        return [d for d in self.latest_decisions() if d.code and d.code not in codes]

    def record_model(
        self,
        trained_by: str,
        n_decisions: int,
        n_heldout: int,
        top1: float | None,
        top3: float | None,
        confusions: Sequence[tuple[str, str, int]] = (),
    ) -> None:
        """Record a training run, its held-out accuracy and its held-out top-1 mistakes."""
        self._tables.add_model(trained_by, n_decisions, n_heldout, top1, top3, confusions)

    def latest_model(self) -> dict | None:
        """The newest training record, as a dict of its columns."""
        return self._tables.latest_model()

    def latest_model_confusions(self) -> list[tuple[str, str, int]]:
        """(expected, predicted, count) of the newest training run's held-out mistakes."""
        return self._tables.latest_model_confusions()


# -- the documents under review ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    """One document as the review page lists it: its suggestions and newest decision."""

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
    for source, folder, n in state.folder_counts():
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
    backend: Backend,
    store: ReviewStore,
    source: str,
    folder: str,
    recursive: bool = False,
    *,
    roles: Iterable[str],
) -> list[ReviewItem]:
    """The documents of a folder (and its sub-folders) with suggestions and decisions."""
    # recursive at the share root '': everything of the source
    rows = state.items_under(source, folder) if recursive else list(state.items_in_folder(source, folder).values())
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
    for rows in state.item_chunks(2000):
        refs = [(row.path.rpartition("/")[0], DocRef(row.source, row.path, row.content_hash)) for row in rows]
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
