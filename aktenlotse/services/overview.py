"""What lies on the shares, for the AG DMS and admins: volume by share, type and year,
duplicates and their wasted volume, files untouched for years, personal data in open
folders, classification coverage. Aggregated in SQL over the state database; only the
personal-data check reads the index (enrichment flags), in chunks."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from aktenlotse.core.config import Config
from aktenlotse.core.records import EVERYONE
from aktenlotse.search.backend import Backend
from aktenlotse.stores.statedb import StateDB, to_text

STALE_YEARS = 10
LIST_LIMIT = 200


@dataclass
class Overview:
    """The figures of the overview page (lists are capped at LIST_LIMIT rows)."""

    by_source: list[tuple[str, int, int]] = field(default_factory=list)  # source, files, bytes
    by_type: list[tuple[str, int, int]] = field(default_factory=list)
    by_year: list[tuple[int, int, int]] = field(default_factory=list)
    duplicate_groups: int = 0
    duplicate_files: int = 0
    wasted_bytes: int = 0
    largest_duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # hash, copies, size
    # content hash -> "source: path" of each copy (the page names copies, not hashes)
    duplicate_paths: dict[str, list[str]] = field(default_factory=dict)
    stale_files: int = 0
    stale_bytes: int = 0
    stale_examples: list[tuple[str, str, int]] = field(default_factory=list)  # source, path, year
    open_personal_data: list[tuple[str, str, list[str]]] = field(default_factory=list)  # source, path, reasons
    classified: int = 0
    total: int = 0


def _extension(name: bytes) -> str:
    ext = os.path.splitext(to_text(name))[1].lower().lstrip(".")
    return ext if ext.isalnum() and len(ext) <= 8 else "(ohne)"


def build_overview(
    state: StateDB, backend: Backend | None = None, now: float | None = None, *, roles: Iterable[str] = ()
) -> Overview:
    """What lies on the shares; with `backend`, also what the index knows (then `roles`
    must include a DMS role, `visibility.DmsRoleRequired` otherwise)."""
    view = Overview()
    view.by_source = state.size_by_source()
    types: dict[str, list[int]] = {}
    years: dict[int, list[int]] = {}
    now = now or dt.datetime.now().timestamp()
    stale_before = now - STALE_YEARS * 365.25 * 86400
    for name, size, mtime in state.names_sizes_times():
        entry = types.setdefault(_extension(name), [0, 0])
        entry[0] += 1
        entry[1] += size
        year = dt.datetime.fromtimestamp(mtime).year
        bucket = years.setdefault(year, [0, 0])
        bucket[0] += 1
        bucket[1] += size
    view.by_type = sorted(((t, n, b) for t, (n, b) in types.items()), key=lambda r: -r[2])
    view.by_year = sorted((y, n, b) for y, (n, b) in years.items())
    view.duplicate_groups, view.duplicate_files, view.wasted_bytes = state.duplicate_totals()
    view.largest_duplicates = state.largest_duplicates(20)
    sources = sorted(state.sources())
    view.duplicate_paths = {
        content_hash: sorted(
            f"{source}: {row.path}" for source in sources for row in state.items_with_hash(source, content_hash)
        )
        for content_hash, _, _ in view.largest_duplicates
    }
    view.stale_files, view.stale_bytes = state.stale_totals(stale_before)
    view.stale_examples = [
        (source, _path(folder, name), dt.datetime.fromtimestamp(mtime).year)
        for source, folder, name, mtime in state.stale_examples(stale_before, LIST_LIMIT)
    ]
    view.total = state.item_total()
    if backend is not None:
        _from_index(view, state, backend, roles)
    return view


def _path(folder: bytes, name: bytes) -> str:
    folder_text = to_text(folder)
    return f"{folder_text}/{to_text(name)}" if folder_text else to_text(name)


def _from_index(view: Overview, state: StateDB, backend: Backend, roles: Iterable[str]) -> None:
    """Personal data in world-readable files, and how many documents have a suggestion."""
    for rows in state.item_chunks(1000):
        docs = {d.id: d for d in backend.dms_listing([r.id for r in rows], roles)}
        for row in rows:
            doc = docs.get(row.id)
            if doc is None:
                continue
            if doc.extra.get("aktenplan"):
                view.classified += 1
            reasons = doc.extra.get("sensitive") or []
            if reasons and EVERYONE in row.allow and len(view.open_personal_data) < LIST_LIMIT:
                view.open_personal_data.append((row.source, row.path, list(reasons)))


def overview_for(config: Config, backend: Backend, roles: Iterable[str]) -> Overview | None:
    """The overview of the configured state database and index (`roles`: the caller's, a DMS
    role needed for the index part); None before the first crawl."""
    if not config.state_db.exists():
        return None
    state = StateDB(config.state_db)
    try:
        return build_overview(state, backend, roles=roles)
    finally:
        state.close()
