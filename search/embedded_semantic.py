"""The embedded backend's semantic side: the visible documents' cosines, cut to the rows
that semantic and hybrid ranking read.

Every document with vectors is scored by one matrix product (`ChunkMatrix.doc_scores`).
Which scores count is the caller's visibility, decided in two steps:

- the candidates: the matrix positions of the caller's permission sets
  (`VectorPermissions`, one array operation), or, when that copy cannot be used (a query
  with excluded words) or proved stale, the visibility SQL listing every visible document;
- the rows kept: only the documents in the similarity band (`semantic_floor` of the best
  visible score) and the best `hybrid.DEPTH` (what `fuse` reads) become match rows, read
  through the visibility and filter SQL. If that SQL drops a row the copy had let through
  (a write between the two), the query is answered again from the SQL listing.

So SQL stays the only judge of what a caller sees, and the Python work follows the
answer, not the index.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aktenlotse.core.visibility import sql_condition
from aktenlotse.search.backend import Query
from aktenlotse.search.backend_common import semantic_floor
from aktenlotse.search.embedded_ranking import NOT_EMPTY_FILE, filter_sql
from aktenlotse.search.hybrid import DEPTH
from aktenlotse.search.vector_permissions import VectorPermissions
from aktenlotse.search.vector_store import ChunkMatrix

# What the visibility and filter SQL hands on for every match (see `embedded_ranking`).
MATCH_COLUMNS = "d.id, d.modified, d.year, d.file_type, d.folder, d.source"
# (visible, filtered documents with vectors as match rows with the cosine as score, best
# first; best chunk span per id; the best cosine of the visible documents regardless of filters)
Semantic = tuple[list[tuple], dict[str, tuple[int, int]], float | None]
Where = tuple[str, list[object]]


@dataclass
class Scored:
    """Candidate documents with their scores and best chunk spans (rows of `spans`), and
    the best score of the caller's visible documents regardless of filters."""

    ids: list[str]
    scores: np.ndarray  # float32, one per id
    spans: np.ndarray  # (len(ids), 2) int
    anchor: float


def semantic_side(
    connection: sqlite3.Connection,
    matrix: ChunkMatrix,
    permissions: VectorPermissions | None,
    unit_vector: np.ndarray,
    query: Query,
    visible_sets: Sequence[str],
    excluded: set[int],
) -> Semantic:
    """The semantic side of a query (see `Semantic`) over every chunk of `matrix`.
    `permissions` is the fast copy of the matrix's permission sets (None: list the visible
    documents through SQL); `excluded` the rowids a "-Wort" of the query removes."""
    scores, best_rows = matrix.doc_scores(unit_vector)
    unfiltered, filtered = visibility_where(query, visible_sets)
    has_filters = filtered != unfiltered
    if permissions is not None and not excluded:
        anchors = permissions.visible_positions(visible_sets)
        candidates = listed_positions(connection, matrix.index, filtered, excluded) if has_filters else anchors
        kept = read_kept(connection, _exact(matrix, scores, best_rows, candidates, anchors), filtered, strict=True)
        if kept is not None:
            return kept
    anchors = listed_positions(connection, matrix.index, unfiltered, excluded)
    candidates = listed_positions(connection, matrix.index, filtered, excluded) if has_filters else anchors
    kept = read_kept(connection, _exact(matrix, scores, best_rows, candidates, anchors), filtered, strict=False)
    assert kept is not None  # only a strict read gives up
    return kept


def visibility_where(query: Query, visible_sets: Sequence[str]) -> tuple[Where, Where]:
    """SQL on alias `d` for the caller's searchable documents, without and with the filters."""
    visible, visible_params = sql_condition("d.perm_id", list(visible_sets))
    filters, filter_params = filter_sql(query)
    unfiltered: Where = (f"{visible} AND {NOT_EMPTY_FILE}", [*visible_params])
    if not filters:
        return unfiltered, unfiltered
    return unfiltered, (" AND ".join([unfiltered[0], *filters]), [*visible_params, *filter_params])


def listed_positions(
    connection: sqlite3.Connection, position_of: dict[str, int], where: Where, excluded: set[int]
) -> np.ndarray:
    """Positions (in `position_of`) of the documents `where` lets through, minus `excluded` rowids."""
    positions = [
        position_of.get(doc_id, -1)
        for rowid, doc_id in connection.execute(f"SELECT d.rowid, d.id FROM docs d WHERE {where[0]}", where[1])
        if rowid not in excluded
    ]
    listed = np.asarray(positions, dtype=np.int64)
    return listed[listed >= 0]


def _exact(
    matrix: ChunkMatrix, scores: np.ndarray, best_rows: np.ndarray, candidates: np.ndarray, anchors: np.ndarray
) -> Scored:
    chosen = scores[candidates]
    anchor = max(float(chosen.max()) if chosen.size else -1.0, float(scores[anchors].max()) if anchors.size else -1.0)
    ids = [matrix.ids[position] for position in candidates.tolist()]
    return Scored(ids, chosen, matrix.spans[best_rows[candidates]], anchor)


def read_kept(connection: sqlite3.Connection, scored: Scored, where: Where, strict: bool) -> Semantic | None:
    """Match rows of the candidates in the band or the top DEPTH, read through `where`.
    None when `strict` and `where` dropped one of them."""
    if not scored.ids:
        return [], {}, None
    chosen = scored.scores
    # The band hangs from the best document the user may see WITHOUT the filters: picking
    # a facet value must give exactly the hits its count promised, so the filtered set has
    # to be a subset of the unfiltered one.
    keep = chosen >= semantic_floor(scored.anchor)
    if chosen.size > DEPTH:
        keep |= chosen >= np.partition(chosen, chosen.size - DEPTH)[chosen.size - DEPTH]
    else:
        keep[:] = True
    picked = np.flatnonzero(keep)
    ids = [scored.ids[i] for i in picked.tolist()]
    rows = connection.execute(
        f"SELECT d.rowid, {MATCH_COLUMNS} FROM docs d WHERE d.id IN (SELECT value FROM json_each(?)) AND {where[0]}",
        [json.dumps(ids), *where[1]],
    ).fetchall()
    if strict and len(rows) != len(ids):
        return None
    score_of = dict(zip(ids, chosen[picked].tolist(), strict=True))
    span_of = dict(zip(ids, scored.spans[picked].tolist(), strict=True))
    # Ties by rowid, so that both ways to the candidates rank alike.
    ranked = sorted(((row[0], score_of[row[1]], *row[1:]) for row in rows), key=lambda r: (-r[1], r[0]))
    best_chunks = {row[2]: (int(span_of[row[2]][0]), int(span_of[row[2]][1])) for row in ranked}
    return ranked, best_chunks, scored.anchor
