"""The Source seam: where files come from (a local folder or mounted share; SMB later)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from aktenlotse.core.access_checks import AccessCheck
from aktenlotse.core.config import SourceConfig
from aktenlotse.core.records import Entry


@dataclass(frozen=True)
class WalkProblem:
    """Something the walk could not handle; becomes an error record, the walk goes on."""

    path: str
    kind: str  # unreadable | symlink | too_long | gone
    message: str


@dataclass
class DirListing:
    """One folder as listed in one go. `complete` is False when the listing failed part-way;
    then nothing in or below this folder may be treated as deleted."""

    path: str  # relative, '' for the root
    files: list[Entry] = field(default_factory=list)
    subdirs: list[str] = field(default_factory=list)  # relative paths
    problems: list[WalkProblem] = field(default_factory=list)
    skipped: int = 0  # lock files, temp files, excluded, too large
    complete: bool = True
    # Identifies who may traverse into this folder (ancestors included). When it is the
    # same as at the last crawl, a file whose ctime did not change keeps its principals,
    # so a no-change re-crawl reads no per-file ACLs.
    traverse_key: str = ""


class Source(Protocol):
    """A tree of files with read permissions. Memory use must not grow with the tree.

    `config` holds the options of its `[[sources]]` table (enrichment, OCR, embeddings per
    source); callers read them there. `close` is called once the caller is done (an SMB
    source holds sessions to the file server; a local source has nothing to release)."""

    name: str
    config: SourceConfig

    def listings(self) -> Iterator[DirListing]:
        """Folder by folder, depth first. Raises `SourceUnavailable` if the root itself is unusable."""

    def walk(self) -> Iterator[Entry]:
        """All files with principals resolved, flattened from `listings()`."""

    def resolve_principals(self, listing: DirListing, entry: Entry) -> None:
        """Fill `entry.allow`/`entry.deny` (listings leave them empty until asked: reading
        per-file ACLs is the expensive part of a walk)."""

    def open(self, entry: Entry) -> BinaryIO:
        """A binary stream of the file's current content."""

    def current_entry(self, path: str) -> Entry | None:
        """The file as it is now (size, times, principals), None if gone."""

    def open_verified(self, path: str) -> tuple[Entry, BinaryIO] | None:
        """For downloads: the file opened once, with the principals read from that very
        open (not from a second look-up by name), so that nothing swapped in between a
        check and the read is served. None when it is gone or not a regular file;
        OSError when it cannot be opened. The caller closes the stream."""

    def display_path(self, path: str) -> str:
        """The path users know (e.g. a UNC path \\\\server\\share\\…)."""

    def access_checks(self, path: str) -> list[AccessCheck]:
        """The checks that decide who may read `path` now, in order (for "Zugriff prüfen")."""

    def close(self) -> None:
        """Release what the source holds (connections); the source is not used afterwards."""


def close_all(sources: Iterable[Source]) -> None:
    """Close every source, also when closing one of them fails (the others still hold sessions)."""
    problems: list[Exception] = []
    for source in sources:
        try:
            source.close()
        except Exception as exc:  # re-raised below, once all are closed
            problems.append(exc)
    if problems:
        raise problems[0]


def safe_parts(path: str) -> list[str] | None:
    """The components of a relative '/'-path, or None when it could leave the root."""
    parts = [p for p in path.split("/") if p]
    if not parts or ".." in parts or "." in parts or any("\0" in p for p in parts):
        return None
    return parts


class SourceUnavailable(Exception):
    """The root of a source is missing or unreadable (the crawl of it stops, nothing is deleted)."""
