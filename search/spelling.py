""" "Meinten Sie": the parts of spelling suggestions that both backends share.

A backend proposes candidates from its vocabulary and answers "does a document the user
may read contain this term"; this module picks the words of the query to correct and
ranks the candidates. The rule both backends keep: the answer depends only on the
documents the user may read, so a word of a hidden document is indistinguishable from a
word that exists nowhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

from aktenlotse.text.analysis import GermanAnalyzer, fold

MAX_WORDS = 6
MIN_LENGTH = 4
CUTOFF = 0.8
LENGTH_SLACK = 2  # candidates at most this many characters longer or shorter


def query_words(analyzer: GermanAnalyzer, text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of the words of `text` worth correcting."""
    return [
        (start, end, fold(word))
        for start, end, word in analyzer.iter_words(text[:500])
        if len(word) >= MIN_LENGTH and not analyzer.is_stop_word(word)
    ][:MAX_WORDS]


def ranked(word: str, candidates: Iterable[str]) -> list[str]:
    """The close candidates of `word`, best first (ties by the candidate itself, so the
    order never depends on which other candidates exist), `word` itself left out."""
    pool = [c for c in set(candidates) if c != word and abs(len(c) - len(word)) <= LENGTH_SLACK]
    return difflib.get_close_matches(word, pool, n=len(pool) or 1, cutoff=CUTOFF)


def suggest(
    text: str,
    analyzer: GermanAnalyzer,
    readable: Callable[[str], bool],
    candidates: Callable[[str], Iterable[str]],
    limit: int = 3,
) -> list[str]:
    """Variants of `text`, each with one word replaced by its best readable candidate.

    `readable(term)`: whether a document the user may read contains the term.
    `candidates(word)`: terms that may be close to `word` (from any document: only the
    readable ones are ever offered, and the ranking is made before that test).
    """
    suggestions: list[str] = []
    for start, end, word in query_words(analyzer, text):
        if readable(word):
            continue  # a word of a readable document: not the one that failed
        for candidate in ranked(word, candidates(word)):
            if readable(candidate):
                suggestions.append(text[:start] + candidate + text[end:])
                break
        if len(suggestions) >= limit:
            break
    return suggestions
