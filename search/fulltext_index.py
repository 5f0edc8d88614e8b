"""The embedded backend's full-text index: tantivy over the analysed terms of `docs`.

Why tantivy and not SQLite FTS5 (measured in `bench.fulltext_engines`, docs/benchmarks.md):
FTS5 scores every match before `ORDER BY rank LIMIT` can cut, so a common word costs time
in proportion to the index (62 ms for the top 10 alone at 100k documents, before
visibility, count and facets); tantivy's block-max WAND top-k, its exact count and its
aggregations over fast fields answer the same question in a few milliseconds and grow
with the answer, not the index.

SQLite (`docs`) stays the truth; this index is derived from it and can always be rebuilt
from it. Every write of a document marks its rowid in `fulltext_pending` in the same
SQLite transaction; `sync` then applies the *current* rows of the pending rowids to
tantivy, commits tantivy and clears them, inside one immediate SQLite transaction, so
exactly one process writes tantivy at a time (SQLite's write lock orders them), and a
crash anywhere leaves the rowids pending: they are applied again by the next write or
open. Readers leave pending rowids out of their answers (`Fulltext.pending`): a stale
index hides, it never shows.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy

from aktenlotse.search.backend_common import weighted_token_stream
from aktenlotse.search.embedded_schema import unpack_terms
from aktenlotse.search.facet_values import facet_values

log = logging.getLogger(__name__)

# The layout of our tantivy index; a folder of another layout, of another SQLite file
# (its identity differs from `meta.fulltext_id`) or a damaged one is rebuilt from SQLite.
# Bump FORMAT with every change of `build_schema`: a folder of another format is rebuilt.
# 2: one weighted `words` field instead of `title` and `body`; 3: folder levels 1-10.
FORMAT = 3
FOLDER_SUFFIX = ".fulltext"  # the folder beside the SQLite file: index.sqlite.fulltext/
MARKER = "aktenlotse-fulltext.json"
PENDING_TABLE = "CREATE TABLE IF NOT EXISTS fulltext_pending (rowid INTEGER PRIMARY KEY)"
# Writer memory: tantivy flushes a segment when it is full (minimum 15 MB per thread).
WRITER_HEAP_BYTES = 64_000_000
# Rows read from SQLite and handed to tantivy at a time during a sync or rebuild.
SYNC_BATCH = 2_000
# Folder levels kept as fields of their own (the folder facet drills level by level;
# deeper levels are counted from the matches' folders, `fulltext_facets`).
FOLDER_DEPTH = 10

_ROW_SQL = (
    "SELECT rowid, perm_id, source, folder, modified, year, file_type, kind, extra,"
    " title_terms, terms FROM docs WHERE rowid IN (SELECT value FROM json_each(?))"
)


def build_schema() -> tantivy.Schema:
    """The fields: `words` (our own analysed tokens, split at blanks, with positions for
    phrases; the title weighted by repetition, `weighted_token_stream`), `rowid` (the link
    to SQLite), `perm` (the permission set), and the filter and facet values as raw, fast
    fields."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("words", tokenizer_name="whitespace", index_option="position")
    builder.add_unsigned_field("rowid", fast=True, indexed=True)
    builder.add_text_field("perm", tokenizer_name="raw", index_option="basic")
    for name in ("source", "file_type", "kind", "keywords", "aktenplan", "modified"):
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("folder_levels", tokenizer_name="raw", index_option="basic")
    for depth in range(1, FOLDER_DEPTH + 1):
        builder.add_text_field(f"folder_{depth}", fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", fast=True, indexed=True)
    return builder.build()


def folder_levels(folder: str) -> list[str]:
    """ "Bauamt/632/2023" -> ["Bauamt", "Bauamt/632", "Bauamt/632/2023"]: a folder filter
    (the folder and everything below it) is one term of `folder_levels`."""
    parts = [part for part in folder.strip("/").split("/") if part]
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


def _document(row: Sequence[Any]) -> tantivy.Document:
    rowid, perm, source, folder, modified, year, file_type, kind, extra, title_terms, terms = row
    doc = tantivy.Document()
    doc.add_unsigned("rowid", rowid)
    doc.add_text("perm", perm)
    doc.add_text("words", weighted_token_stream(unpack_terms(title_terms), unpack_terms(terms)))
    doc.add_text("source", source)
    doc.add_text("file_type", file_type)
    doc.add_text("kind", kind)
    # Missing dates sort last when newest come first ("" is the smallest text).
    doc.add_text("modified", modified or "")
    if year is not None:
        doc.add_integer("year", int(year))
    levels = folder_levels(folder)
    for level in levels:
        doc.add_text("folder_levels", level)
    for depth, level in enumerate(levels[:FOLDER_DEPTH], start=1):
        doc.add_text(f"folder_{depth}", level)
    keywords, codes = facet_values(json.loads(extra))
    for keyword in keywords:
        doc.add_text("keywords", keyword)
    for code in codes:
        doc.add_text("aktenplan", code)
    return doc


class Fulltext:
    """The tantivy index beside one SQLite index file (`<index>.fulltext/`)."""

    def __init__(self, db_path: Path):
        self.path = db_path.with_name(db_path.name + FOLDER_SUFFIX)
        self.schema = build_schema()
        self._lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._meta_stamp: tuple[int, int, int] | None = None

    # --- opening -------------------------------------------------------------------

    def open(self, connection: sqlite3.Connection) -> None:
        """Open (or create) the tantivy index and bring it in step with SQLite: a missing,
        damaged or foreign-format index is rebuilt from `docs`; rows left pending by a
        crash are applied. `connection` is in autocommit mode."""
        connection.execute(PENDING_TABLE)
        marker = self.path / MARKER
        index = None
        if _marker_of(marker) == (FORMAT, _identity(connection)):
            try:
                index = tantivy.Index.open(str(self.path))
            except ValueError as error:
                log.warning("Volltextindex %s ist beschädigt und wird neu aufgebaut: %s", self.path, error)
        if index is None:
            self._start_rebuild(connection)
            return
        self._index = index
        self._index.config_reader("Manual")
        if self._out_of_step(connection):
            log.warning("Volltextindex %s passt nicht zu den Dokumenten und wird neu aufgebaut.", self.path)
            self._index = None
            self._start_rebuild(connection)
            return
        self.sync(connection)

    def _start_rebuild(self, connection: sqlite3.Connection) -> None:
        """A new, empty tantivy index with every row pending; the sync then fills it."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True)
            index = tantivy.Index(self.schema, path=str(self.path))
            identity = uuid.uuid4().hex
            connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('fulltext_id', ?)", (identity,))
            (self.path / MARKER).write_text(json.dumps({"format": FORMAT, "index": identity}))
            connection.execute("INSERT OR IGNORE INTO fulltext_pending(rowid) SELECT rowid FROM docs")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        self._index = index
        self._index.config_reader("Manual")
        count = connection.execute("SELECT count(*) FROM fulltext_pending").fetchone()[0]
        if count:
            log.warning("Volltextindex wird aus %d Dokumenten aufgebaut …", count)
        self.sync(connection)

    def _out_of_step(self, connection: sqlite3.Connection) -> bool:
        # Documents tantivy holds must be SQLite's documents minus the pending ones' changes;
        # a difference beyond the pending rows means the folder was copied or replaced.
        documents = connection.execute("SELECT count(*) FROM docs").fetchone()[0]
        pending = connection.execute("SELECT count(*) FROM fulltext_pending").fetchone()[0]
        return abs(self.searcher().num_docs - documents) > pending

    # --- writing -------------------------------------------------------------------

    @staticmethod
    def mark(connection: sqlite3.Connection, rowids: Sequence[int]) -> None:
        """Inside the caller's write transaction: these rows changed (or are gone)."""
        connection.executemany("INSERT OR IGNORE INTO fulltext_pending(rowid) VALUES (?)", [(r,) for r in rowids])

    def sync(self, connection: sqlite3.Connection) -> int:
        """Apply every pending row to tantivy (one immediate SQLite transaction, so no
        other process syncs at the same time); returns how many rows were applied."""
        index = self._require()
        connection.execute("BEGIN IMMEDIATE")
        try:
            pending = [row[0] for row in connection.execute("SELECT rowid FROM fulltext_pending")]
            if pending:
                writer = index.writer(WRITER_HEAP_BYTES, 1)
                try:
                    for start in range(0, len(pending), SYNC_BATCH):
                        batch = pending[start : start + SYNC_BATCH]
                        # By query: tantivy 0.27's delete by term misses u64 terms given as int.
                        writer.delete_documents_by_query(tantivy.Query.term_set_query(self.schema, "rowid", batch))
                        for row in connection.execute(_ROW_SQL, (json.dumps(batch),)):
                            writer.add_document(_document(row))
                    writer.commit()
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    writer.wait_merging_threads()
                connection.execute("DELETE FROM fulltext_pending")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return len(pending)

    # --- reading -------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the last committed state (reloaded when another writer committed)."""
        index = self._require()
        stamp = _stamp(self.path / "meta.json")
        with self._lock:
            if stamp != self._meta_stamp:
                index.reload()
                self._meta_stamp = stamp
        return index.searcher()

    @staticmethod
    def pending(connection: sqlite3.Connection) -> list[int]:
        """Rowids whose tantivy entry may be stale (normally none, a crawl batch at most)."""
        return [row[0] for row in connection.execute("SELECT rowid FROM fulltext_pending")]

    def size_bytes(self) -> int:
        """Bytes the tantivy index takes on disk."""
        return sum(p.stat().st_size for p in _files(self.path))

    def _require(self) -> tantivy.Index:
        if self._index is None:
            raise RuntimeError("full-text index not opened")
        return self._index


def _marker_of(marker: Path) -> tuple[int, str] | None:
    """(format, identity) the folder was built with, or None for a folder of nobody."""
    try:
        content = json.loads(marker.read_text())
        return int(content["format"]), str(content["index"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _identity(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT value FROM meta WHERE key = 'fulltext_id'").fetchone()
    return None if row is None else str(row[0])


def _stamp(path: Path) -> tuple[int, int, int]:
    # tantivy replaces meta.json atomically at each commit: a new file (inode) each time,
    # so two commits within the file system's time granularity still differ.
    try:
        stat = path.stat()
    except OSError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else iter(())
