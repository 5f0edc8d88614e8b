"""Autocomplete in the embedded backend: the FTS5 vocabulary proposes, the visibility SQL decides.

Kept apart from `embedded_search` so that the full-text engine underneath can change
without touching it: all it needs is "terms with this prefix and their document counts"
and "readable documents holding this term".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable

from aktenlotse.search import completion

SURFACE_DOCS = 2  # readable documents per term read for its spelling
SURFACE_CHARS = 4000  # of each one's text (the title always)


def readable_completions(
    connection: sqlite3.Connection, visible: str, visible_params: list[str], prefix: str, limit: int
) -> list[tuple[str, int]]:
    """(term, readable documents) of the terms starting with the index prefix `prefix`,
    most frequent among the readable documents first (see `completion.most_readable`).
    `visible` is the caller's visibility condition on alias `d`."""
    candidates = connection.execute(
        "SELECT term, doc FROM docs_vocab WHERE term >= ? AND term < ?", (prefix, prefix + "\x7f")
    ).fetchall()

    def readable_count(term: str) -> int:
        row = connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
            f" WHERE docs_fts MATCH ? AND {visible} LIMIT ?)",
            ['"' + term.replace('"', '""') + '"', *visible_params, completion.COUNT_CAP],
        ).fetchone()
        return int(row[0])

    return completion.most_readable(candidates, readable_count, limit)


def readable_spellings(
    connection: sqlite3.Connection,
    visible: str,
    visible_params: list[str],
    terms: list[str],
    words: Callable[[str], Iterable[str]],
) -> dict[str, str]:
    """How readable documents write each term (see `completion.surface_forms`): the
    index holds folded terms only, "Lageplaene" is to be shown as "Lagepläne"."""
    texts: list[str] = []
    for term in terms:
        rows = connection.execute(
            "SELECT d.title, substr(d.text, 1, ?) FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
            f" WHERE docs_fts MATCH ? AND {visible} LIMIT ?",
            [SURFACE_CHARS, '"' + term.replace('"', '""') + '"', *visible_params, SURFACE_DOCS],
        ).fetchall()
        texts += [part for row in rows for part in row if part]
    return completion.surface_forms(texts, terms, words)
