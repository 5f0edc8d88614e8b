"""Autocomplete in the embedded backend: tantivy's term dictionary, counted over the
documents the user may read only.

`Searcher.terms_with_prefix` with the caller's visibility as its filter walks the terms
with the prefix and counts each in readable documents inside tantivy, so the answer is
exact and depends on the readable documents alone: a word of a hidden document has no
readable document and never shows, not even in the order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import tantivy

from aktenlotse.search import completion
from aktenlotse.search.fulltext_query import WORDS, rowids_of, token_query, trimmed

SURFACE_DOCS = 2  # readable documents per term read for its spelling
SURFACE_CHARS = 4000  # of each one's text (the title always)


@dataclass(frozen=True)
class ReadableTerms:
    """The full-text index as one user may read it: `visible_sets` are the permission sets
    the user may read, `stale_rowids` the rows whose full-text entry may be out of date."""

    schema: tantivy.Schema
    searcher: tantivy.Searcher
    visible_sets: Sequence[str]
    stale_rowids: Sequence[int]

    def query(self, term: str) -> tantivy.Query:
        return trimmed(self.schema, token_query(self.schema, term), self.visible_sets, stale_rowids=self.stale_rowids)

    def everything(self) -> tantivy.Query:
        return trimmed(self.schema, None, self.visible_sets, stale_rowids=self.stale_rowids)


# Terms asked of tantivy per suggestion shown: its order is by count, then alphabetical;
# ours puts the shorter of equally frequent terms first (`completion.by_readable_count`).
_HEADROOM = 4


def readable_completions(readable: ReadableTerms, prefix: str, limit: int) -> list[tuple[str, int]]:
    """(term, readable documents) of the terms starting with the index prefix `prefix`,
    most frequent among the readable documents first (`completion.by_readable_count`)."""
    counted = readable.searcher.terms_with_prefix(
        WORDS, prefix, filter_query=readable.everything(), limit=limit * _HEADROOM
    )
    return sorted(((term, count) for term, count in counted if count > 0), key=completion.by_readable_count)[:limit]


def readable_spellings(
    connection: sqlite3.Connection,
    readable: ReadableTerms,
    terms: list[str],
    words: Callable[[str], Iterable[str]],
) -> dict[str, str]:
    """How readable documents write each term (see `completion.surface_forms`): the
    index holds folded terms only, "Lageplaene" is to be shown as "Lagepläne"."""
    texts: list[str] = []
    for term in terms:
        found = readable.searcher.search(readable.query(term), SURFACE_DOCS, count=False)
        rowids = rowids_of(readable.searcher, found)
        rows = connection.execute(
            "SELECT title, substr(text, 1, ?) FROM docs WHERE rowid IN (SELECT value FROM json_each(?))",
            (SURFACE_CHARS, json.dumps(rowids)),
        ).fetchall()
        texts += [part for row in rows for part in row if part]
    return completion.surface_forms(texts, terms, words)
