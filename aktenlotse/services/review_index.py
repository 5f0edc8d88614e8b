"""The AG DMS's decisions in the index, as `extra.aktenplan_decided`.

The Aktenplan facet counts a document under the class the AG DMS decided, else under
its best suggestion (`search.facet_values`). `DecisionsPass` copies the newest decision
per document from the review store into that field: a Pass (`pipeline.passes`) that owns
only `extra.aktenplan_decided`. A decision follows the content (by content hash, else by
path, as `ReviewStore.decision_for`); "nicht migrieren" (skip) names no class and clears
the field. `aktenlotse enrich` and `aktenlotse crawl` run it after the other passes, so
the facet shows a decision from the next run on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aktenlotse.core.config import Config
from aktenlotse.pipeline.app import open_backend
from aktenlotse.pipeline.passes import OwnFieldsIndex, run_passes
from aktenlotse.search.backend import FieldUpdate, PassIndex
from aktenlotse.search.vector_store import content_key
from aktenlotse.services.review import APP_DB_NAME, Decision, ReviewStore
from aktenlotse.stores.statedb import StateDB

BATCH = 200
DECIDED = "aktenplan_decided"


@dataclass
class DecisionStats:
    """What one run of the decisions pass did."""

    documents: int = 0  # documents with a decision
    updated: int = 0  # whose field changed
    refused: list[str] = field(default_factory=list)  # re-indexed meanwhile: the next run sets them

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data."""
        return {"documents": self.documents, "updated": self.updated, "refused": len(self.refused)}


class DecisionsPass:
    """Writes the newest decision of each decided document to `extra.aktenplan_decided`."""

    name = "decisions"
    fields = frozenset({f"extra.{DECIDED}"})

    def __init__(self, state: StateDB, index: PassIndex, store: ReviewStore):
        self.state = state
        self.index = OwnFieldsIndex(index, self.name, self.fields)
        self.store = store

    def run(self, limit: int | None = None, progress: Callable[[DecisionStats], None] | None = None) -> DecisionStats:
        """Bring the field of at most `limit` decided documents up to date."""
        stats = DecisionStats()
        codes: dict[str, str | None] = {}
        for decision in self.store.latest_decisions():  # newest first: the first one wins
            for doc_id in self._doc_ids(decision):
                codes.setdefault(doc_id, decision.code if decision.decision != "skip" else None)
        ids = sorted(codes)[:limit] if limit is not None else sorted(codes)
        stats.documents = len(ids)
        for start in range(0, len(ids), BATCH):
            updates = []
            for doc in self.index.fetch_untrimmed(ids[start : start + BATCH]):
                code = codes[doc.id]
                value = {"code": code} if code else None
                if doc.extra.get(DECIDED) != value:
                    key = content_key(doc.content_hash, doc.title, doc.text)
                    updates.append(FieldUpdate(doc.id, {"extra": {DECIDED: value}}, key))
            if updates:
                written = set(self.index.update_fields(updates))
                stats.updated += len(written)
                stats.refused += [u.doc_id for u in updates if u.doc_id not in written]
            if progress is not None:
                progress(stats)
        return stats

    def _doc_ids(self, decision: Decision) -> list[str]:
        if decision.content_hash:
            rows = self.state.items_with_hash(decision.source, decision.content_hash)
            if rows:
                return [row.id for row in rows]
        folder, _, name = decision.path.rpartition("/")
        row = self.state.items_in_folder(decision.source, folder).get(name)
        return [row.id] if row is not None else []


def record_decisions_in_index(config: Config, limit: int | None = None) -> dict[str, dict[str, Any]]:
    """Run the decisions pass over the configured index; {} while nothing was decided
    (no review store exists yet, and none is created here)."""
    if not (config.data_dir / APP_DB_NAME).exists():
        return {}
    store = ReviewStore(config.data_dir)
    state = StateDB(config.state_db)
    backend = open_backend(config)
    try:
        return run_passes([DecisionsPass(state, backend, store)], limit)
    finally:
        backend.close()
        state.close()
        store.close()
