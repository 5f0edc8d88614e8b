"""Learning from the AG DMS's decisions: train the supervised Aktenplan model, measure it
on held-back decisions first, so the review page can say how far to trust bulk accept."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from aktenlotse.core.config import Config
from aktenlotse.enrich.embeddings import Encoder
from aktenlotse.enrich.suggest import Suggester
from aktenlotse.search.backend import Backend
from aktenlotse.services.review import ReviewError, ReviewStore, can_review
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.statedb import StateDB

MIN_DECISIONS = 20
HELDOUT_SHARE = 0.2
# Undecided documents whose words shape the vocabulary of a retrained model (a sample:
# each text is fetched and lemmatised at every retraining).
UNLABELLED_SAMPLE = 1_000


@dataclass(frozen=True)
class TrainingReport:
    n_decisions: int
    n_heldout: int
    heldout_top1: float | None
    heldout_top3: float | None
    # (decided class, class the model put first, count) of the held-out mistakes
    confusions: tuple[tuple[str, str, int], ...] = ()


def _heldout(group: str) -> bool:
    """A stable ~20 % of folders is held back (by folder, so near-copies stay together)."""
    return int(hashlib.sha1(group.encode("utf-8")).hexdigest()[:8], 16) % 100 < HELDOUT_SHARE * 100


def evaluate_and_train(
    suggester: Suggester,
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str],
    titles: Sequence[str] | None = None,
    vectors: np.ndarray | None = None,
    unlabelled_texts: Sequence[str] = (),
) -> TrainingReport:
    """Train on the decisions outside the held-back folders, measure on those, then train
    on everything (the model that is kept). `unlabelled_texts`: undecided documents, whose
    words shape the model's vocabulary."""
    train_idx = [i for i, g in enumerate(groups) if not _heldout(g)]
    test_idx = [i for i, g in enumerate(groups) if _heldout(g)]
    top1 = top3 = None
    confusions: Counter[tuple[str, str]] = Counter()
    if len(train_idx) >= MIN_DECISIONS // 2 and test_idx and len({labels[i] for i in train_idx}) > 1:
        suggester.train(
            [texts[i] for i in train_idx],
            [labels[i] for i in train_idx],
            _pick(titles, train_idx),
            None if vectors is None else vectors[train_idx],
            [groups[i] for i in train_idx],
            unlabelled_texts,
        )
        results = suggester.suggest_many(
            [texts[i] for i in test_idx],
            _pick(titles, test_idx),
            vectors=None if vectors is None else vectors[test_idx],
        )
        expected = [suggester._to_level(labels[i]) for i in test_idx]
        top1 = sum(r[0].code == e for r, e in zip(results, expected, strict=True) if r) / len(test_idx)
        top3 = sum(e in [s.code for s in r[:3]] for r, e in zip(results, expected, strict=True)) / len(test_idx)
        confusions.update((e, r[0].code) for r, e in zip(results, expected, strict=True) if r and r[0].code != e)
    suggester.train(texts, labels, titles, vectors, groups, unlabelled_texts)
    mistakes = tuple((e, p, n) for (e, p), n in confusions.most_common())
    return TrainingReport(len(labels), len(test_idx), top1, top3, mistakes)


def _pick(values: Sequence[str] | None, rows: Sequence[int]) -> list[str] | None:
    """The values of these rows (None stays None: no titles given)."""
    return None if values is None else [values[i] for i in rows]


def _undecided_texts(backend: Backend, decided: set[str], roles: Iterable[str]) -> list[str]:
    """Texts of up to UNLABELLED_SAMPLE documents without a decision: a stable sample (by
    hash of the id), so retraining twice on the same decisions gives the same model."""
    undecided = sorted(backend.ids() - decided, key=lambda i: hashlib.sha1(i.encode("utf-8")).digest())
    return [doc.text for doc in backend.dms_listing(undecided[:UNLABELLED_SAMPLE], roles)]


def train_from_decisions(
    config: Config, backend: Backend, trained_by: str, roles: Iterable[str], encoder: Encoder | None = None
) -> TrainingReport:
    """Retrain from the current decisions (the review page's button and `aktenlotse review train`)."""
    from aktenlotse.enrich.suggest import Suggester

    if not can_review(roles):
        raise ReviewError("Nur die AG DMS und Administratoren können das Modell neu trainieren.")
    suggester = Suggester.load(config.data_dir, load_current_plan(config.data_dir), encoder)
    if suggester is None:
        raise ReviewError("Es ist kein Aktenplan importiert (aktenlotse aktenplan import DATEI).")
    store = ReviewStore(config.data_dir)
    state = StateDB(config.state_db)
    try:
        decided = [d for d in store.latest_decisions() if d.code and d.code in suggester.plan.classes]
        ids: list[str] = []
        labels: list[str] = []  # every decision here has a code (filtered above)
        groups: list[str] = []
        for decision in decided:
            rows = state.items_with_hash(decision.source, decision.content_hash) if decision.content_hash else []
            folder, _, name = decision.path.rpartition("/")
            row = rows[0] if rows else state.items_in_folder(decision.source, folder).get(name)
            if row is None:
                continue
            ids.append(row.id)
            labels.append(decision.code or "")
            groups.append(f"{decision.source}:{folder}")
        docs = {d.id: d for d in backend.dms_listing(ids, roles)}
        keep = [i for i, doc_id in enumerate(ids) if doc_id in docs]
        if len(keep) < MIN_DECISIONS:
            raise ReviewError(f"Zu wenige Entscheidungen zum Lernen ({len(keep)}; mindestens {MIN_DECISIONS}).")
        texts = [docs[ids[i]].text for i in keep]
        titles = [docs[ids[i]].title for i in keep]
        report = evaluate_and_train(
            suggester,
            texts,
            [labels[i] for i in keep],
            [groups[i] for i in keep],
            titles,
            unlabelled_texts=_undecided_texts(backend, set(ids), roles),
        )
        suggester.save_model(config.data_dir)
        store.record_model(
            trained_by,
            report.n_decisions,
            report.n_heldout,
            report.heldout_top1,
            report.heldout_top3,
            report.confusions,
        )
        return report
    finally:
        state.close()
        store.close()
