"""How a `Document` becomes an Elasticsearch `_source` and back, and a pass's partial update.

Besides the document's fields a `_source` carries what filters and facets need as
keyword fields: `folder_path` (every ancestor folder, for the prefix filter and the folder
facet's tree), `top_folder`, `year`, `keywords`, `aktenplan`, and the permission set's id
`perm_id`.
"""

from __future__ import annotations

import json
from typing import Any

from aktenlotse.core.records import Document, document_year
from aktenlotse.core.visibility import of_item
from aktenlotse.search.backend import FieldUpdate
from aktenlotse.search.backend_common import merged_extra
from aktenlotse.search.es_permissions import FIELD as PERM_FIELD
from aktenlotse.search.es_query import folder_path
from aktenlotse.search.facet_values import facet_values
from aktenlotse.text.analysis import GermanAnalyzer

DOC_FIELDS = (
    "id",
    "source",
    "path",
    "kind",
    "parent_id",
    "title",
    "text",
    "terms",
    "title_terms",
    "author",
    "created",
    "modified",
    "year",
    "content_type",
    "file_type",
    "size",
    "language",
    "pages",
    "content_hash",
    "display_path",
)


def _json_safe(extra: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(extra, ensure_ascii=False, default=str))
    return result


def source_of(doc: Document, analyzer: GermanAnalyzer) -> dict[str, Any]:
    """The `_source` of `doc`; missing token streams are analysed here."""
    folder = doc.folder
    keywords, aktenplan = facet_values(doc.extra)
    source = {name: getattr(doc, name) for name in DOC_FIELDS}
    source.update(
        terms=doc.terms or analyzer.terms(doc.text),
        title_terms=doc.title_terms or analyzer.terms(doc.title),
        year=document_year(doc),
        folder=folder,
        top_folder=folder.split("/", 1)[0],
        folder_path=folder_path(folder),
        allow=list(dict.fromkeys(doc.allow)),
        deny=list(dict.fromkeys(doc.deny)),
        require=[list(clause) for clause in doc.require],
        extra=_json_safe(doc.extra),
        keywords=keywords,
        aktenplan=aktenplan,
    )
    source[PERM_FIELD] = of_item(doc).id
    return source


def document(src: dict[str, Any]) -> Document:
    """The `Document` of a stored `_source`."""
    values: dict[str, Any] = {name: src.get(name) for name in DOC_FIELDS}
    for name in ("title", "text", "terms", "title_terms", "display_path", "file_type"):
        values[name] = values[name] or ""
    values["kind"] = values["kind"] or "file"
    values["size"] = int(values["size"] or 0)
    values["allow"] = tuple(src.get("allow") or ())
    values["deny"] = tuple(src.get("deny") or ())
    values["require"] = tuple(tuple(clause) for clause in src.get("require") or ())
    values["extra"] = src.get("extra") or {}
    return Document(**values)


def partial_update(update: FieldUpdate, stored_extra: dict[str, Any], analyzer: GermanAnalyzer) -> dict[str, Any]:
    """The partial `doc` of a pass's update (never permissions)."""
    partial: dict[str, Any] = {k: v for k, v in update.fields.items() if k != "extra"}
    if "text" in partial and "terms" not in partial:
        partial["terms"] = analyzer.terms(partial["text"])
    if "text" in partial:  # vectors of the old text are stale; the embedding pass redoes them
        partial.update(vector_model=None, vector_key=None, chunks=[])
    if "extra" in update.fields:
        extra = merged_extra(stored_extra, update.fields["extra"])
        # A partial `doc` merges objects key by key and could not remove a key: replace it whole.
        partial["extra"] = _json_safe(extra)
        partial["keywords"], partial["aktenplan"] = facet_values(extra)
    return partial
