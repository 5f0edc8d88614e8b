"""The audit's records read from the crawl (sizes, paths), the review (newest decisions)
and the index (first suggestion, keywords), chunk by chunk so that memory stays flat."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from aktenlotse.core.config import Config
from aktenlotse.search.backend import Backend
from aktenlotse.services.aktenplan_audit import Audit, AuditDoc, build_audit
from aktenlotse.services.review import ReviewStore
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.review_store import DocRef
from aktenlotse.stores.statedb import StateDB

CHUNK = 2000


def audit_docs(state: StateDB, store: ReviewStore, backend: Backend, roles: Iterable[str]) -> Iterator[AuditDoc]:
    """One record per crawled file; `roles` must hold a DMS role (the index is read
    regardless of the files' ACLs)."""
    roles = tuple(roles)
    for rows in state.item_chunks(CHUNK):
        refs = [DocRef(r.source, r.path, r.content_hash) for r in rows]
        decisions = store.decisions_for(refs)
        extras = {doc.id: doc.extra for doc in backend.dms_listing([r.id for r in rows], roles)}
        for row, ref in zip(rows, refs, strict=True):
            decision = decisions.get(ref)
            extra = extras.get(row.id, {})
            suggestions = extra.get("aktenplan") or []
            yield AuditDoc(
                row.source,
                row.path,
                row.size,
                decided=decision.code if decision is not None else None,
                suggested=str(suggestions[0].get("code")) if suggestions and suggestions[0].get("code") else None,
                reassigned=decision is not None and decision.decision == "reassign",
                keywords=tuple(str(k) for k in extra.get("keywords") or ()),
                skipped=decision is not None and decision.decision == "skip",
            )


def audit_for(config: Config, backend: Backend, roles: Iterable[str]) -> Audit | None:
    """The audit of the current plan over everything crawled; None without a plan. Before
    the first crawl the audit has no documents (every class is empty)."""
    plan = load_current_plan(config.data_dir)
    if plan is None:
        return None
    store = ReviewStore(config.data_dir)
    try:
        mistakes = store.latest_model_confusions()
        if not config.state_db.exists():
            return build_audit(plan, [], model_mistakes=mistakes)
        state = StateDB(config.state_db)
        try:
            return build_audit(plan, audit_docs(state, store, backend, roles), model_mistakes=mistakes)
        finally:
            state.close()
    finally:
        store.close()
