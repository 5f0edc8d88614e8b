"""Index documents for tests, built the way the crawler builds them from a file's path."""

from __future__ import annotations

from aktenlotse.core.records import Document


def sample_document(doc_id: str, path: str, title: str, text: str, **fields) -> Document:
    """The document of the file at `path`, its file type taken from the name (lower case);
    `fields` give the source and whatever else differs from Document's defaults."""
    return Document(id=doc_id, path=path, title=title, text=text, file_type=path.rsplit(".", 1)[-1].lower(), **fields)
