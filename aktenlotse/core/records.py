"""The record types that flow through the pipeline: Source -> Extractor -> Enricher -> Backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EVERYONE = "everyone"
AUTHENTICATED = "authenticated"


@dataclass(slots=True)
class Entry:
    """One file as a Source sees it, before anything is read from it.

    `path` is relative to the source root, '/'-separated; names that are not valid
    UTF-8 are kept with surrogate escapes so that the path round-trips to the bytes.
    `allow`/`deny` are principals (`everyone`, `user:x`, `group:y`, `sid:S-1-...`).
    A plain slotted dataclass (not frozen): a no-change re-crawl creates one per file,
    so construction cost matters.
    """

    source: str
    path: str
    size: int
    mtime: float
    ctime: float
    file_id: str | None = None
    owner: str | None = None
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    # Further checks on the way to the file (share ACL, folder traverse grants): a reader
    # must pass each of these clauses as well as `allow` (see aktenlotse.core.visibility).
    require: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ExtractLimits:
    """Per-file bounds for an extractor."""

    timeout_s: float = 60.0
    max_text_chars: int = 2_000_000  # per item: the file and each attachment/member alone
    # A container (archive, mail) yields at most this many embedded items ...
    max_members: int = 1000
    # ... and at most this much text in all, which bounds one file's memory in the crawler.
    max_total_chars: int = 50_000_000


@dataclass
class Extracted:
    """What an Extractor returns for one file (and, recursively, its embedded items)."""

    text: str = ""
    title: str | None = None
    author: str | None = None
    created: str | None = None  # ISO 8601
    modified: str | None = None  # ISO 8601
    language: str | None = None
    content_type: str | None = None
    pages: int | None = None
    truncated: bool = False
    # Set when the extractor read only part of the file (a parse error after some text, a
    # member limit): the text is kept and indexed, the warning is shown to admins.
    warning: str | None = None
    # For embedded items (mail attachments, archive members): the name inside the parent.
    name: str | None = None
    children: list[Extracted] = field(default_factory=list)


# What went wrong with a file, as error records and the admin page name it (German labels).
ERROR_KINDS = {
    "corrupt": "beschädigt",
    "encrypted": "verschlüsselt",
    "timeout": "Zeitlimit",
    "too_large": "zu groß",
    "unsupported": "Format nicht unterstützt",
    "no_text": "kein Text erwartet",
    "unreadable": "nicht lesbar",
    "server": "Tika-Server",
    "partial": "teilweise gelesen",
    "unavailable": "Quelle nicht erreichbar",
}
# The states of a crawl run (the state database stores the identifiers), in German.
RUN_STATUS_LABELS = {
    "running": "läuft",
    "done": "fertig",
    "incomplete": "unvollständig",
    "failed": "fehlgeschlagen",
    "interrupted": "abgebrochen",
}
# Problems recorded for an item whose text was indexed all the same (shown to admins).
WARNING_KINDS = frozenset({"partial"})
# Formats that hold no text: listed apart from the errors an admin should act on.
EXPECTED_KINDS = frozenset({"no_text"})


class ExtractionError(Exception):
    """A file could not be extracted. `kind` is a short machine-readable reason.

    kinds: corrupt, encrypted, timeout, too_large, unsupported, no_text (a format that holds
    no text: images, media, binaries), unreadable, server
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Document:
    """One searchable item as the Backend stores it.

    `terms` is the analysed token stream (lemmas, compound parts, exact tokens) produced
    by our own German analysis; both backends index it, so results do not depend on
    backend-specific analysers. `title_terms` likewise for the title.
    """

    id: str
    source: str
    path: str  # relative to the source root, '/'-separated
    kind: str = "file"  # file | attachment | wiki
    parent_id: str | None = None
    title: str = ""
    text: str = ""
    terms: str = ""
    title_terms: str = ""
    author: str | None = None
    created: str | None = None
    modified: str | None = None  # ISO 8601; the file's mtime when the content has none
    year: int | None = None
    content_type: str | None = None
    file_type: str = ""  # lower-case extension without dot, e.g. "pdf"
    size: int = 0
    language: str | None = None
    pages: int | None = None
    content_hash: str | None = None
    display_path: str = ""  # what users know, e.g. \\server\share\Bauamt\x.pdf
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    require: tuple[tuple[str, ...], ...] = ()  # as Entry.require
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> str:
        """The folder part of `path` ('' for the root)."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


def document_year(doc: Document) -> int | None:
    """The year for facets and filters: the document's own, else from modified/created."""
    if doc.year is not None:
        return doc.year
    stamp = doc.modified or doc.created
    if stamp and len(stamp) >= 4 and stamp[:4].isdigit():
        return int(stamp[:4])
    return None


def normalize_principal(principal: str) -> str:
    """One spelling per principal on both sides of the contract (crawler and login):
    user and group names compare case-insensitively, as on Windows; SIDs are upper case."""
    kind, sep, name = principal.partition(":")
    if not sep:
        return principal.strip().lower()
    kind = kind.strip().lower()
    name = name.strip()
    if kind == "sid":
        return f"sid:{name.upper()}"
    return f"{kind}:{name.lower()}"
