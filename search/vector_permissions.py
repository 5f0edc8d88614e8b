"""Which rows of a chunk matrix a caller may see, without asking SQL for every visible document.

Semantic search scores every document with vectors; listing the caller's visible documents
through SQL for each query cost more than the scoring itself (about 70 ms per 100,000
documents, for the ids alone). This module keeps, per matrix position, the document's
permission set as a small integer, so the visible positions of a query are one `isin` over
an array. The copy is a hint, never the judge: it is reloaded whenever a write moves
`meta.docs_generation` (every write transaction of the index does), and the rows a query
keeps are read back through the visibility SQL, which drops anything the copy got wrong
(`embedded_semantic`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from aktenlotse.search import meta_counters

# Moved by every write transaction of the embedded index (`EmbeddedIndexFile`).
DOCS_GENERATION = "docs_generation"
SCHEMA = f"INSERT OR IGNORE INTO meta(key, value) VALUES ('{DOCS_GENERATION}', '0');"
# A document semantic search never returns (see `embedded_ranking.NOT_EMPTY_FILE`).
_NOT_SEARCHABLE = "kind = 'file' AND size = 0"


class Positioned(Protocol):
    """Documents by position: a `ChunkMatrix`, an ANN snapshot."""

    ids: list[str]
    index: dict[str, int]


@dataclass(frozen=True)
class VectorPermissions:
    """The permission set of each document of `matrix`, by matrix position."""

    matrix: Positioned
    docs_generation: str
    codes: np.ndarray  # int32 per matrix position: index into `perm_ids`; -1: no searchable row
    perm_ids: dict[str, int]

    def visible_positions(self, visible_sets: Sequence[str]) -> np.ndarray:
        """Matrix positions (ascending) of the documents whose set is one of `visible_sets`."""
        wanted = [self.perm_ids[perm_id] for perm_id in visible_sets if perm_id in self.perm_ids]
        if not wanted:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.isin(self.codes, np.asarray(wanted, dtype=np.int32)))


class VectorPermissionCache:
    """The `VectorPermissions` of the matrices last asked for (one per `role`: the exact
    matrix, an ANN snapshot, its delta), each reloaded when it is stale."""

    def __init__(self) -> None:
        self._cached: dict[str, VectorPermissions] = {}
        self._lock = threading.Lock()

    def for_matrix(self, connection: sqlite3.Connection, matrix: Positioned, role: str = "exact") -> VectorPermissions:
        generation = str(meta_counters.read(connection, DOCS_GENERATION))
        with self._lock:
            cached = self._cached.get(role)
        if cached is not None and cached.matrix is matrix and cached.docs_generation == generation:
            return cached
        # Read after the generation: a write in between makes this copy newer than its
        # label, so the next query loads again; never older.
        loaded = _load(connection, matrix, generation)
        with self._lock:
            self._cached[role] = loaded
        return loaded

    def invalidate(self) -> None:
        with self._lock:
            self._cached.clear()


def _load(connection: sqlite3.Connection, matrix: Positioned, generation: str) -> VectorPermissions:
    codes = np.full(len(matrix.ids), -1, dtype=np.int32)
    perm_ids: dict[str, int] = {}
    position_of = matrix.index
    for doc_id, perm_id, unsearchable in connection.execute(f"SELECT id, perm_id, {_NOT_SEARCHABLE} FROM docs"):
        position = position_of.get(doc_id)
        if position is None or unsearchable:
            continue
        code = perm_ids.get(perm_id)
        if code is None:
            code = perm_ids[perm_id] = len(perm_ids)
        codes[position] = code
    return VectorPermissions(matrix, generation, codes, perm_ids)
