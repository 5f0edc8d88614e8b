"""Autocomplete in the embedded backend: the FTS5 vocabulary proposes, the visibility SQL decides.

Kept apart from `embedded_search` so that the full-text engine underneath can change
without touching it: all it needs is "terms with this prefix and their document counts"
and "readable documents holding this term".
"""

from __future__ import annotations

import sqlite3

from aktenlotse.search import completion


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
