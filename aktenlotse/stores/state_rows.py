"""Rows of the state database as Python values: paths as file-system bytes, items as `ItemRow`.

Paths are stored as bytes (names that are not UTF-8 round-trip); folders and names are
separate columns so that a folder's items are one index range.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

# perm_id of an item hidden because its folder could not be verified.
UNVERIFIED = "unverified"


def to_bytes(path: str) -> bytes:
    """A path as the state database stores it."""
    return os.fsencode(path)


def to_text(raw: bytes) -> str:
    """A stored path back as text (undecodable bytes as surrogates, as `os.fsdecode`)."""
    return os.fsdecode(raw)


def split_path(path: str) -> tuple[str, str]:
    """(folder, name) of a path relative to the source root; folder '' for the root."""
    folder, _, name = path.rpartition("/")
    return folder, name


def below(raw: bytes) -> tuple[bytes, bytes]:
    """The byte range [raw/, raw0) holding exactly the paths below folder `raw` ('/' + 1 == '0')."""
    return raw + b"/", raw + b"0"


@dataclass(slots=True)
class ItemRow:
    """One file as the state database knows it (what the index holds for it)."""

    id: str
    source: str
    path: str
    size: int
    mtime: float
    ctime: float
    file_id: str | None
    content_hash: str | None
    allow: tuple[str, ...]
    deny: tuple[str, ...]
    children: int
    status: str
    error_kind: str | None = None
    last_error: str | None = None
    perm_id: str | None = None


ITEM_COLUMNS = (
    "id, source, folder, name, size, mtime, ctime, file_id, content_hash, allow, deny, children, status,"
    " error_kind, last_error, perm_id"
)


def row_to_item(row: tuple) -> ItemRow:
    """An `ItemRow` from a row selected with ITEM_COLUMNS."""
    folder, name = to_text(row[2]), to_text(row[3])
    return ItemRow(
        id=row[0],
        source=row[1],
        path=f"{folder}/{name}" if folder else name,
        size=row[4],
        mtime=row[5],
        ctime=row[6],
        file_id=row[7],
        content_hash=row[8],
        allow=tuple(row[9].split("\n")) if row[9] else (),
        deny=tuple(row[10].split("\n")) if row[10] else (),
        children=row[11],
        status=row[12],
        error_kind=row[13],
        last_error=row[14],
        perm_id=row[15],
    )


def join_principals(principals: Iterable[str]) -> str:
    """Principals as one column value (one per line)."""
    return "\n".join(principals)
