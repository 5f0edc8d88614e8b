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


def in_typed_form(typed: str, candidate: str) -> str:
    """The folded `candidate` written like the word the user typed: where the two agree,
    the typed letters (their case, umlauts and ß), elsewhere the candidate's, with a leading
    capital (or all capitals) carried over. The vocabulary holds folded terms only, and
    "Meinten Sie: hundesteuer" for "Hundesteur" reads as a different word."""
    pieces = [(fold(char), char) for char in typed]  # "Gebühr" -> ("g","G"), ("ue","ü") …
    folded = "".join(piece for piece, _ in pieces)
    starts = []  # where each typed character's piece begins in `folded`
    position = 0
    for piece, _ in pieces:
        starts.append(position)
        position += len(piece)
    typed_at = {start: (piece, char) for start, (piece, char) in zip(starts, pieces, strict=True) if piece}
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, folded, candidate, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append(candidate[j1:j2])
            continue
        i = i1
        while i < i2:
            piece, char = typed_at.get(i, ("", ""))
            if piece and i + len(piece) <= i2:
                out.append(char)  # the whole typed character lies in the agreeing part
                i += len(piece)
            else:
                out.append(folded[i])
                i += 1
    written = "".join(out)
    if typed.isupper() and len(typed) > 1:
        return written.upper()
    if typed[:1].isupper():
        return written[:1].upper() + written[1:]
    return written


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
                suggestions.append(text[:start] + in_typed_form(text[start:end], candidate) + text[end:])
                break
        if len(suggestions) >= limit:
            break
    return suggestions
