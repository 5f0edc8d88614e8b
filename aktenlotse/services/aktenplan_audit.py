"""The Aktenplan audit for the AG DMS ("Aktenplan-Pflege"): per class what is decided and
suggested there, and where the plan needs care. Pure rules over `AuditDoc` records; the
records are read from the crawl, the review and the index in `aktenplan_audit_data`.

Where a document lies: its newest decision's class, else its first suggestion (a document
decided "nicht migrieren" lies nowhere). Folded codes count for the class they went into.

- Deep classes: deeper than the third level, proposed to be folded into their third-level
  ancestor, with the decided documents that would move.
- Empty classes: nothing decided or suggested in the class or below it.
- Overfull classes: see `is_overfull`; their documents' keywords give sub-topics as split
  candidates (`keyword_topics`).
- Confusion pairs, from two sources shown side by side: the held-out evaluation of the
  newest training run (`review train`: decisions of held-back folders whose class the
  model did not put first; kept with the run) and the review itself (a decision "andere
  Klasse" for class Y on a document whose first suggestion was X). Pairs are counted in
  both directions together.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from aktenlotse.enrich.aktenplan import MAX_LEVELS, Aktenplan

# "Far above the rest": more than OVERFULL_MEDIAN_FACTOR times the median class (the
# median, not the mean, so that the overfull class itself does not raise the bar), and at
# least OVERFULL_MIN_SHARE of all documents (with many small classes three times the median
# can still be a handful of documents, which no one would split). Below OVERFULL_MIN_DOCS
# documents a class is too small to split whatever its share.
OVERFULL_MEDIAN_FACTOR = 3.0
OVERFULL_MIN_SHARE = 0.10
OVERFULL_MIN_DOCS = 10
# A keyword on nearly every document of the class names the class, not a sub-topic.
TOPIC_MAX_SHARE = 0.8
TOPIC_MIN_DOCS = 2
MAX_TOPICS = 5
MIN_CONFUSIONS = 2
LISTED_DOCUMENTS = 50  # per deep class: the documents shown (all are counted)


@dataclass(frozen=True)
class AuditDoc:
    """One crawled document as the audit sees it."""

    source: str
    path: str
    size: int
    decided: str | None  # the newest decision's class (None: undecided or "nicht migrieren")
    suggested: str | None  # the first suggestion's class
    reassigned: bool = False  # the decision was "andere Klasse"
    keywords: tuple[str, ...] = ()
    skipped: bool = False  # decided "nicht migrieren": it lies in no class


@dataclass
class ClassFigures:
    """Documents, folders and bytes decided and suggested in one class (not below it)."""

    code: str
    title: str
    level: int
    decided: int = 0
    decided_bytes: int = 0
    decided_folders: int = 0
    suggested: int = 0
    suggested_bytes: int = 0


@dataclass(frozen=True)
class DeepClass:
    """A class below the third level and where it would go."""

    code: str
    title: str
    level: int
    target: str
    decided: int  # documents decided in it or below it (they would move)
    suggested: int
    documents: tuple[str, ...]  # "source:path" of the decided ones, the first LISTED_DOCUMENTS


@dataclass(frozen=True)
class Topic:
    """A sub-topic of an overfull class: its leading keyword with the ones that go with it."""

    keywords: tuple[str, ...]
    documents: int


@dataclass(frozen=True)
class OverfullClass:
    code: str
    title: str
    documents: int
    share: float
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class ConfusionPair:
    """Two classes the suggestions mix up: how often a decision went from one to the other."""

    first: str
    second: str
    count: int


@dataclass
class Audit:
    documents: int
    classes: list[ClassFigures]
    deep: list[DeepClass] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    overfull: list[OverfullClass] = field(default_factory=list)
    confusions: list[ConfusionPair] = field(default_factory=list)
    unknown_codes: dict[str, int] = field(default_factory=dict)  # decided for a class the plan lacks
    confusion_source: str = "Entscheidungen „andere Klasse“ gegen den ersten Vorschlag"
    # From the newest training run's held-out evaluation (empty before the first training).
    model_confusions: list[ConfusionPair] = field(default_factory=list)
    model_confusion_source: str = "zurückgehaltene Entscheidungen des letzten Trainings, erster Vorschlag falsch"


def build_audit(
    plan: Aktenplan,
    docs: Iterable[AuditDoc],
    min_confusions: int = MIN_CONFUSIONS,
    model_mistakes: Iterable[tuple[str, str, int]] = (),
) -> Audit:
    """The audit of `plan` over `docs` (see the module text for the rules); `model_mistakes`
    are the held-out (decided, predicted, count) of the newest training run."""
    figures = {c.code: ClassFigures(c.code, c.title, c.level) for c in plan.classes.values()}
    folders: dict[str, set[tuple[str, str]]] = {}
    decided_docs: dict[str, list[str]] = {}
    placed: Counter[str] = Counter()
    keywords: dict[str, list[tuple[str, ...]]] = {}
    pairs: Counter[tuple[str, str]] = Counter()
    unknown: Counter[str] = Counter()
    total = 0
    for doc in docs:
        total += 1
        decided, suggested = plan.current_code(doc.decided), plan.current_code(doc.suggested)
        if doc.decided and decided is None:
            unknown[doc.decided] += 1
        if decided is not None:
            f = figures[decided]
            f.decided += 1
            f.decided_bytes += doc.size
            folders.setdefault(decided, set()).add((doc.source, doc.path.rpartition("/")[0]))
            decided_docs.setdefault(decided, []).append(f"{doc.source}:{doc.path}")
        if suggested is not None:
            figures[suggested].suggested += 1
            figures[suggested].suggested_bytes += doc.size
        where = None if doc.skipped else decided or (suggested if not doc.decided else None)
        if where is not None:
            placed[where] += 1
            keywords.setdefault(where, []).append(doc.keywords)
        if doc.reassigned and decided and suggested and decided != suggested:
            first, second = sorted((suggested, decided))
            pairs[(first, second)] += 1
    for code, seen in folders.items():
        figures[code].decided_folders = len(seen)
    audit = Audit(total, list(figures.values()), unknown_codes=dict(unknown.most_common()))
    audit.deep = _deep(plan, figures, decided_docs)
    audit.empty = [c.code for c in plan.classes.values() if not _subtree_has_documents(plan, c.code, figures)]
    counts = [n for n in placed.values() if n > 0]
    audit.overfull = [
        OverfullClass(code, figures[code].title, n, n / total, keyword_topics(keywords.get(code, [])))
        for code, n in placed.most_common()
        if is_overfull(n, counts, total)
    ]
    audit.confusions = [ConfusionPair(a, b, n) for (a, b), n in pairs.most_common() if n >= min_confusions]
    audit.model_confusions = model_confusion_pairs(plan, model_mistakes, min_confusions)
    return audit


def model_confusion_pairs(
    plan: Aktenplan, mistakes: Iterable[tuple[str, str, int]], min_confusions: int = MIN_CONFUSIONS
) -> list[ConfusionPair]:
    """Held-out mistakes as unordered pairs of current classes (folded codes count for
    their target; a class gone from the plan is left out), most frequent first."""
    pairs: Counter[tuple[str, str]] = Counter()
    for expected, predicted, n in mistakes:
        first, second = plan.current_code(expected), plan.current_code(predicted)
        if first and second and first != second:
            pairs[(min(first, second), max(first, second))] += n
    return [ConfusionPair(a, b, n) for (a, b), n in pairs.most_common() if n >= min_confusions]


def is_overfull(count: int, counts: list[int], total: int) -> bool:
    """Whether a class with `count` of `total` documents is far above the other classes
    (`counts`: the documents of every class holding any; see the constants for why)."""
    if total == 0 or len(counts) < 2 or count < OVERFULL_MIN_DOCS:
        return False
    return count > OVERFULL_MEDIAN_FACTOR * statistics.median(counts) and count / total >= OVERFULL_MIN_SHARE


def keyword_topics(doc_keywords: list[tuple[str, ...]]) -> tuple[Topic, ...]:
    """Sub-topics of a class's documents, explainable by their keywords: the most frequent
    keywords that are not on (nearly) every document each lead a topic; a document joins
    the first leading keyword it carries; a topic is named by its leader and the two
    keywords most frequent among its own documents."""
    n = len(doc_keywords)
    frequency = Counter(k.lower() for kws in doc_keywords for k in dict.fromkeys(kws))
    leaders = [k for k, c in frequency.most_common() if TOPIC_MIN_DOCS <= c <= TOPIC_MAX_SHARE * n][:MAX_TOPICS]
    members: dict[str, list[set[str]]] = {k: [] for k in leaders}
    for kws in doc_keywords:
        lowered = {k.lower() for k in kws}
        for leader in leaders:
            if leader in lowered:
                members[leader].append(lowered)
                break
    topics = []
    for leader in leaders:
        if len(members[leader]) < TOPIC_MIN_DOCS:
            continue
        beside = Counter(k for kws in members[leader] for k in kws if k != leader)
        topics.append(Topic((leader, *[k for k, _ in beside.most_common(2)]), len(members[leader])))
    return tuple(topics)


def _deep(plan: Aktenplan, figures: dict[str, ClassFigures], decided_docs: dict[str, list[str]]) -> list[DeepClass]:
    out = []
    for c in plan.classes.values():
        if c.level != MAX_LEVELS + 1:  # the top of a deep branch: folding it takes the rest along
            continue
        codes = [c.code, *(d.code for d in plan.descendants(c.code))]
        documents = [p for code in codes for p in decided_docs.get(code, [])]
        out.append(
            DeepClass(
                c.code,
                c.title,
                c.level,
                plan.ancestor_at(c.code, MAX_LEVELS) or "",
                sum(figures[code].decided for code in codes),
                sum(figures[code].suggested for code in codes),
                tuple(documents[:LISTED_DOCUMENTS]),
            )
        )
    return out


def _subtree_has_documents(plan: Aktenplan, code: str, figures: dict[str, ClassFigures]) -> bool:
    codes = [code, *(d.code for d in plan.descendants(code))]
    return any(figures[c].decided or figures[c].suggested for c in codes)
