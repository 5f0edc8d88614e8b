"""Suggestions while typing in the search box: whole queries to offer for the text typed so far.

The word being typed (the last one) is completed from words of documents the user may
read (`Backend.completions`, trimmed by the backend). Other sources of suggestions, such
as the popular queries of the search log, come in as `extra`: already trimmed for this
user (`readable_queries`), they are offered first when they continue the typed text.
"""

from __future__ import annotations

from collections.abc import Sequence

from aktenlotse.search.backend import Backend, BackendError, Query

MIN_WORD_CHARS = 2  # a single letter would offer the most frequent words of the index: no help
MAX_TEXT_CHARS = 200  # nobody waits for suggestions to a paragraph
DEFAULT_LIMIT = 8


def query_completions(
    backend: Backend,
    text: str,
    principals: Sequence[str],
    limit: int = DEFAULT_LIMIT,
    extra: Sequence[str] = (),
) -> list[str]:
    """Up to `limit` queries continuing `text`: the entries of `extra` that start with it
    (case-insensitive), then `text` with its last word completed from readable documents,
    without duplicates and without `text` itself. None when the index cannot answer (a
    help, not a reason to fail the page)."""
    if limit <= 0 or not text.strip() or len(text) > MAX_TEXT_CHARS:
        return []
    typed = text.casefold()
    offered: list[str] = [entry for entry in extra if entry.casefold().startswith(typed)]
    head, word = _last_word(text)
    if len(word) >= MIN_WORD_CHARS:
        try:
            words = backend.completions(word, list(principals), limit)
        except BackendError:
            words = []
        offered += [head + completed for completed in words]
    unique: dict[str, str] = {}
    for entry in offered:
        key = entry.casefold().strip()
        if key and key != typed.strip() and key not in unique:
            unique[key] = entry
    return list(unique.values())[:limit]


def readable_queries(backend: Backend, queries: Sequence[str], principals: Sequence[str], keep: int = 3) -> list[str]:
    """The first `keep` of `queries` (popular queries of the search log) that find at least
    one document `principals` may read: a query asked by others is offered only when this
    user's own search for it would show something, so it never names what only they can
    read. One trimmed count per query, at most `keep` + 2 counts."""
    kept: list[str] = []
    for query in list(queries)[: keep + 2]:
        try:
            if backend.search(Query(query, limit=1), list(principals)).total > 0:
                kept.append(query)
        except BackendError:
            return kept
        if len(kept) >= keep:
            break
    return kept


def _last_word(text: str) -> tuple[str, str]:
    """(everything before the word being typed, that word); no word after a space."""
    if text[-1:].isspace():
        return text, ""
    cut = max(text.rfind(" "), text.rfind("\t"), text.rfind("\n")) + 1
    head, word = text[:cut], text[cut:]
    # Leading quotes, brackets and a minus ("-Wort", "(Bau") stay with the head.
    stripped = word.lstrip("\"'(-+[{")
    return head + word[: len(word) - len(stripped)], stripped
