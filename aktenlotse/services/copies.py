"""Identical copies of a file shown as one hit: the best-ranked copy, with the paths of the
others on the same result page.

Only what the user may open takes part: every hit comes from a search trimmed to the user,
and its content hash is read with `Backend.get` as that user, so a copy the user may not
open is neither counted nor named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aktenlotse.search.backend import Backend, Hit, Hits

COPIES_KEY = "copies"  # in Hit.extra: the display paths of the other copies


def copies_of(hit: Hit) -> list[str]:
    """The paths of the identical copies collapsed into `hit` (empty when there are none)."""
    return list(hit.extra.get(COPIES_KEY) or [])


def collapse_copies(backend: Backend, hits: Hits, principals: Sequence[str]) -> Hits:
    """`hits` with every file whose content hash an earlier hit of the page has folded into
    that hit. Empty files are left alone (all of them share one hash without being copies
    of anything), and so are wiki pages and the items inside a file."""
    allowed = list(principals)
    first_of: dict[str, Hit] = {}
    kept: list[Hit] = []
    for hit in hits.hits:
        doc = backend.get(hit.id, allowed) if hit.kind == "file" and hit.size > 0 else None
        key = doc.content_hash if doc is not None else None
        if not key:
            kept.append(hit)
            continue
        first = first_of.get(key)
        if first is None:
            first = first_of[key] = replace(hit, extra={**hit.extra, COPIES_KEY: []})
            kept.append(first)
        else:
            first.extra[COPIES_KEY].append(hit.display_path or hit.path)
    return replace(hits, hits=kept)
