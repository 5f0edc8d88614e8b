"""The Elasticsearch backend's query DSL: pure functions from a parsed query to request parts.

`terms` and `title_terms` hold our own German token stream (whitespace analyzer, BM25,
title weighted like the embedded index), so a query word becomes BM25F over
both (`engine_dialect`); phrases become `span_near`
like FTS5's NEAR(); facets are `terms` aggregations (the folder's over the ancestor paths,
limited to the level below the chosen folder, see `folder_facet`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aktenlotse.search.backend import Query
from aktenlotse.search.backend_common import FACET_SIZE, TITLE_WEIGHT, semantic_floor, top_counts
from aktenlotse.search.engine_dialect import Dialect
from aktenlotse.search.folder_facet import child_pattern, folder_children
from aktenlotse.search.query_parser import ParsedQuery, QueryTerm

# What a result list needs from _source (never the vectors or the token streams).
HIT_FIELDS = [
    "id",
    "path",
    "title",
    "text",
    "source",
    "display_path",
    "file_type",
    "size",
    "modified",
    "kind",
    "extra",
]
# Facet name -> keyword field (`folder_path`: every ancestor folder of the document's).
FACET_FIELDS = {
    "file_type": "file_type",
    "year": "year",
    "folder": "folder_path",
    "source": "source",
    "keywords": "keywords",
    "aktenplan": "aktenplan",
}

# What a semantic candidate's _source carries: the facet fields and the folder itself.
FACET_SOURCE = list(dict.fromkeys(["id", "folder", *FACET_FIELDS.values()]))
# One ranked semantic candidate: (id, cosine, the facet fields of its _source).
Ranked = tuple[str, float, dict[str, Any]]


def folder_path(folder: str) -> list[str]:
    """Every ancestor folder of `folder` including itself: 'a/b' -> ['a', 'a/b']."""
    if not folder:
        return []
    parts = folder.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _term_query(term: QueryTerm, dialect: Dialect) -> dict[str, Any]:
    if term.prefix:
        return {
            "bool": {
                "should": [
                    {"prefix": {"title_terms": {"value": term.variants[0], "boost": TITLE_WEIGHT}}},
                    {"prefix": {"terms": {"value": term.variants[0]}}},
                ]
            }
        }
    alternatives = [dialect.token_query(v) for v in term.variants if v]
    if len(term.parts) >= 2:
        alternatives.append({"bool": {"must": [dialect.token_query(p) for p in term.parts]}})
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives}}


def _phrase_query(terms: Sequence[QueryTerm]) -> dict[str, Any]:
    # Like the FTS5 NEAR(): a word brings several tokens (surface, lemma, parts), so its
    # neighbour may sit a few positions further on, in either order.
    room = sum(len(t.variants) + len(t.parts) + 2 for t in terms[:-1])
    clauses = []
    for field, boost in (("title_terms", TITLE_WEIGHT), ("terms", 1.0)):
        clauses.append(
            {
                "span_near": {
                    "clauses": [{"span_term": {field: t.variants[0]}} for t in terms],
                    "slop": room,
                    "in_order": False,
                    "boost": boost,
                }
            }
        )
    return {"bool": {"should": clauses}}


def lexical_clauses(parsed: ParsedQuery, dialect: Dialect) -> list[dict[str, Any]]:
    """The `should` clauses of the query's words and phrases."""
    return [_term_query(t, dialect) for t in parsed.terms] + [_phrase_query(p.terms) for p in parsed.phrases]


def excluded_clauses(term: QueryTerm) -> list[dict[str, Any]]:
    """The `must_not` clauses of one excluded word ("-Wort")."""
    if term.prefix:
        return [{"prefix": {field: term.variants[0]}} for field in ("terms", "title_terms")]
    return [{"terms": {field: list(term.variants)}} for field in ("terms", "title_terms")]


def sort(by_date: bool) -> list[Any]:
    """Score (or date) order with the id as tie-breaker, so pages never overlap."""
    if by_date:
        return [{"modified": {"order": "desc", "missing": "_last"}}, {"_score": "desc"}, {"id": "asc"}]
    return [{"_score": "desc"}, {"id": "asc"}]


def query_filters(query: Query) -> list[dict[str, Any]]:
    """The user's facet filters (folder, type, year, source, keywords, Aktenplan)."""
    filters: list[dict[str, Any]] = []
    folder = (query.folder or "").strip("/")
    if folder:
        filters.append({"term": {"folder_path": folder}})
    fields: tuple[tuple[str, tuple[Any, ...]], ...] = (
        ("file_type", query.file_types),
        ("year", query.years),
        ("source", query.sources),
        ("keywords", query.keywords),
        ("aktenplan", query.aktenplan),
    )
    for field, values in fields:
        if values:
            filters.append({"terms": {field: list(values)}})
    return filters


def facet_aggs(folder: str | None = None) -> dict[str, Any]:
    """One `terms` aggregation per facet; the folder's counts the ancestor paths one level
    below the chosen `folder` (a document counts under the child it lies in or below)."""
    aggs: dict[str, Any] = {}
    for name, field in FACET_FIELDS.items():
        terms: dict[str, Any] = {"field": field, "size": FACET_SIZE, "order": [{"_count": "desc"}, {"_key": "asc"}]}
        if name == "folder":
            terms["include"] = child_pattern(folder)
        elif field != "year":
            terms["exclude"] = [""]
        aggs[name] = {"terms": terms}
    return aggs


def facets_from_aggs(aggs: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """The facets of an aggregation answer."""
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in FACET_FIELDS:
        buckets = aggs.get(name, {}).get("buckets", [])
        facets[name] = top_counts((str(b["key"]), int(b["doc_count"])) for b in buckets if str(b["key"]) != "")
    return facets


def facets_from_sources(sources: list[dict[str, Any]], folder: str | None = None) -> dict[str, list[tuple[str, int]]]:
    """The facets counted over the _source of the semantic matches (the folder's one
    level below the chosen `folder`)."""
    facets: dict[str, list[tuple[str, int]]] = {
        "folder": folder_children((src.get("folder") for src in sources), folder)
    }
    for name, field in FACET_FIELDS.items():
        if name == "folder":
            continue
        counts: dict[str, int] = {}
        for src in sources:
            value = src.get(field)
            for each in value if isinstance(value, list) else [value]:
                if each not in (None, ""):
                    counts[str(each)] = counts.get(str(each), 0) + 1
        facets[name] = top_counts(counts.items())
    return facets


def above_floor(ranked: list[Ranked]) -> list[Ranked]:
    """The semantic candidates at or above the floor below the best one."""
    if not ranked:
        return []
    floor = semantic_floor(max(score for _, score, _ in ranked))
    return [row for row in ranked if row[1] >= floor]


def first_number(fields: dict[str, Any], name: str) -> int | None:
    """A chunk's start or end from an inner hit's fields."""
    # Nested inner-hit fields come back as {"chunks": [{"start": [n], "end": [m]}]}.
    for item in fields.get("chunks", []):
        values = item.get(name)
        if values:
            return int(values[0])
    value = fields.get(f"chunks.{name}")
    return int(value[0]) if value else None
