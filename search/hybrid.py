"""Hybrid ranking: one ranked list from a lexical (BM25) and a semantic (cosine) list.

Both backends call `fuse` with their own raw scores, so hybrid results agree between them.

Why not plain reciprocal rank fusion: RRF throws the scores away. When BM25 is sure (one
document far ahead) or the embedding is sure, rank positions hide it, and on German
administrative questions RRF (k=60) ranks worse than BM25 alone (docs/evaluation-search.md).
`fuse` keeps the score shape instead: BM25 divided by the best BM25 of the query (BM25 has
no upper bound but its ratio to the best is comparable across queries), cosine rescaled
between the best and the `DEPTH`-th semantic candidate (cosines of one model sit in a
narrow band, so their spread, not their level, carries the signal), then a weighted sum.
Both lists are cut at `DEPTH`, so a backend that returns only its top `DEPTH` kNN
candidates (Elasticsearch) gets the same ranking as one that scores everything.
"""

from __future__ import annotations

from collections.abc import Sequence

# Share of the lexical side. Tuned on ragsource dev (flat between 0.55 and 0.7 on both
# halves of the queries); DEPTH likewise (100 and 200 within 0.005 nDCG@10).
LEXICAL_WEIGHT = 0.6
DEPTH = 100
RRF_K = 60


def fuse(
    lexical: Sequence[tuple[str, float]], semantic: Sequence[tuple[str, float]], limit: int
) -> list[tuple[str, float]]:
    """Fuse two ranked lists (best first; raw scores, higher is better: BM25 and cosine)
    into one, best first, at most `limit` entries; ties broken by id. A document found by
    only one side gets only that side's share. Scores of the result lie in [0, 1]."""
    scores: dict[str, float] = {}
    lexical = list(lexical[:DEPTH])
    semantic = list(semantic[:DEPTH])
    if lexical:
        top = max(score for _, score in lexical)
        for doc_id, score in lexical:
            share = score / top if top > 0 else 1.0
            scores[doc_id] = LEXICAL_WEIGHT * max(0.0, share)
    if semantic:
        values = [score for _, score in semantic]
        high, low = max(values), min(values)
        spread = high - low
        for doc_id, score in semantic:
            share = (score - low) / spread if spread > 0 else 1.0
            scores[doc_id] = scores.get(doc_id, 0.0) + (1.0 - LEXICAL_WEIGHT) * share
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return ranked[: max(0, limit)]


def rrf(
    lexical: Sequence[tuple[str, float]], semantic: Sequence[tuple[str, float]], limit: int, k: int = RRF_K
) -> list[tuple[str, float]]:
    """Plain reciprocal rank fusion, sum of 1 / (k + rank): the reference point."""
    scores: dict[str, float] = {}
    for ranked in (lexical, semantic):
        for rank, (doc_id, _) in enumerate(ranked, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[: max(0, limit)]
