"""Autocomplete in the search-server backend, trimmed like every read.

Elasticsearch/OpenSearch cannot aggregate our `terms` text fields without fielddata, so
the candidates come from readable documents only: a prefix query under the permission
filter, its matched terms read back from the highlighter (as spelling does); then one
counting search per candidate, also under the permission filter, orders them. A term of
a hidden document can take part in neither step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aktenlotse.search import completion

FIELDS = ("terms", "title_terms")
SAMPLE_DOCS = 20  # readable documents whose matched terms are read as candidates
MAX_CANDIDATES = 24  # candidates counted per request (one batched request)


def _holding(visible: dict[str, Any], clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"filter": [visible], "should": clauses, "minimum_should_match": 1}}


def sample_body(visible: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The search whose highlights name the readable terms starting with `prefix`."""
    fragments = {"type": "unified", "fragment_size": 1, "number_of_fragments": 50}
    return {
        "query": _holding(visible, [{"prefix": {field: prefix}} for field in FIELDS]),
        "size": SAMPLE_DOCS,
        "_source": False,
        "highlight": {"fields": {field: fragments for field in FIELDS}},
    }


def sampled_terms(response: dict[str, Any], prefix: str) -> list[str]:
    """The highlighted terms of the sample that start with `prefix`, most often seen first."""
    seen: dict[str, int] = {}
    for hit in response["hits"]["hits"]:
        found: set[str] = set()
        for highlighted in hit.get("highlight", {}).values():
            for fragment in highlighted:
                # Default tags: <em>term</em> (the token stream has no "<").
                found.update(part.split("</em>", 1)[0] for part in fragment.split("<em>")[1:])
        for term in found:
            if term.startswith(prefix):
                seen[term] = seen.get(term, 0) + 1
    return sorted(seen, key=lambda term: (-seen[term], term))[:MAX_CANDIDATES]


def count_searches(alias: str, visible: dict[str, Any], terms: list[str]) -> list[dict[str, Any]]:
    """One msearch body counting, per term, the readable documents holding it (capped)."""
    searches: list[dict[str, Any]] = []
    for term in terms:
        query = _holding(visible, [{"term": {field: term}} for field in FIELDS])
        searches += [{"index": alias}, {"size": 0, "track_total_hits": completion.COUNT_CAP, "query": query}]
    return searches


SURFACE_CHARS = 4000  # of the text read for a term's spelling (the title always)


def spelling_searches(alias: str, visible: dict[str, Any], terms: list[str]) -> list[dict[str, Any]]:
    """One msearch body reading, per term, the title and text of the smallest readable
    document holding it: how it writes the term is how it is shown. (The text cannot be
    cut on the server without scripting, which a server may not offer; the smallest
    document keeps the answer small.)"""
    searches: list[dict[str, Any]] = []
    for term in terms:
        body = {
            "size": 1,
            "_source": ["title", "text"],
            "sort": [{"size": "asc"}],
            "query": _holding(visible, [{"term": {field: term}} for field in FIELDS]),
        }
        searches += [{"index": alias}, body]
    return searches


def readable_completions(
    search: Callable[[dict[str, Any]], Any],
    msearch: Callable[[list[dict[str, Any]]], Any],
    alias: str,
    visible: dict[str, Any],
    prefix: str,
    limit: int,
) -> list[tuple[str, int]]:
    """(term, readable documents) of the readable terms starting with `prefix`, most
    frequent first (`completion.by_readable_count`)."""
    terms = sampled_terms(search(sample_body(visible, prefix)), prefix)
    if not terms:
        return []
    responses = msearch(count_searches(alias, visible, terms))["responses"]
    counted = []
    for term, part in zip(terms, responses, strict=True):
        total = part.get("hits", {}).get("total", {}) if "error" not in part else {}
        value = int(total.get("value", 0)) if isinstance(total, dict) else int(total or 0)
        if value > 0:
            counted.append((term, min(value, completion.COUNT_CAP)))
    counted.sort(key=completion.by_readable_count)
    return counted[:limit]


def readable_texts(
    msearch: Callable[[list[dict[str, Any]]], Any], alias: str, visible: dict[str, Any], terms: list[str]
) -> list[str]:
    """Titles and text starts of readable documents holding the terms (for their spelling)."""
    if not terms:
        return []
    texts: list[str] = []
    for part in msearch(spelling_searches(alias, visible, terms))["responses"]:
        for hit in part.get("hits", {}).get("hits", []) if "error" not in part else []:
            source = hit.get("_source", {})
            texts += [str(source.get("title") or ""), str(source.get("text") or "")[:SURFACE_CHARS]]
    return texts
