"""A parsed query, its filters and the caller's visibility as one tantivy query.

The same meaning as the server engines' query (`es_query`): terms and phrases are
alternatives ranked by BM25 over the `words` field (the title weighted by repetition,
`backend_common.weighted_token_stream`), a compound also matches its parts together,
`-wort` drops documents, and the filters and the visibility only narrow (they never add
to the score).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import tantivy

from aktenlotse.search.backend import Query
from aktenlotse.search.query_parser import ParsedQuery, QueryPhrase, QueryTerm

Should, Must, MustNot = tantivy.Occur.Should, tantivy.Occur.Must, tantivy.Occur.MustNot
WORDS = "words"


def _safe(token: str) -> str:
    # Tokens come from the analyzer ([a-z0-9_]+); the filter is a second fence.
    return "".join(c for c in token if c.isascii() and (c.isalnum() or c == "_"))


def token_query(schema: tantivy.Schema, token: str) -> tantivy.Query:
    """Documents with `token` in the title or the text."""
    return tantivy.Query.term_query(schema, WORDS, token)


def _term(schema: tantivy.Schema, term: QueryTerm) -> tantivy.Query | None:
    if term.prefix:
        stem = _safe(term.variants[0])
        if not stem:
            return None
        return tantivy.Query.regex_query(schema, WORDS, re.escape(stem) + ".*")
    alternatives = [token_query(schema, t) for t in (_safe(v) for v in term.variants) if t]
    parts = [t for t in (_safe(p) for p in term.parts) if t]
    if len(parts) >= 2:
        alternatives.append(tantivy.Query.boolean_query([(Must, token_query(schema, p)) for p in parts]))
    if not alternatives:
        return None
    if len(alternatives) == 1:
        return alternatives[0]
    return tantivy.Query.boolean_query([(Should, q) for q in alternatives])


def _phrase(schema: tantivy.Schema, phrase: QueryPhrase) -> tantivy.Query | None:
    # A word contributes several tokens (surface, lemma, parts), so its neighbour can sit
    # a few positions further on: the slop is the room those extra tokens take.
    tokens: list[str | tuple[int, str]] = [_safe(t.variants[0]) for t in phrase.terms]
    if not all(tokens):
        return None
    room = sum(len(t.variants) + len(t.parts) + 2 for t in phrase.terms[:-1])
    return tantivy.Query.phrase_query(schema, WORDS, tokens, room)


def text_query(schema: tantivy.Schema, parsed: ParsedQuery) -> tantivy.Query | None:
    """What the words ask for (None when nothing is searchable)."""
    positive = [q for q in (_term(schema, t) for t in parsed.terms) if q is not None]
    positive += [q for q in (_phrase(schema, p) for p in parsed.phrases) if q is not None]
    if not positive:
        return None
    return positive[0] if len(positive) == 1 else tantivy.Query.boolean_query([(Should, q) for q in positive])


def excluded_query(schema: tantivy.Schema, parsed: ParsedQuery) -> tantivy.Query | None:
    """Documents a `-wort` of the query drops (in every mode)."""
    clauses: list[tantivy.Query] = []
    for term in parsed.excluded:
        if term.prefix:
            query = _term(schema, term)
            if query is not None:
                clauses.append(query)
        else:
            clauses.extend(token_query(schema, t) for t in (_safe(v) for v in term.variants) if t)
    if not clauses:
        return None
    return tantivy.Query.boolean_query([(Should, q) for q in clauses])


def filter_queries(schema: tantivy.Schema, query: Query) -> list[tantivy.Query]:
    """The facet filters of `query`, each one term (set) query."""
    filters: list[tantivy.Query] = []
    folder = (query.folder or "").strip("/")
    if folder:
        filters.append(tantivy.Query.term_query(schema, "folder_levels", folder))
    for field, values in (
        ("file_type", query.file_types),
        ("source", query.sources),
        ("keywords", query.keywords),
        ("aktenplan", query.aktenplan),
    ):
        if values:
            filters.append(tantivy.Query.term_set_query(schema, field, [str(v) for v in values]))
    if query.years:
        filters.append(tantivy.Query.term_set_query(schema, "year", [int(y) for y in query.years]))
    return filters


def trimmed(
    schema: tantivy.Schema,
    words: tantivy.Query | None,
    visible_sets: Sequence[str],
    filters: Sequence[tantivy.Query] = (),
    excluded: tantivy.Query | None = None,
    stale_rowids: Sequence[int] = (),
) -> tantivy.Query:
    """`words` (or every document) within the permission sets the caller may read, the
    filters, without the excluded words and without rows whose entry may be stale.
    Filters and visibility score 0: only the words rank."""
    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [
        (Must, words if words is not None else tantivy.Query.all_query()),
        (Must, _unscored(tantivy.Query.term_set_query(schema, "perm", list(visible_sets)))),
    ]
    clauses += [(Must, _unscored(f)) for f in filters]
    if excluded is not None:
        clauses.append((MustNot, excluded))
    if stale_rowids:
        clauses.append((MustNot, tantivy.Query.term_set_query(schema, "rowid", list(stale_rowids))))
    return tantivy.Query.boolean_query(clauses)


def _unscored(query: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.const_score_query(query, 0.0)


def match_count(result: tantivy.SearchResult) -> int:
    """The number of matches of a search run with `count=True`."""
    # tantivy 0.27's type stub leaves `count` out; the attribute is there at run time.
    return int(getattr(result, "count", 0) or 0)


def rowids_of(searcher: tantivy.Searcher, result: tantivy.SearchResult) -> list[int]:
    """The SQLite rowids of a result's hits, in hit order (from the `rowid` fast field)."""
    values = searcher.fast_field_values("rowid", [address for _, address in result.hits])
    return [int(value or 0) for value in values]


def all_matches(searcher: tantivy.Searcher, query: tantivy.Query) -> list[tuple[int, float]]:
    """(rowid, BM25 score) of every document `query` matches, best first."""
    count = match_count(searcher.search(query, 1, count=True))
    if not count:
        return []
    found = searcher.search(query, count, count=False)
    return [(rowid, float(score)) for rowid, (score, _) in zip(rowids_of(searcher, found), found.hits, strict=True)]
