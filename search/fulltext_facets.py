"""Facet counts of a full-text query, from tantivy's aggregations over fast fields.

The names and the shape are those of every backend (`Hits.facets`): value and count, the
largest counts first, `FACET_SIZE` values (`backend_common.top_counts`). The folder facet
is the level below the chosen folder (`folder_facet`): each document holds its ancestor
path of every depth in a field of its own (`folder_1` … `folder_N`), so that level is one
aggregation; below `FOLDER_DEPTH` the caller counts the matches' folders itself.
"""

from __future__ import annotations

from typing import Any

import tantivy

from aktenlotse.search.backend_common import top_counts
from aktenlotse.search.folder_facet import breadcrumb
from aktenlotse.search.fulltext_index import FOLDER_DEPTH

# facet name -> fast field (the folder's depends on the chosen folder, `folder_field`)
FACET_FIELDS = {
    "file_type": "file_type",
    "year": "year",
    "source": "source",
    "keywords": "keywords",
    "aktenplan": "aktenplan",
}
# Buckets asked for per facet and per segment: more than are shown, so that the counts of
# the values shown are exact (each segment counts its own values before they are merged).
_BUCKETS = 200
_SEGMENT_BUCKETS = 20_000


def folder_field(chosen: str | None) -> str | None:
    """The field holding the folder facet's values below `chosen` (None: deeper than the
    index keeps levels)."""
    depth = len(breadcrumb(chosen)) + 1
    return f"folder_{depth}" if depth <= FOLDER_DEPTH else None


def aggregated_facets(
    searcher: tantivy.Searcher, query: tantivy.Query, folder: str | None
) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over the documents `query` matches; "folder" only when
    `folder_field` has a field for the level below `folder`."""
    fields = dict(FACET_FIELDS)
    below = folder_field(folder)
    if below is not None:
        fields["folder"] = below
    spec = {
        name: {"terms": {"field": field, "size": _BUCKETS, "segment_size": _SEGMENT_BUCKETS}}
        for name, field in fields.items()
    }
    result = searcher.aggregate(query, spec)
    return {name: top_counts(_buckets(result.get(name))) for name in fields}


def _buckets(result: Any) -> list[tuple[str, int]]:
    if not isinstance(result, dict):
        return []
    counts = []
    for bucket in result.get("buckets") or []:
        key = bucket.get("key")
        if isinstance(key, float) and key.is_integer():  # years come back as floats
            key = int(key)
        if key not in (None, ""):
            counts.append((str(key), int(bucket.get("doc_count", 0))))
    return counts
