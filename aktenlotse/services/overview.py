"""What lies on the shares, for the AG DMS and admins: volume by share, type and year,
duplicates and their wasted volume, files untouched for years, personal data in open
folders, classification coverage. Aggregated in SQL over the state database; only the
personal-data check reads the index (enrichment flags), in chunks."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from aktenlotse.core.records import EVERYONE
from aktenlotse.stores.statedb import StateDB, to_text

STALE_YEARS = 10
LIST_LIMIT = 200


@dataclass
class Overview:
    by_source: list[tuple[str, int, int]] = field(default_factory=list)  # source, files, bytes
    by_type: list[tuple[str, int, int]] = field(default_factory=list)
    by_year: list[tuple[int, int, int]] = field(default_factory=list)
    duplicate_groups: int = 0
    duplicate_files: int = 0
    wasted_bytes: int = 0
    largest_duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # hash, copies, size
    stale_files: int = 0
    stale_bytes: int = 0
    stale_examples: list[tuple[str, str, int]] = field(default_factory=list)  # source, path, year
    open_personal_data: list[tuple[str, str, list[str]]] = field(default_factory=list)  # source, path, reasons
    classified: int = 0
    total: int = 0


def _extension(name: bytes) -> str:
    ext = os.path.splitext(to_text(name))[1].lower().lstrip(".")
    return ext if ext.isalnum() and len(ext) <= 8 else "(ohne)"


def build_overview(state: StateDB, backend=None, now: float | None = None, *, roles: Iterable[str] = ()) -> Overview:
    """What lies on the shares; with `backend`, also what the index knows (then `roles`
    must include a DMS role, `visibility.DmsRoleRequired` otherwise)."""
    conn = state.conn
    view = Overview()
    view.by_source = [
        tuple(r)
        for r in conn.execute(
            "SELECT source, count(*), coalesce(sum(size), 0) FROM items GROUP BY source ORDER BY 3 DESC"
        )
    ]
    types: dict[str, list[int]] = {}
    years: dict[int, list[int]] = {}
    now = now or dt.datetime.now().timestamp()
    stale_before = now - STALE_YEARS * 365.25 * 86400
    for name, size, mtime in conn.execute("SELECT name, size, mtime FROM items"):
        entry = types.setdefault(_extension(name), [0, 0])
        entry[0] += 1
        entry[1] += size
        year = dt.datetime.fromtimestamp(mtime).year
        bucket = years.setdefault(year, [0, 0])
        bucket[0] += 1
        bucket[1] += size
    view.by_type = sorted(((t, n, b) for t, (n, b) in types.items()), key=lambda r: -r[2])
    view.by_year = sorted((y, n, b) for y, (n, b) in years.items())
    row = conn.execute(
        "SELECT count(*), coalesce(sum(n), 0), coalesce(sum((n - 1) * size), 0) FROM ("
        " SELECT content_hash, count(*) AS n, max(size) AS size FROM items WHERE content_hash IS NOT NULL"
        " GROUP BY content_hash HAVING count(*) > 1)"
    ).fetchone()
    view.duplicate_groups, view.duplicate_files, view.wasted_bytes = row
    view.largest_duplicates = [
        tuple(r)
        for r in conn.execute(
            "SELECT content_hash, count(*), max(size) FROM items WHERE content_hash IS NOT NULL GROUP BY content_hash"
            " HAVING count(*) > 1 ORDER BY (count(*) - 1) * max(size) DESC LIMIT 20"
        )
    ]
    view.stale_files, view.stale_bytes = conn.execute(
        "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE mtime < ?", (stale_before,)
    ).fetchone()
    view.stale_examples = [
        (source, _path(folder, name), dt.datetime.fromtimestamp(mtime).year)
        for source, folder, name, mtime in conn.execute(
            "SELECT source, folder, name, mtime FROM items WHERE mtime < ? ORDER BY mtime LIMIT ?",
            (stale_before, LIST_LIMIT),
        )
    ]
    view.total = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    if backend is not None:
        _from_index(view, state, backend, roles)
    return view


def _path(folder: bytes, name: bytes) -> str:
    folder_text = to_text(folder)
    return f"{folder_text}/{to_text(name)}" if folder_text else to_text(name)


def _from_index(view: Overview, state: StateDB, backend, roles: Iterable[str]) -> None:
    """Personal data in world-readable files, and how many documents have a suggestion."""
    cursor = state.conn.cursor()
    cursor.execute("SELECT id, source, folder, name, allow FROM items")
    while True:
        rows = cursor.fetchmany(1000)
        if not rows:
            break
        docs = {d.id: d for d in backend.dms_listing([r[0] for r in rows], roles)}
        for item_id, source, folder, name, allow in rows:
            doc = docs.get(item_id)
            if doc is None:
                continue
            if doc.extra.get("aktenplan"):
                view.classified += 1
            reasons = doc.extra.get("sensitive") or []
            if reasons and EVERYONE in allow.split("\n") and len(view.open_personal_data) < LIST_LIMIT:
                view.open_personal_data.append((source, _path(folder, name), list(reasons)))
