"""The ANN snapshot in the scale benchmark: built once per cached index, set aside while
exact search is measured, compared with exact search side by side in one run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.vector_ann import snapshot_dir


def ensure_snapshot(index: Path, model: str) -> dict:
    """The snapshot's build figures (built now when the cached index has none)."""
    marker = index.parent / "complete.json"
    figures = json.loads(marker.read_text())
    folder = snapshot_dir(index)
    if "ann" in figures and folder.is_dir():
        return figures["ann"]
    started = time.perf_counter()
    with EmbeddedBackend(index) as backend:
        built = backend.refresh_vector_index(model, force=True)
    assert built is not None
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    figures["ann"] = {
        **built,
        "seconds": seconds,
        "chunks_per_s": built["chunks"] / seconds,
        "bytes_per_chunk": size / max(built["chunks"], 1),
    }
    marker.write_text(json.dumps(figures))
    return figures["ann"]


@contextmanager
def set_aside(index: Path) -> Iterator[None]:
    """No snapshot while inside (the backend falls back to exact search); back afterwards."""
    folder = snapshot_dir(index)
    aside = folder.with_name(folder.name + ".aside")
    moved = folder.is_dir()
    if moved:
        folder.rename(aside)
    try:
        yield
    finally:
        if moved:
            aside.rename(folder)


def recall_at_10(exact: list[list[str]], approximate: list[list[str]]) -> float:
    """Mean share of exact search's top 10 that the approximate search returns in its top 10."""
    shares = [len(set(e[:10]) & set(a[:10])) / len(e[:10]) for e, a in zip(exact, approximate, strict=True) if e]
    return sum(shares) / len(shares) if shares else 1.0
