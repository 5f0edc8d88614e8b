"""Facet counts of a full-text query, from tantivy's aggregations over fast fields.

The names and the shape are those of every backend (`Hits.facets`): value and count, the
largest counts first, `FACET_SIZE` values (`backend_common.top_counts`).
"""

from __future__ import annotations

from typing import Any

import tantivy

from aktenlotse.search.backend_common import top_counts

# facet name -> fast field
FACET_FIELDS = {
    "file_type": "file_type",
    "year": "year",
    "folder": "top_folder",
    "source": "source",
    "keywords": "keywords",
    "aktenplan": "aktenplan",
}
# Buckets asked for per facet and per segment: more than are shown, so that the counts of
# the values shown are exact (each segment counts its own values before they are merged).
_BUCKETS = 200
_SEGMENT_BUCKETS = 20_000


def aggregated_facets(searcher: tantivy.Searcher, query: tantivy.Query) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value over the documents `query` matches."""
    spec = {
        name: {"terms": {"field": field, "size": _BUCKETS, "segment_size": _SEGMENT_BUCKETS}}
        for name, field in FACET_FIELDS.items()
    }
    result = searcher.aggregate(query, spec)
    return {name: top_counts(_buckets(result.get(name))) for name in FACET_FIELDS}


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
