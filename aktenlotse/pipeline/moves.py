"""A moved file's documents: the index's copy of the item, at its new path.

A move is detected by content (see `ChangeDetector.find_moved`), so nothing is read or
extracted again: the item's documents are fetched from the index and rewritten with the
new path, display path and the new place's permissions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from aktenlotse.core.records import Document, Entry
from aktenlotse.crawler.documents import iso_from_timestamp, title_from_name


def moved_documents(
    docs: Sequence[Document],
    item_id: str,
    entry: Entry,
    path_text: str,
    display: str,
    analyze: Callable[[str], str] | None,
) -> list[Document]:
    """`docs` (the item `item_id` and its children) as they are at the new place `entry`."""
    moved_docs = []
    for doc in docs:
        if doc.id == item_id:
            name = path_text.rsplit("/", 1)[-1]
            moved = replace(
                doc,
                path=path_text,
                display_path=display,
                allow=tuple(entry.allow),
                deny=tuple(entry.deny),
                require=tuple(entry.require),
                modified=iso_from_timestamp(entry.mtime),
                extra={**doc.extra, "file_name": name},
            )
            if doc.extra.get("title_from_name"):
                moved.title = title_from_name(name)
                moved.title_terms = analyze(f"{moved.title} {name}") if analyze else ""
            moved_docs.append(moved)
        else:
            child_name = doc.path.rsplit("/", 1)[-1]
            moved_docs.append(
                replace(
                    doc,
                    path=f"{path_text}/{child_name}",
                    display_path=f"{display} › {child_name}",
                    allow=tuple(entry.allow),
                    deny=tuple(entry.deny),
                    require=tuple(entry.require),
                )
            )
    return moved_docs
