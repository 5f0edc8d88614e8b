"""The embedded backend's pure steps between SQL and hits: filters, pages, floors, facets.

A *match row* is `(rowid, score, id, modified, year, file_type, folder, source)` as the
search SQL returns it; the score is BM25-like (smaller is better), so semantic cosines
are negated to fit in.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from collections import Counter
from typing import Any

import numpy as np

from aktenlotse.search.backend import Query
from aktenlotse.search.backend_common import semantic_floor, top_counts
from aktenlotse.search.folder_facet import folder_children
from aktenlotse.search.hybrid import fuse

# A 0-byte file has no content to be similar to (its vector is its name's); the semantic
# side leaves it out, the full text still finds it by its name.
NOT_EMPTY_FILE = "NOT (d.kind = 'file' AND d.size = 0)"


def filter_sql(query: Query) -> tuple[list[str], list[Any]]:
    """SQL conditions on alias `d` (and their parameters) for the query's facet filters."""
    conditions: list[str] = []
    params: list[Any] = []
    folder = (query.folder or "").strip("/")
    if folder:
        # Exact, case-sensitive prefix test; LIKE would need escaping and ignores case.
        conditions.append("(d.folder = ? OR substr(d.folder, 1, ?) = ?)")
        params.extend([folder, len(folder) + 1, folder + "/"])
    columns: tuple[tuple[str, tuple[Any, ...]], ...] = (
        ("file_type", query.file_types),
        ("year", query.years),
        ("source", query.sources),
    )
    for column, values in columns:
        if values:
            conditions.append(f"d.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    for kind, facet in (("keywords", query.keywords), ("aktenplan", query.aktenplan)):
        if facet:
            conditions.append(
                f"d.rowid IN (SELECT doc FROM doc_facets WHERE kind = ? AND value IN ({', '.join('?' * len(facet))}))"
            )
            params.extend([kind, *facet])
    return conditions, params


def page(matches: list[tuple], sort: str, offset: int, limit: int) -> list[tuple]:
    """The requested page of match rows. BM25 is negative: smaller is better; the id
    breaks ties so that pages never overlap or skip."""
    wanted = offset + limit
    if sort == "date":
        ranked = sorted(matches, key=lambda m: (m[1], m[2]))
        ranked.sort(key=lambda m: m[3] or "", reverse=True)
        ranked.sort(key=lambda m: m[3] is None)
    else:
        ranked = heapq.nsmallest(wanted, matches, key=lambda m: (m[1], m[2]))
    return ranked[offset:wanted]


def semantic_matches(ranked: list[tuple], anchor: float | None) -> list[tuple]:
    """Semantic rows above the similarity floor (`SEMANTIC_BAND` below `anchor`, the best
    unfiltered score), as match rows (score negated like BM25)."""
    if not ranked:
        return []
    floor = semantic_floor(ranked[0][1] if anchor is None else anchor)
    return [(row[0], -row[1], *row[2:]) for row in ranked if row[1] >= floor]


def hybrid_matches(lexical: list[tuple], ranked: list[tuple], anchor: float | None) -> list[tuple]:
    """Lexical matches and semantic rows above the floor, ranked by `fuse`."""
    above = {row[2] for row in semantic_matches(ranked, anchor)}
    lexical_sorted = sorted(lexical, key=lambda m: (m[1], m[2]))
    by_id = {row[2]: row for row in ranked}
    by_id.update({m[2]: m for m in lexical_sorted})
    fused = fuse([(m[2], -float(m[1])) for m in lexical_sorted], [(row[2], row[1]) for row in ranked], len(by_id))
    wanted = above | {m[2] for m in lexical}
    out = [(by_id[doc_id][0], -score, *by_id[doc_id][2:]) for doc_id, score in fused if doc_id in wanted]
    # `fuse` looks at the top of each list only; the remaining matches follow in
    # lexical, then semantic order, so that total, facets and paging stay complete.
    seen = {row[2] for row in out}
    rest = [m[2] for m in lexical_sorted if m[2] not in seen]
    seen.update(rest)
    rest += [row[2] for row in ranked if row[2] in above and row[2] not in seen]
    for position, doc_id in enumerate(rest):
        out.append((by_id[doc_id][0], 1e-9 * (position + 1), *by_id[doc_id][2:]))
    return out


def as_matrix(vectors: Any) -> np.ndarray:
    """One document's chunk vectors as a float32 (chunks x dim) matrix."""
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix.reshape(len(matrix), -1) if matrix.size else np.zeros((0, 0), dtype=np.float32)


def facets(matches: list[tuple], folder: str | None = None) -> dict[str, list[tuple[str, int]]]:
    """Type, year and source counts over the match rows, and the folder facet one level
    below the chosen `folder` (`folder_facet`)."""
    counted: dict[str, list[tuple[str, int]]] = {}
    for name, column in (("file_type", 5), ("year", 4), ("source", 7)):
        counts = Counter(str(m[column]) for m in matches if m[column] not in (None, ""))
        counted[name] = top_counts(counts.items())
    counted["folder"] = folder_children((m[6] for m in matches), folder)
    return counted


def keyword_facets(connection: sqlite3.Connection, rowids: list[int]) -> dict[str, list[tuple[str, int]]]:
    """Keyword and Aktenplan counts over the (already visible, filtered) matches."""
    counts: dict[str, Counter[str]] = {"keywords": Counter(), "aktenplan": Counter()}
    if rowids:
        for kind, value, n in connection.execute(
            "SELECT kind, value, count(*) FROM doc_facets WHERE doc IN (SELECT value FROM json_each(?))"
            " GROUP BY kind, value",
            (json.dumps(rowids),),
        ):
            counts[kind][value] = n
    return {kind: top_counts(c.items()) for kind, c in counts.items()}
