"""The Pass contract: second passes over documents the crawl has already indexed.

The crawl makes text searchable at once; what is slow or optional comes later, resumable,
as a pass: chunk embeddings (`embed_pass.EmbeddingPass`), OCR of scans
(`ocr_pass.OcrPass`), future ones. A pass has

- `name`: the key of its figures in `run_second_pass`'s result ("embeddings", "ocr");
- `fields`: the document fields it owns: `VECTORS` (chunk vectors), top-level fields of
  `search.backend.UPDATABLE_FIELDS` such as "text", or one key of `extra` as "extra.<key>";
- `run(limit, progress) -> stats`: at most `limit` documents, `progress(stats)` after each
  stored group, stats with `as_dict()`.

A pass writes through `OwnFieldsIndex`, which refuses (`PassFieldError`) any write outside
its fields before it reaches the index: two passes never overwrite each other's fields,
and no pass can write what belongs to the crawl (permissions, path, content hash).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from aktenlotse.core.records import Document
from aktenlotse.search.backend import UPDATABLE_FIELDS, ChunkVectors, FieldUpdate, PassIndex

# The chunk vectors of a document (`PassIndex.upsert_vectors`), as a field name.
VECTORS = "vectors"


class PassFieldError(Exception):
    """A pass tried to write a field it does not own (a programming error, never data)."""


class PassStats(Protocol):
    """The figures of one run of a pass."""

    def as_dict(self) -> dict[str, Any]: ...


class Pass(Protocol):
    """A second pass: see the module docstring."""

    name: str
    fields: frozenset[str]

    def run(self, limit: int | None = None, progress: Callable[[Any], None] | None = None) -> PassStats: ...


def written_fields(update: Mapping[str, Any]) -> set[str]:
    """The field names an update writes: top-level keys, and "extra.<key>" per extra key."""
    names = {key for key in update if key != "extra"}
    names.update(f"extra.{key}" for key in update.get("extra") or {})
    return names


def check_fields(name: str, fields: Iterable[str]) -> frozenset[str]:
    """The fields a pass declares, refused when one is none a pass may own."""
    declared = frozenset(fields)
    ownable = {field for field in declared if field == VECTORS or field.startswith("extra.")}
    ownable |= declared & (UPDATABLE_FIELDS - {"extra"})
    if declared - ownable:
        raise PassFieldError(f"pass {name}: cannot own {sorted(declared - ownable)} (they belong to the crawl)")
    return declared


class OwnFieldsIndex:
    """A `PassIndex` for one pass: reads pass through, writes only the pass's own fields."""

    def __init__(self, index: PassIndex, name: str, fields: Iterable[str]):
        self.index = index
        self.name = name
        self.fields = check_fields(name, fields)

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]:
        """The documents with these ids, untrimmed (see `PassIndex.fetch_untrimmed`)."""
        return self.index.fetch_untrimmed(ids)

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Documents without vectors of `model` (see `PassIndex.ids_without_vectors`)."""
        return self.index.ids_without_vectors(model, limit)

    def count_without_vectors(self, model: str) -> int:
        """How many documents have no vectors of `model` (see `PassIndex.count_without_vectors`)."""
        return self.index.count_without_vectors(model)

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors; only for a pass that owns `VECTORS`."""
        if items and VECTORS not in self.fields:
            raise PassFieldError(f"pass {self.name}: does not own {VECTORS}")
        self.index.upsert_vectors(items)

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Partial updates, all refused (nothing written) if one writes a field not owned."""
        foreign = set().union(*(written_fields(u.fields) for u in updates)) - self.fields if updates else set()
        if foreign:
            raise PassFieldError(f"pass {self.name}: does not own {sorted(foreign)}")
        return self.index.update_fields(updates)


def run_passes(
    passes: Sequence[Pass],
    limit: int | None = None,
    progress: Mapping[str, Callable[[Any], None]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Run the passes one after the other; their figures by name. `progress` maps a pass
    name to its callback (each pass reports its own stats). Two passes that claim the same
    field are refused before either runs."""
    owners: dict[str, str] = {}
    for one in passes:
        for name in one.fields:
            if name in owners:
                raise PassFieldError(f"{name} is owned by both {owners[name]} and {one.name}")
            owners[name] = one.name
    return {one.name: one.run(limit, (progress or {}).get(one.name)).as_dict() for one in passes}
