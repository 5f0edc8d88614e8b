"""The folder facet as a tree, the same for every backend.

The facet offers the next level below the chosen folder: without a choice the top-level
folders, after choosing "Bauamt" its subfolders ("Bauamt/632 Baugenehmigungen"). A value
is the full path, so picking it is the folder filter `Query.folder` (that folder and
everything below it), and its count is exactly the hits that filter gives: a document
counts under the child its folder lies in or below. Documents directly in the chosen
folder belong to no child and are counted by the total only.

The embedded backend counts the folders of its match rows here; the search servers count
with a `terms` aggregation over the ancestor paths (`folder_path`) that `child_pattern`
limits to the next level, and fall back to this counting where they hold the matches'
sources themselves (semantic mode).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from aktenlotse.search.backend_common import top_counts


def normalized(folder: str | None) -> str:
    """A folder filter as stored paths spell it: no leading or trailing slashes."""
    return (folder or "").strip("/")


def child_under(folder: str, chosen: str | None) -> str | None:
    """The facet value `folder` counts under when `chosen` is the chosen folder: the
    path of the child of `chosen` that holds it, None when it is not below `chosen`."""
    prefix = normalized(chosen)
    folder = normalized(folder)
    if not prefix:
        return folder.split("/", 1)[0] or None
    if not folder.startswith(prefix + "/"):
        return None
    rest = folder[len(prefix) + 1 :]
    step = rest.split("/", 1)[0]
    return f"{prefix}/{step}" if step else None


def folder_children(folders: Iterable[str | None], chosen: str | None) -> list[tuple[str, int]]:
    """The folder facet of matches whose folders are `folders` (one per match): the
    children of `chosen` with their counts, most first (`top_counts`)."""
    counts: Counter[str] = Counter()
    # Many matches share a folder: map each distinct folder once (100k matches in 3,500
    # folders: 4 ms, against 120 ms when every match was mapped).
    for folder, n in Counter(folders).items():
        child = child_under(folder or "", chosen)
        if child is not None:
            counts[child] += n
    return top_counts(counts.items())


def _lucene_literal(text: str) -> str:
    # Lucene's regular expressions treat many ASCII marks as operators, and a backslash
    # before a letter may be a class such as \d: escape every mark, no letter or digit.
    return "".join(ch if ch.isalnum() else "\\" + ch for ch in text)


def child_pattern(chosen: str | None) -> str:
    """The regular expression (Lucene syntax, as a `terms` aggregation's `include` reads
    it) that matches exactly the ancestor paths one level below `chosen`."""
    prefix = normalized(chosen)
    next_level = "[^/]+"
    return f"{_lucene_literal(prefix + '/')}{next_level}" if prefix else next_level


def breadcrumb(chosen: str | None) -> list[str]:
    """The folders from the top down to `chosen`, each as its full path ("Bauamt",
    "Bauamt/632 Baugenehmigungen"); empty without a choice."""
    parts = [p for p in normalized(chosen).split("/") if p]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
