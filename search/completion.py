"""Autocomplete: the parts of word completions that both backends share.

A backend lists the index terms that start with a prefix and counts, for one term at a
time, the documents the user may read that hold it; this module turns the typed word into
an index prefix, picks the most frequent readable terms and writes them the way the user
typed. The rule both backends keep (as for spelling): a word of a hidden document is
indistinguishable from a word that exists nowhere, so neither its presence nor its
frequency in hidden documents may change what is proposed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from aktenlotse.search.spelling import in_typed_form
from aktenlotse.text.analysis import fold
from aktenlotse.text.folding import UMLAUTS

MAX_PREFIX_CHARS = 60  # the analyzer's longest token: a longer prefix matches nothing
MAX_LIMIT = 50
# Readable documents counted per term at most: terms held by at least this many readable
# documents tie and are ordered by the term itself (a count of readable documents only).
COUNT_CAP = 500
# Candidates counted per request at most, most frequent in the whole index first: the
# latency bound for a user who may read little. It can leave out a rare readable word but
# never lets an unreadable one in.
MAX_CHECKS = 200
_SEPARATORS = re.compile(r"[^a-z0-9]+")
# A backend's part of a completion: for (principals, index prefix, limit) the readable terms,
# most frequent first, and how readable texts write them (see `surface_forms`).
ReadableTermsFinder = Callable[[list[str], str, int], tuple[list[str], dict[str, str]]]


def complete(prefix: str, principals: Sequence[str], limit: int, find: ReadableTermsFinder) -> list[str]:
    """`Backend.completions` for both backends: the typed `prefix` as an index prefix, the
    limit clamped, and the terms `find` lists written like the user typed them; [] for no
    principals, nothing searchable or a limit of 0 (without asking `find`)."""
    principals = list(dict.fromkeys(principals))
    term_prefix = index_prefix(prefix)
    limit = clamp_limit(limit)
    if not principals or not term_prefix or not limit:
        return []
    found, spellings = find(principals, term_prefix, limit)
    return [written_like(prefix.strip(), term, spellings.get(term)) for term in found]


def index_prefix(word: str) -> str:
    """The index-term prefix of a typed word: folded like every token (Gebü -> gebue);
    digits with separators as the analyzer's exact tokens (632.10-20 -> 632_10_20).
    Empty when nothing searchable is left (quotes, operators, punctuation only)."""
    word = word.strip()[: MAX_PREFIX_CHARS * 2]
    if any(char.isdigit() for char in word):
        lowered = word.lower().translate(UMLAUTS)
        prefix = _SEPARATORS.sub("_", lowered).strip("_")
    else:
        prefix = fold(word)
    return prefix if len(prefix) <= MAX_PREFIX_CHARS else ""


def clamp_limit(limit: int) -> int:
    """A limit between 0 and `MAX_LIMIT`."""
    return max(0, min(int(limit), MAX_LIMIT))


def most_readable(
    candidates: Iterable[tuple[str, int]], readable_count: Callable[[str], int], limit: int
) -> list[tuple[str, int]]:
    """The `limit` terms held by the most readable documents (ties: shorter first, then
    alphabetical: the base word before its inflections), as (term, readable count).

    `candidates`: (term, documents in the whole index holding it). Only the readable count
    decides the order; the index-wide count only says when to stop: a term held by fewer
    documents in the whole index than the last kept term's readable count cannot overtake
    it. The result is thus a function of the readable documents alone (within
    `MAX_CHECKS`)."""
    if limit <= 0:
        return []
    ordered = sorted(candidates, key=lambda pair: (-pair[1], pair[0]))
    kept: list[tuple[str, int]] = []
    for checked, (term, everywhere) in enumerate(ordered):
        if checked >= MAX_CHECKS or (len(kept) >= limit and everywhere < kept[-1][1]):
            break
        count = readable_count(term)
        if count <= 0:
            continue
        kept.append((term, count))
        kept.sort(key=by_readable_count)
        del kept[limit:]
    return kept


def by_readable_count(pair: tuple[str, int]) -> tuple[int, int, str]:
    """The order of completions: most readable documents, then shorter, then alphabetical."""
    return -pair[1], len(pair[0]), pair[0]


def surface_forms(texts: Iterable[str], terms: Iterable[str], words: Callable[[str], Iterable[str]]) -> dict[str, str]:
    """The spelling of each term as readable texts write it (its most frequent form there,
    umlauts and capitals included), for the terms that occur as words in `texts`.
    `words(text)` splits a text into words as the analyzer does."""
    wanted = set(terms)
    seen: dict[str, Counter[str]] = {}
    for text in texts:
        for word in words(text):
            folded = fold(word)
            if folded in wanted:
                seen.setdefault(folded, Counter())[word] += 1
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}


def written_like(typed: str, term: str, surface: str | None = None) -> str:
    """The completed word as the user reads it: as a readable document writes it
    (`surface`, see `surface_forms`) when known, else the typed letters (case, umlauts)
    with the rest from the folded index term; exact tokens (632_10_2023_145) as they are."""
    if surface:
        return surface
    if "_" in term or not typed:
        return term
    return in_typed_form(typed, term)
