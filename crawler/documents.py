"""Turn a file entry and what the extractor found into the Documents the backend stores."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from typing import Any

from aktenlotse.core.records import Document, Entry, Extracted

# Mail attachments and archive members get ids derived from their container.
CHILD_SEPARATOR = "~"


def child_id(parent_id: str, index: int) -> str:
    return f"{parent_id}{CHILD_SEPARATOR}{index}"


def child_ids(parent_id: str, count: int, start: int = 0) -> list[str]:
    return [child_id(parent_id, i) for i in range(start, count)]


def _file_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    return ext if ext.isalnum() and len(ext) <= 8 else ""


def iso_from_timestamp(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).replace(microsecond=0).isoformat()


def _year(iso: str | None) -> int | None:
    if iso and len(iso) >= 4 and iso[:4].isdigit():
        return int(iso[:4])
    return None


def title_from_name(name: str) -> str:
    stem = os.path.splitext(name)[0]
    return stem.replace("_", " ").strip() or name


def build_documents(
    entry: Entry, extracted: Extracted, item_id: str, display_path: str, content_hash: str | None, path_text: str
) -> list[Document]:
    """The file itself plus one document per embedded item (attachment, archive member).

    `modified` is the file's mtime (what users see in Explorer); the content's own dates
    are kept in `created`. Children inherit the container's permissions.
    """
    name = path_text.rsplit("/", 1)[-1]
    modified = iso_from_timestamp(entry.mtime)
    content_title = (extracted.title or "").strip()
    extra: dict[str, Any] = {"file_name": name}
    if not content_title:
        extra["title_from_name"] = True  # a rename must rename the title too
    if extracted.truncated:
        extra["truncated"] = True
    if extracted.warning:
        extra["warning"] = extracted.warning
    parent = Document(
        id=item_id,
        source=entry.source,
        path=path_text,
        kind="file",
        title=content_title or title_from_name(name),
        text=extracted.text,
        author=extracted.author,
        created=extracted.created,
        modified=modified,
        year=_year(modified),
        content_type=extracted.content_type,
        file_type=_file_type(name),
        size=entry.size,
        language=extracted.language,
        pages=extracted.pages,
        content_hash=content_hash,
        display_path=display_path,
        allow=tuple(entry.allow),
        deny=tuple(entry.deny),
        require=tuple(tuple(clause) for clause in entry.require),
        extra=extra,
    )
    docs = [parent]
    for index, child in enumerate(_flatten(extracted.children)):
        child_name = child.name or f"Anhang {index + 1}"
        docs.append(
            replace(
                parent,
                id=child_id(item_id, index),
                kind="attachment",
                parent_id=item_id,
                path=f"{path_text}/{child_name}",
                display_path=f"{display_path} › {child_name}",
                title=(child.title or "").strip() or title_from_name(child_name),
                text=child.text,
                author=child.author or parent.author,
                created=child.created,
                content_type=child.content_type,
                file_type=_file_type(child_name),
                size=len(child.text.encode("utf-8")),
                language=child.language,
                pages=child.pages,
                content_hash=None,
                extra={"file_name": child_name, "container": path_text},
            )
        )
    return docs


def metadata_only_document(
    entry: Entry, item_id: str, display_path: str, content_hash: str | None, path_text: str, problem: str
) -> Document:
    """A file whose content could not be read stays findable by its name and folder."""
    docs = build_documents(entry, Extracted(), item_id, display_path, content_hash, path_text)
    doc = docs[0]
    doc.extra["problem"] = problem
    return doc


def _flatten(children: list[Extracted]) -> list[Extracted]:
    """Nested attachments (a zip in a mail) become a flat list under the top container."""
    flat: list[Extracted] = []
    for child in children:
        flat.append(child)
        flat.extend(_flatten(child.children))
    return flat
