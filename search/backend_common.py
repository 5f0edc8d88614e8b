"""What both index backends share: ranking constants, the query preamble, hit snippets.

The embedded and the Elasticsearch backend must answer a query alike (the conformance
suite runs on both), so every number and rule that shapes a result list lives here once:
weights, limits, the semantic floor and band, the German notices, how a raw `Query` is
understood before a backend runs it, and how a hit's snippet is chosen (best chunk of a
semantic hit, else the start of the text).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aktenlotse.core.records import Document
from aktenlotse.core.visibility import require_dms_role
from aktenlotse.search.backend import Query
from aktenlotse.search.query_parser import ParsedQuery, parse_query
from aktenlotse.search.snippets import make_snippet
from aktenlotse.text.analysis import GermanAnalyzer

TITLE_WEIGHT = 4.0  # BM25 weight of the title against the text (1.0)
TEXT_WEIGHT = 1.0
MAX_LIMIT = 1000  # hits per page at most
FACET_SIZE = 20  # values per facet

# Semantic mode counts (total, facets) only documents close enough to the query: at least
# SEMANTIC_FLOOR cosine and within SEMANTIC_BAND of the best visible document. Without a
# floor every document with vectors would "match" every query.
# On ragsource dev with USE, the band keeps 99.8 % of the relevant documents and on
# average 77 of 216 documents.
SEMANTIC_FLOOR = 0.15
SEMANTIC_BAND = 0.25

NOTICE_NO_QUERY_VECTOR = "Für die Suche nach Bedeutung fehlt die Einbettung der Anfrage; es wurde im Volltext gesucht."
NOTICE_NO_VECTORS = "Für die Suche nach Bedeutung sind noch keine Vektoren berechnet; es wurde im Volltext gesucht."


@dataclass
class QueryPlan:
    """How a backend runs one query: the parsed words, the effective mode, the page.

    `browse`: no words at all, so the request lists a folder or filter, newest first.
    `mode` falls back to "fulltext" (with a notice) when a vector mode has no query vector;
    `principals` are deduplicated in order; `notices` collect what the user should read.
    """

    parsed: ParsedQuery
    notices: list[str]
    browse: bool
    mode: str
    principals: list[str]
    limit: int
    offset: int


def plan_query(query: Query, principals: Sequence[str], analyzer: GermanAnalyzer) -> QueryPlan:
    """The query preamble both backends run before touching their index."""
    parsed = parse_query(query.text, analyzer)
    notices = list(parsed.notices)
    browse = not query.text.strip()
    mode = query.mode if query.mode in ("semantic", "hybrid") and not browse else "fulltext"
    if mode != "fulltext" and not query.vector:
        notices.append(NOTICE_NO_QUERY_VECTOR)
        mode = "fulltext"
    return QueryPlan(
        parsed=parsed,
        notices=notices,
        browse=browse,
        mode=mode,
        principals=list(dict.fromkeys(principals)),
        limit=max(0, min(query.limit, MAX_LIMIT)),
        offset=max(0, query.offset),
    )


def semantic_floor(best: float) -> float:
    """The lowest cosine a semantic match may have when `best` is the best visible one."""
    return max(SEMANTIC_FLOOR, best - SEMANTIC_BAND)


def hit_snippet(
    head: str,
    parsed: ParsedQuery,
    analyzer: GermanAnalyzer,
    chunk: tuple[str, int] | None = None,
    lexical_match: bool = False,
    decided: dict[str, str | None] | None = None,
) -> str:
    """The snippet of one hit. `head` is the start of the text (or the title when the text
    is empty); `chunk` is (text, start offset) of the best chunk of a semantic hit. A hit
    the words also matched (`lexical_match`) shows the chunk only when the words are in it,
    else the words where they are."""
    if chunk is not None:
        text, start = chunk
        snippet = make_snippet(text, parsed, analyzer, decided=decided)
        if start > 0 and not snippet.startswith("…"):
            snippet = "… " + snippet
        if not lexical_match or "<mark>" in snippet:
            return snippet
    return make_snippet(head, parsed, analyzer, decided=decided)


class RoleCheckedListing:
    """The AG DMS pages' listing, which both backends build on their untrimmed read."""

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id, not trimmed (each backend has its own)."""
        raise NotImplementedError

    def dms_listing(self, ids: Sequence[str], roles: Iterable[str]) -> list[Document]:
        """Documents by id for the AG DMS pages (review, overview, migration list,
        retraining): every document, but only for a caller holding a DMS role."""
        require_dms_role(roles)
        return self.fetch_untrimmed(ids)


def weighted_token_stream(title_terms: str, terms: str) -> str:
    """One field that ranks like BM25F with the title weighted `TITLE_WEIGHT`: the title's
    tokens `TITLE_WEIGHT` times, then the text's. The engines without BM25F over two fields
    (OpenSearch, the embedded tantivy index) score this field; on ragsource it ranks within
    0.001 nDCG@10 of Elasticsearch's `combined_fields`, where two separately scored fields
    lose 0.09 (docs/evaluation.md)."""
    repeated = [title_terms] * int(TITLE_WEIGHT) if title_terms else []
    return " ".join([*repeated, terms]).strip()


def top_counts(counts: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Facet values by count (then by value), the first FACET_SIZE."""
    return sorted(counts, key=lambda item: (-item[1], item[0]))[:FACET_SIZE]


def merged_extra(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`stored` with the keys of `changes` set (None removes a key): a pass's `extra` update."""
    merged = dict(stored)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
