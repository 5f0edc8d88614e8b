"""An approximate nearest-neighbour index over the chunk vectors, for embedded indexes too
big to score every chunk per query.

Below `ANN_MIN_CHUNKS` chunks the embedded backend scores every chunk (`ChunkMatrix`): exact,
and fast enough. Above, a snapshot of the vectors goes into a faiss IVF index with 8-bit
scalar quantization (`IndexIVFScalarQuantizer`): a query compares itself with the `nprobe`
closest of `nlist` cluster centres and scans only those clusters' 8-bit codes.

- Trimming inside the search: every chunk of a document carries the document's position in
  the snapshot as its faiss id, and the search gets a bitmap of the positions the caller may
  see (`IDSelectorBitmap`). Hidden documents are skipped while the clusters are scanned, so
  they can never take a visible document's place among the nearest.
- Memory-mapped: the index file is opened with `IO_FLAG_MMAP`, so every portal process
  shares the page cache instead of holding its own copy of the vectors.
- Snapshot and delta: a snapshot knows the highest `doc_vectors` rowid it holds. Rows
  written after it (new or re-embedded documents; every write gets a rowid above all before,
  `VectorStore.write`) are the delta, scored exactly; documents with a delta row or deleted
  since the snapshot
  (`vector_deletions`, filled by a trigger) are masked out of the snapshot. A rebuild
  (`build_snapshot`, run by `aktenlotse enrich` when the delta has grown) folds the delta in.
- Files: `<index>.vectors/<model>.json` (the positions' document ids, the rowid bound, the
  name of its faiss file) replaced atomically after its own `<model>.<build>.faiss`, so a
  reader sees the old snapshot or the new one, never half of one.

Why faiss: it filters by bitmap inside the IVF scan and memory-maps its files; usearch's
Python binding has no filter, hnswlib's filter is a Python callback per candidate, and
sqlite-vec scans every vector (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aktenlotse.search.vector_store import decode_vectors

if TYPE_CHECKING:
    import faiss


def _faiss() -> Any:
    # Imported when a snapshot is opened or built: about 0.1 s that every CLI start and
    # every index below ANN_MIN_CHUNKS would otherwise pay for nothing.
    import faiss

    return faiss


# Below this many chunks of a model, exact scoring is fast enough and stays the reference.
ANN_MIN_CHUNKS = 200_000
# A rebuild is due when the delta holds this share of the snapshot's chunks.
REBUILD_SHARE = 0.1
# Chunk hits one search asks for (documents: fewer, a document can hit with several chunks).
SEARCH_CHUNKS = 2000
# Documents a search wants before it stops widening (hybrid.DEPTH and some to spare).
MIN_DOCUMENTS = 200
# Training sample per cluster (faiss warns below 39).
TRAIN_PER_LIST = 40
_BATCH_CHUNKS = 50_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS vector_deletions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    model TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS doc_vectors_deleted AFTER DELETE ON doc_vectors BEGIN
    INSERT INTO vector_deletions(doc_id, model) VALUES (old.doc_id, old.model);
END;
"""

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)


SNAPSHOT_SUFFIX = ".vectors"


def snapshot_dir(db_path: Path) -> Path:
    """Where the snapshots of the index file `db_path` live (derived data, not backed up)."""
    return Path(f"{db_path}{SNAPSHOT_SUFFIX}")


def nlist_for(chunks: int) -> int:
    """Clusters for `chunks` vectors: about the square root (training and assignment cost
    grow with it; the scan per query shrinks)."""
    return max(1, int(math.sqrt(max(chunks, 1))))


def nprobe_for(nlist: int) -> int:
    """Clusters a query scans: a tenth of them, at least 16. On the scale benchmark's 100,000
    documents recall@10 against exact search was 0.95 with a twentieth, 0.975 with a tenth
    and 1.0 with a fifth, at 37, 39 and 46 ms a query (docs/benchmarks.md)."""
    return min(nlist, max(16, nlist // 10))


@dataclass
class AnnSnapshot:
    """One built snapshot of a model's chunk vectors (see the module docstring)."""

    model: str
    dim: int
    max_rowid: int
    max_deletion: int
    ids: list[str]  # document id per snapshot position
    index: dict[str, int]  # document id -> position
    chunks: int
    faiss_index: faiss.Index
    stamp: tuple[int, int]  # (mtime_ns, size) of the json file: a rebuild replaces it
    token: str  # the build's name, also kept in the index's meta table (see `AnnStore.snapshot`)

    def search(
        self, query: np.ndarray, allowed: np.ndarray, k: int = SEARCH_CHUNKS, documents: int = MIN_DOCUMENTS
    ) -> tuple[np.ndarray, np.ndarray]:
        """(position, cosine) of the best chunks of the allowed positions (a bool mask
        over positions), best first; a position may repeat (several chunks).

        When the caller may see few documents, the closest clusters may hold none of them:
        the scan widens (four times the clusters each round, up to all) until it found
        `documents` documents or all the allowed ones, so a hidden majority near the query
        cannot hide the visible rest."""
        faiss = _faiss()
        allowed_count = int(allowed.sum())
        if not allowed_count:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        nlist = faiss.extract_index_ivf(self.faiss_index).nlist
        params = faiss.SearchParametersIVF()
        params.sel = selector
        nprobe = nprobe_for(nlist)
        vector = query.reshape(1, -1).astype(np.float32)
        while True:
            params.nprobe = nprobe
            scores, positions = self.faiss_index.search(vector, k, params=params)
            found = positions[0] >= 0
            enough = min(documents, allowed_count)
            if nprobe >= nlist or len(np.unique(positions[0][found])) >= enough:
                return positions[0][found].astype(np.int64), scores[0][found]
            nprobe = min(nlist, nprobe * 4)


class AnnStore:
    """The snapshots of one index file, opened lazily and reopened after a rebuild."""

    def __init__(self, db_path: Path) -> None:
        self._dir = snapshot_dir(db_path)
        self._open: dict[str, AnnSnapshot] = {}
        self._lock = threading.Lock()

    def snapshot(self, connection: sqlite3.Connection, model: str, dim: int) -> AnnSnapshot | None:
        """The current snapshot of `model`, or None when none is built (exact search).

        A snapshot counts only if the index names it (`meta`, written with the build): an
        index file restored from a backup, older than the snapshot beside it, falls back
        to exact search until the next build instead of trusting vectors it never held."""
        row = connection.execute("SELECT value FROM meta WHERE key = ?", (token_key(model),)).fetchone()
        if row is None:
            return None
        meta_path = self._dir / f"{_file_stem(model)}.json"
        try:
            stat = meta_path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._open.get(model)
            opened = cached if cached is not None and cached.stamp == stamp else _open_snapshot(meta_path, stamp)
        except (FileNotFoundError, RuntimeError):  # RuntimeError: faiss (a rebuild removed the file just now)
            return None
        with self._lock:
            self._open[model] = opened
        return opened if opened.dim == dim and opened.token == row[0] else None


def token_key(model: str) -> str:
    """The `meta` key that names the current snapshot of `model`."""
    return f"ann_snapshot:{model}"


def _file_stem(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model)


def _open_snapshot(meta_path: Path, stamp: tuple[int, int]) -> AnnSnapshot:
    faiss = _faiss()
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    ids = meta["ids"]
    faiss_index = faiss.read_index(str(meta_path.parent / meta["faiss"]), faiss.IO_FLAG_MMAP)
    return AnnSnapshot(
        meta["model"],
        int(meta["dim"]),
        int(meta["max_rowid"]),
        int(meta["max_deletion"]),
        ids,
        {doc_id: i for i, doc_id in enumerate(ids)},
        int(meta["chunks"]),
        faiss_index,
        stamp,
        meta["faiss"],
    )


def delta_where(snapshot: AnnSnapshot) -> tuple[str, list[object]]:
    """SQL on `doc_vectors` for the rows the snapshot does not hold."""
    return "model = ? AND dim = ? AND rowid > ?", [snapshot.model, snapshot.dim, snapshot.max_rowid]


def stale_ids(connection: sqlite3.Connection, snapshot: AnnSnapshot) -> set[str]:
    """Documents whose snapshot vectors no longer count: rewritten or deleted since."""
    where, params = delta_where(snapshot)
    stale = {row[0] for row in connection.execute(f"SELECT doc_id FROM doc_vectors WHERE {where}", params)}
    stale.update(
        row[0]
        for row in connection.execute(
            "SELECT doc_id FROM vector_deletions WHERE id > ? AND model = ?", (snapshot.max_deletion, snapshot.model)
        )
    )
    return stale


def delta_chunks(connection: sqlite3.Connection, snapshot: AnnSnapshot) -> int:
    where, params = delta_where(snapshot)
    return int(
        connection.execute(f"SELECT coalesce(sum(chunks), 0) FROM doc_vectors WHERE {where}", params).fetchone()[0]
    )


def rebuild_due(connection: sqlite3.Connection, store: AnnStore, model: str, dim: int) -> bool:
    """Whether `build_snapshot` should run: enough chunks and no snapshot, or a delta of
    `REBUILD_SHARE` of it."""
    total = connection.execute(
        "SELECT coalesce(sum(chunks), 0) FROM doc_vectors WHERE model = ? AND dim = ?", (model, dim)
    ).fetchone()[0]
    if total < ANN_MIN_CHUNKS:
        return False
    snapshot = store.snapshot(connection, model, dim)
    if snapshot is None:
        return True
    return delta_chunks(connection, snapshot) >= REBUILD_SHARE * max(snapshot.chunks, 1)


def build_snapshot(
    connection: sqlite3.Connection, db_path: Path, model: str, dim: int, progress: Progress | None = None
) -> dict[str, int]:
    """Build the snapshot of `model`'s vectors from what `connection` sees now and replace
    the current one. Reads one consistent state (one read transaction); writers go on."""
    faiss = _faiss()
    connection.execute("BEGIN")
    try:
        where = "model = ? AND dim = ? AND chunks > 0"
        total, max_rowid = connection.execute(
            f"SELECT coalesce(sum(chunks), 0), coalesce(max(rowid), 0) FROM doc_vectors WHERE {where}",
            (model, dim),
        ).fetchone()
        max_deletion = connection.execute("SELECT coalesce(max(id), 0) FROM vector_deletions").fetchone()[0]
        nlist = nlist_for(total)
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.train(_sample(connection, where, (model, dim), total, dim, nlist * TRAIN_PER_LIST))
        ids: list[str] = []
        batch: list[np.ndarray] = []
        batch_ids: list[np.ndarray] = []
        done = 0
        for doc_id, chunks, blob in connection.execute(
            f"SELECT doc_id, chunks, vectors FROM doc_vectors WHERE {where} AND rowid <= ? ORDER BY doc_id",
            (model, dim, max_rowid),
        ):
            batch.append(decode_vectors(blob, chunks, dim))
            batch_ids.append(np.full(chunks, len(ids), dtype=np.int64))
            ids.append(doc_id)
            done += chunks
            if sum(len(b) for b in batch_ids) >= _BATCH_CHUNKS:
                index.add_with_ids(np.concatenate(batch), np.concatenate(batch_ids))
                batch, batch_ids = [], []
                if progress is not None:
                    progress(done, total)
        if batch:
            index.add_with_ids(np.concatenate(batch), np.concatenate(batch_ids))
        if progress is not None:
            progress(done, total)
    finally:
        connection.execute("COMMIT")
    token = _write(snapshot_dir(db_path), model, dim, index, ids, max_rowid, max_deletion, done)
    return {"documents": len(ids), "chunks": done, "nlist": nlist, "max_deletion": max_deletion, "token": token}


def _sample(connection: sqlite3.Connection, where: str, params: tuple, total: int, dim: int, wanted: int) -> np.ndarray:
    """About `wanted` chunk vectors spread over the whole table (every n-th row)."""
    step = max(1, total // max(wanted, 1))
    rows = []
    for position, (chunks, blob) in enumerate(
        connection.execute(f"SELECT chunks, vectors FROM doc_vectors WHERE {where} ORDER BY doc_id", params)
    ):
        if position % step == 0:
            rows.append(decode_vectors(blob, chunks, dim))
    sample = np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)
    return np.ascontiguousarray(sample[: max(wanted, 1) * 2], dtype=np.float32)


def _write(
    folder: Path,
    model: str,
    dim: int,
    index: faiss.Index,
    ids: list[str],
    max_rowid: int,
    max_deletion: int,
    chunks: int,
) -> str:
    """Write the snapshot's files; the build's token (its faiss file's name)."""
    faiss = _faiss()
    folder.mkdir(parents=True, exist_ok=True)
    stem = _file_stem(model)
    # Each build its own faiss file, named in the json: a reader opens the pair the json
    # names, so it never combines one build's positions with another's vectors.
    faiss_name = f"{stem}.{time.time_ns()}.faiss"
    faiss.write_index(index, str(folder / faiss_name))
    meta = {"model": model, "dim": dim, "max_rowid": max_rowid, "max_deletion": max_deletion, "chunks": chunks}
    meta_tmp = folder / f"{stem}.json.tmp"
    meta_tmp.write_text(json.dumps({**meta, "faiss": faiss_name, "ids": ids}), encoding="utf-8")
    os.replace(meta_tmp, folder / f"{stem}.json")
    # Older builds go; a process still using one keeps its mapping of the unlinked file.
    for old in folder.glob(f"{stem}.*.faiss"):
        if old.name != faiss_name:
            old.unlink(missing_ok=True)
    return faiss_name
