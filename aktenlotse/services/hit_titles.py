"""Which title a hit shows: the document's own, unless it is a placeholder that Office or
a PDF printer wrote into the metadata ("untitled", "Microsoft Word - …", "Dokument1"); then
the file name, which is what the author actually chose."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(
    r"^(?:untitled|unbenannt|ohne titel|no title|kein titel|title|titel"
    r"|(?:dokument|document|präsentation|presentation|mappe|tabelle|book|folie)\s*\d*"
    r"|microsoft (?:word|excel|powerpoint) ?- .*"
    r"|[\W_]*)$",
    re.IGNORECASE,
)


def is_placeholder_title(title: str | None) -> bool:
    """True for an empty title or one of the names programs give unnamed documents."""
    return _PLACEHOLDER.match((title or "").strip()) is not None


def display_title(title: str | None, path: str) -> str:
    """The title to show for a document at `path` (relative, '/'-separated)."""
    if is_placeholder_title(title):
        return path.rsplit("/", 1)[-1] or (title or "").strip()
    return (title or "").strip()
