"""The embedded backend's semantic side over an ANN snapshot (`vector_ann`) and its delta.

1. The mask: the snapshot positions of the caller's permission sets (`VectorPermissions`),
   minus documents rewritten or deleted since the snapshot and those a "-Wort" excludes,
   narrowed by the filters when the query has some.
2. The snapshot's nearest chunks within that mask (trimming inside the search), their
   documents rescored exactly from their stored vectors (best chunk plus a share of the
   second, as `ChunkMatrix` does); the delta (rows newer than the snapshot) scored exactly.
3. The band and the top `hybrid.DEPTH` read through the visibility SQL (`read_kept`). If
   that drops a row the copy let through (a write between), the copy is loaded again and
   the query answered once more; a second miss keeps what the SQL confirmed.

Totals and facets count the band within the `SEARCH_CHUNKS` nearest chunks, as the search
server backends count within their kNN candidates.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aktenlotse.search.backend import Query
from aktenlotse.search.embedded_semantic import Scored, Semantic, listed_positions, read_kept, visibility_where
from aktenlotse.search.vector_ann import AnnSnapshot, stale_ids
from aktenlotse.search.vector_permissions import VectorPermissionCache
from aktenlotse.search.vector_store import ChunkMatrix, VectorStore


def ann_side(
    connection: sqlite3.Connection,
    snapshot: AnnSnapshot,
    vectors: VectorStore,
    permissions: VectorPermissionCache,
    unit_vector: np.ndarray,
    query: Query,
    visible_sets: Sequence[str],
    excluded: set[int],
) -> Semantic:
    """The semantic side of a query (`embedded_semantic.Semantic`) from the snapshot."""
    search = _AnnSearch(connection, snapshot, vectors, permissions, unit_vector, query, visible_sets, excluded)
    delta = vectors.matrix_for(connection, snapshot.dim, snapshot.model, after_rowid=snapshot.max_rowid)
    kept = None
    for attempt in range(2):
        kept = read_kept(connection, search.scored(delta), visibility_where(query, visible_sets)[1], attempt == 0)
        if kept is not None:
            break
        permissions.invalidate()
    assert kept is not None  # only a strict read gives up
    return kept


@dataclass
class _AnnSearch:
    """One query's way through the snapshot and its delta."""

    connection: sqlite3.Connection
    snapshot: AnnSnapshot
    vectors: VectorStore
    permissions: VectorPermissionCache
    unit_vector: np.ndarray
    query: Query
    visible_sets: Sequence[str]
    excluded: set[int]

    def scored(self, delta: ChunkMatrix | None) -> Scored:
        """The candidates of the snapshot and of the delta, with the unfiltered anchor."""
        connection, snapshot = self.connection, self.snapshot
        unfiltered, filtered = visibility_where(self.query, self.visible_sets)
        has_filters = filtered != unfiltered
        excluded_ids = _ids_of(connection, self.excluded)
        mask = np.zeros(len(snapshot.ids), dtype=bool)
        copy = self.permissions.for_matrix(connection, snapshot, "snapshot")
        mask[copy.visible_positions(self.visible_sets)] = True
        for doc_id in stale_ids(connection, snapshot) | excluded_ids:
            position = snapshot.index.get(doc_id)
            if position is not None:
                mask[position] = False
        filtered_mask = mask
        if has_filters:
            filtered_mask = np.zeros_like(mask)
            filtered_mask[listed_positions(connection, snapshot.index, filtered, self.excluded)] = True
            filtered_mask &= mask
        ids, scores, spans = self._rescored(filtered_mask)
        anchor = float(scores.max()) if scores.size else -1.0
        if has_filters:
            _, unfiltered_scores, _ = self._rescored(mask, k=64)
            if unfiltered_scores.size:
                anchor = max(anchor, float(unfiltered_scores.max()))
        if delta is not None and delta.ids:
            delta_scores, best_rows = delta.doc_scores(self.unit_vector)
            visible = self.permissions.for_matrix(connection, delta, "delta").visible_positions(self.visible_sets)
            visible = np.asarray([p for p in visible.tolist() if delta.ids[p] not in excluded_ids], dtype=np.int64)
            if visible.size:
                anchor = max(anchor, float(delta_scores[visible].max()))
                chosen = listed_positions(connection, delta.index, filtered, self.excluded) if has_filters else visible
                chosen = np.intersect1d(chosen, visible)
                ids = ids + [delta.ids[p] for p in chosen.tolist()]
                scores = np.concatenate([scores, delta_scores[chosen]])
                spans = np.concatenate([spans, delta.spans[best_rows[chosen]]])
        return Scored(ids, scores.astype(np.float32), spans, anchor)

    def _rescored(self, allowed: np.ndarray, k: int | None = None) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The nearest documents within `allowed`, scored exactly from their stored chunks."""
        snapshot = self.snapshot
        found = (
            snapshot.search(self.unit_vector, allowed) if k is None else snapshot.search(self.unit_vector, allowed, k)
        )
        nearest = [snapshot.ids[p] for p in dict.fromkeys(found[0].tolist())]
        stored = self.vectors.chunks_of(self.connection, snapshot.model, snapshot.dim, nearest)
        if not stored.ids:
            return [], np.zeros(0, np.float32), np.zeros((0, 2), np.int64)
        scores, best_rows = stored.doc_scores(self.unit_vector)
        return stored.ids, scores, stored.spans[best_rows]


def _ids_of(connection: sqlite3.Connection, rowids: set[int]) -> set[str]:
    if not rowids:
        return set()
    rows = connection.execute(
        "SELECT id FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(sorted(rowids)),)
    )
    return {row[0] for row in rows}
