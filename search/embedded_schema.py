"""The embedded index's SQLite layout and how a `Document` becomes a row and back.

Tables: `docs` (one row per document, small filter/facet columns first), `doc_facets`
(keywords and Aktenplan codes per document), `permission_sets` (the registry of distinct
permission sets), `fulltext_pending` (rows the tantivy full-text index beside the file has
yet to take, see `fulltext_index`) and `meta` (schema version, generations).
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from aktenlotse.core.records import Document, document_year
from aktenlotse.core.visibility import Permissions
from aktenlotse.search.facet_values import facet_values
from aktenlotse.text.analysis import GermanAnalyzer

# 2: permission sets (`docs.perm_id`, `permission_sets`) instead of per-document
# principal rows; an index of version 1 is migrated in place when it is opened.
# 3: full text in tantivy instead of FTS5, token streams compressed (`pack_terms`); see
# `embedded_migration.migrate_v2`.
SCHEMA_VERSION = 3
DOCS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    -- Small columns first: SQLite walks a row's overflow pages to reach columns stored
    -- after a large one, and every search reads the filter/facet columns of all matches.
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    perm_id TEXT NOT NULL,
    source TEXT NOT NULL,
    folder TEXT NOT NULL,
    top_folder TEXT NOT NULL,
    modified TEXT,
    year INTEGER,
    file_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    path TEXT NOT NULL,
    parent_id TEXT,
    author TEXT,
    created TEXT,
    content_type TEXT,
    language TEXT,
    pages INTEGER,
    content_hash TEXT,
    display_path TEXT NOT NULL,
    allow TEXT NOT NULL,
    deny TEXT NOT NULL,
    require TEXT NOT NULL,
    extra TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    title_terms BLOB NOT NULL,  -- `pack_terms`
    terms BLOB NOT NULL
);
"""

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{DOCS_TABLE.format(name="docs")}CREATE INDEX IF NOT EXISTS docs_modified ON docs(modified);
CREATE INDEX IF NOT EXISTS docs_path ON docs(path);
CREATE TABLE IF NOT EXISTS permission_sets (id TEXT PRIMARY KEY, permissions TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_facets (
    doc INTEGER NOT NULL,
    kind TEXT NOT NULL,          -- keywords | aktenplan
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_facets_by_doc ON doc_facets(doc);
CREATE TRIGGER IF NOT EXISTS docs_facets_delete AFTER DELETE ON docs BEGIN
    DELETE FROM doc_facets WHERE doc = old.rowid;
END;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
INSERT OR IGNORE INTO meta(key, value) VALUES ('permission_generation', '0');
"""

DOC_COLUMNS = (
    "id",
    "perm_id",
    "source",
    "folder",
    "top_folder",
    "modified",
    "year",
    "file_type",
    "kind",
    "size",
    "path",
    "parent_id",
    "author",
    "created",
    "content_type",
    "language",
    "pages",
    "content_hash",
    "display_path",
    "allow",
    "deny",
    "require",
    "extra",
    "title",
    "text",
    "title_terms",
    "terms",
)
INSERT_DOC = f"INSERT INTO docs({', '.join(DOC_COLUMNS)}) VALUES ({', '.join('?' * len(DOC_COLUMNS))})"


def doc_row(doc: Document, perm_id: str, analyzer: GermanAnalyzer) -> tuple[Any, ...]:
    """The `docs` row of `doc` (in `DOC_COLUMNS` order); missing token streams are analysed here."""
    folder = doc.folder
    values = {
        "id": doc.id,
        "perm_id": perm_id,
        "source": doc.source,
        "folder": folder,
        "top_folder": folder.split("/", 1)[0],
        "modified": doc.modified,
        "year": document_year(doc),
        "file_type": doc.file_type,
        "kind": doc.kind,
        "size": doc.size,
        "path": doc.path,
        "parent_id": doc.parent_id,
        "author": doc.author,
        "created": doc.created,
        "content_type": doc.content_type,
        "language": doc.language,
        "pages": doc.pages,
        "content_hash": doc.content_hash,
        "display_path": doc.display_path,
        "allow": json.dumps(list(doc.allow)),
        "deny": json.dumps(list(doc.deny)),
        "require": json.dumps([list(c) for c in doc.require]),
        "extra": json.dumps(doc.extra, ensure_ascii=False, default=str),
        "title": doc.title,
        "text": doc.text,
        "title_terms": pack_terms(doc.title_terms or analyzer.terms(doc.title)),
        "terms": pack_terms(doc.terms or analyzer.terms(doc.text)),
    }
    return tuple(values[column] for column in DOC_COLUMNS)


def document(row: Sequence[Any]) -> Document:
    """The `Document` of a `docs` row read in `DOC_COLUMNS` order."""
    values = dict(zip(DOC_COLUMNS, row, strict=True))
    del values["folder"], values["top_folder"], values["perm_id"]
    values["allow"] = tuple(json.loads(values["allow"]))
    values["deny"] = tuple(json.loads(values["deny"]))
    values["require"] = tuple(tuple(clause) for clause in json.loads(values["require"]))
    values["extra"] = json.loads(values["extra"])
    values["title_terms"] = unpack_terms(values["title_terms"])
    values["terms"] = unpack_terms(values["terms"])
    return Document(**values)


def pack_terms(terms: str) -> bytes:
    """The analysed token stream as stored: zlib-compressed (a third of its size). It is kept
    so that the full-text index can be rebuilt, and a moved document re-indexed, without
    analysing the text again."""
    return zlib.compress(terms.encode("utf-8"), 6)


def unpack_terms(stored: bytes | str) -> str:
    """The token stream of a `docs` row (a plain string in an index not yet migrated)."""
    return stored if isinstance(stored, str) else zlib.decompress(stored).decode("utf-8")


def facet_rows(rowid: int, extra: dict[str, Any]) -> list[tuple[int, str, str]]:
    """The `doc_facets` rows of one document."""
    keywords, codes = facet_values(extra)
    return [(rowid, "keywords", k) for k in keywords] + [(rowid, "aktenplan", c) for c in codes]


def last_per_id(docs: Iterable[Document]) -> list[Document]:
    """The documents with one per id: the same id twice in one call, the later one wins,
    as two calls in a row would do."""
    by_id: dict[str, Document] = {}
    for doc in docs:
        by_id.pop(doc.id, None)
        by_id[doc.id] = doc
    return list(by_id.values())


def load_registry(connection: sqlite3.Connection) -> list[Permissions]:
    """Every stored permission set."""
    return [Permissions.from_json(raw) for (raw,) in connection.execute("SELECT permissions FROM permission_sets")]


def db_files(path: Path) -> list[Path]:
    """The index file and its WAL companions."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
