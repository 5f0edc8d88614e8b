"""The embedded backend: one SQLite file (WAL) with an FTS5 index over our analysed tokens.

Layout:
- `docs`: one row per document (all `Document` fields, plus `folder`/`top_folder`/`year`
  for filters and facets, plus the analysed `title_terms`/`terms`);
- `docs_fts`: an external-content FTS5 table over `docs(title_terms, terms)`, kept in step
  by triggers; tokenizer `unicode61 tokenchars '_'` so that exact tokens like
  `632_10_2023_145` stay whole;
- `permission_sets`: the registry of distinct permission sets (id -> canonical
  `Permissions` JSON); each `docs` row names its set in `perm_id`. Every read (search in
  all modes, count, facets, snippets, get, suggestions) filters `perm_id` by the sets the
  caller may read (`visibility.visible_ids`, cached per reader until the registry's
  `meta.permission_generation` moves) with `visibility.sql_condition`;
- `doc_vectors`: chunk vectors per document and model (see `vector_store`). Semantic
  and hybrid search score only the documents that the same visibility and filter SQL
  returns, so vectors are trimmed exactly like text.

One connection per thread; writes in this process are serialised by a lock, and WAL lets
readers in other processes (CLI, portal) go on while the crawler writes.
"""

from __future__ import annotations

import heapq
import json
import math
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from aktenlotse.core.records import Document, document_year
from aktenlotse.core.storage_errors import MSG_FULL, storage_problem
from aktenlotse.core.visibility import Permissions, of_item, sql_condition
from aktenlotse.search import spelling
from aktenlotse.search.backend import BackendError, ChunkVectors, FieldUpdate, Hit, Hits, Query
from aktenlotse.search.embedded_migration import migrate_v1
from aktenlotse.search.facet_values import facet_values
from aktenlotse.search.hybrid import fuse
from aktenlotse.search.permission_sets import PermissionCache
from aktenlotse.search.query_parser import ParsedQuery, parse_query, to_fts5
from aktenlotse.search.snippets import SCAN_CHARS, make_snippet
from aktenlotse.search.vector_store import SCHEMA as VECTOR_SCHEMA
from aktenlotse.search.vector_store import VectorStore, content_key
from aktenlotse.text.analysis import GermanAnalyzer

# 2: permission sets (`docs.perm_id`, `permission_sets`) instead of per-document
# principal rows; an index of version 1 is migrated in place when it is opened.
SCHEMA_VERSION = 2
TITLE_WEIGHT = 4.0
TEXT_WEIGHT = 1.0
MAX_LIMIT = 1000
FACET_SIZE = 20

_DOCS_TABLE = """
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
    title_terms TEXT NOT NULL,
    terms TEXT NOT NULL
);
"""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{_DOCS_TABLE.format(name="docs")}CREATE INDEX IF NOT EXISTS docs_modified ON docs(modified);
CREATE INDEX IF NOT EXISTS docs_path ON docs(path);
CREATE TABLE IF NOT EXISTS permission_sets (id TEXT PRIMARY KEY, permissions TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc_facets (
    doc INTEGER NOT NULL,
    kind TEXT NOT NULL,          -- keywords | aktenplan
    value TEXT NOT NULL,
    PRIMARY KEY (kind, value, doc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS doc_facets_by_doc ON doc_facets(doc);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    title_terms, terms, content='docs', content_rowid='rowid',
    tokenize="unicode61 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_vocab USING fts5vocab(docs_fts, 'row');
CREATE TRIGGER IF NOT EXISTS docs_fts_insert AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts(rowid, title_terms, terms) VALUES (new.rowid, new.title_terms, new.terms);
END;
CREATE TRIGGER IF NOT EXISTS docs_fts_delete AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts(docs_fts, rowid, title_terms, terms)
        VALUES ('delete', old.rowid, old.title_terms, old.terms);
    DELETE FROM doc_facets WHERE doc = old.rowid;
END;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
INSERT OR IGNORE INTO meta(key, value) VALUES ('permission_generation', '0');
"""

_DOC_COLUMNS = (
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
_INSERT_DOC = f"INSERT INTO docs({', '.join(_DOC_COLUMNS)}) VALUES ({', '.join('?' * len(_DOC_COLUMNS))})"

# German messages for users; the SQLite detail goes to the exception chain, not the page.
MSG_QUERY_FAILED = "Die Suche konnte nicht ausgeführt werden. Bitte die Suchanfrage vereinfachen."
MSG_INDEX_UNAVAILABLE = "Der Suchindex ist nicht erreichbar."
MSG_WRITE_FAILED = "Der Suchindex konnte nicht aktualisiert werden."
NOTICE_NO_QUERY_VECTOR = "Für die Suche nach Bedeutung fehlt die Einbettung der Anfrage; es wurde im Volltext gesucht."
NOTICE_NO_VECTORS = "Für die Suche nach Bedeutung sind noch keine Vektoren berechnet; es wurde im Volltext gesucht."

# Semantic mode counts (total, facets) only documents close enough to the query: at least
# SEMANTIC_FLOOR cosine and within SEMANTIC_BAND of the best visible document. Without a
# floor every document with vectors would "match" every query.
# On ragsource dev with USE, the band keeps 99.8 % of the relevant documents and on
# average 77 of 216 documents.
SEMANTIC_FLOOR = 0.15
# A 0-byte file has no content to be similar to (its vector is its name's); the semantic
# side leaves it out, the full text still finds it by its name.
NOT_EMPTY_FILE = "NOT (d.kind = 'file' AND d.size = 0)"
SEMANTIC_BAND = 0.25


def _filter_sql(query: Query) -> tuple[list[str], list[Any]]:
    conditions: list[str] = []
    params: list[Any] = []
    folder = (query.folder or "").strip("/")
    if folder:
        # Exact, case-sensitive prefix test; LIKE would need escaping and ignores case.
        conditions.append("(d.folder = ? OR substr(d.folder, 1, ?) = ?)")
        params.extend([folder, len(folder) + 1, folder + "/"])
    for column, values in (("file_type", query.file_types), ("year", query.years), ("source", query.sources)):
        if values:
            conditions.append(f"d.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    for kind, values in (("keywords", query.keywords), ("aktenplan", query.aktenplan)):
        if values:
            conditions.append(
                f"d.rowid IN (SELECT doc FROM doc_facets WHERE kind = ? AND value IN ({', '.join('?' * len(values))}))"
            )
            params.extend([kind, *values])
    return conditions, params


class EmbeddedBackend:
    """Backend over one SQLite file. `analyzer` fills `terms`/`title_terms` for documents
    that arrive without them, parses queries and builds snippets (default: a shared
    `GermanAnalyzer`)."""

    def __init__(self, db_path: Path, analyzer: GermanAnalyzer | None = None):
        self.db_path = Path(db_path)
        self.analyzer = analyzer or GermanAnalyzer()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self._vectors = VectorStore()
        self._permissions = PermissionCache()
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connection()
            with self._write_lock:
                migrate_v1(connection, _DOCS_TABLE, _DOC_COLUMNS)
                connection.executescript(_SCHEMA)
                connection.executescript(VECTOR_SCHEMA)
        except (sqlite3.Error, OSError) as error:
            raise BackendError(f"{MSG_INDEX_UNAVAILABLE} {storage_problem(error)}") from error

    # -- connections --

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise BackendError(MSG_INDEX_UNAVAILABLE)
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=OFF")
            connection.execute("PRAGMA cache_size=-32000")
            self._local.connection = connection
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close every connection this backend opened (in any thread)."""
        self._closed = True
        with self._connections_lock:
            for connection in self._connections:
                try:
                    connection.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()

    # -- writes --

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        """One writer at a time, one immediate transaction; any SQLite failure becomes a
        BackendError and nothing of the transaction stays."""
        try:
            with self._write_lock:
                connection = self._connection()
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
        except sqlite3.Error as error:
            message = storage_problem(error)
            if message == MSG_FULL:
                self._give_back_wal_space()
            raise BackendError(f"{MSG_WRITE_FAILED} {message}") from error

    def _give_back_wal_space(self) -> None:
        # The rolled-back transaction's pages stay in the WAL file; on a full disk they are
        # the space the crawl still needs to close its run as failed, so truncate the WAL.
        try:
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except (sqlite3.Error, BackendError):
            pass

    def upsert(self, docs: Sequence[Document]) -> None:
        """Insert or replace `docs` by id in one transaction; durable on return. Crawl
        (and wiki) only: this writes the documents' permissions."""
        if not docs:
            return
        unique = _last_per_id(docs)
        perms = {doc.id: of_item(doc) for doc in unique}
        rows = [self._row(doc, perms[doc.id].id) for doc in unique]
        keys = {doc.id: content_key(doc.content_hash, doc.title, doc.text) for doc in unique}
        with self._write_transaction() as connection:
            registered = self._register(connection, perms.values())
            self._vectors.drop_changed(connection, keys)
            connection.executemany("DELETE FROM docs WHERE id = ?", [(row[0],) for row in rows])
            facet_rows: list[tuple[int, str, str]] = []
            for row, doc in zip(rows, unique):
                rowid = connection.execute(_INSERT_DOC, row).lastrowid
                facet_rows.extend(_facet_rows(rowid, doc.extra))
            connection.executemany("INSERT OR IGNORE INTO doc_facets(doc, kind, value) VALUES (?, ?, ?)", facet_rows)
        self._permissions.remember(registered)

    def _register(self, connection: sqlite3.Connection, sets: Iterable[Permissions]) -> list[str]:
        """Store permission sets the registry lacks (inside the caller's transaction);
        moves the registry's generation when one was new. Returns the ids written."""
        fresh = {perms.id: perms for perms in sets if perms.id not in self._permissions.known}
        if not fresh:
            return []
        before = connection.total_changes
        connection.executemany(
            "INSERT OR IGNORE INTO permission_sets(id, permissions) VALUES (?, ?)",
            [(perm_id, perms.to_json()) for perm_id, perms in fresh.items()],
        )
        if connection.total_changes != before:
            connection.execute(
                "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'permission_generation'"
            )
        return list(fresh)

    def set_permissions(
        self,
        ids: Sequence[str],
        perms: Permissions,
        acl: tuple[Sequence[str], Sequence[str], Sequence[Sequence[str]]] | None = None,
    ) -> None:
        """Crawl only: `perms` becomes the permission set of `ids`; `acl` (allow, deny,
        require) replaces the stored ACL, None keeps it (hiding what is unverified)."""
        if not ids:
            return
        with self._write_transaction() as connection:
            registered = self._register(connection, [perms])
            if acl is None:
                connection.executemany("UPDATE docs SET perm_id = ? WHERE id = ?", [(perms.id, i) for i in ids])
            else:
                allow, deny, require = (
                    json.dumps(list(acl[0])),
                    json.dumps(list(acl[1])),
                    json.dumps([list(c) for c in acl[2]]),
                )
                connection.executemany(
                    "UPDATE docs SET perm_id = ?, allow = ?, deny = ?, require = ? WHERE id = ?",
                    [(perms.id, allow, deny, require, i) for i in ids],
                )
        self._permissions.remember(registered)

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Second passes: apply partial updates in one transaction; permissions, path and
        content hash are never touched. An update whose document is gone or whose content
        key moved is skipped. A new text drops the document's vectors (they were computed
        from the old one)."""
        done: list[str] = []
        if not updates:
            return done
        with self._write_transaction() as connection:
            for update in updates:
                row = connection.execute(
                    "SELECT rowid, content_hash, title, text, extra, title_terms, terms FROM docs WHERE id = ?",
                    (update.doc_id,),
                ).fetchone()
                if row is None or content_key(row[1], row[2], row[3]) != update.expected_content_key:
                    continue
                rowid, extra = row[0], json.loads(row[4])
                values = dict(update.fields)
                if "extra" in values:
                    extra = _merged_extra(extra, values["extra"])
                    values["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
                if "text" in values and "terms" not in values:
                    values["terms"] = self.analyzer.terms(values["text"])
                if "terms" in values:  # external-content FTS: remove the old tokens first
                    connection.execute(
                        "INSERT INTO docs_fts(docs_fts, rowid, title_terms, terms) VALUES ('delete', ?, ?, ?)",
                        (rowid, row[5], row[6]),
                    )
                assignments = ", ".join(f"{name} = ?" for name in values)
                connection.execute(f"UPDATE docs SET {assignments} WHERE rowid = ?", [*values.values(), rowid])
                if "terms" in values:
                    connection.execute(
                        "INSERT INTO docs_fts(rowid, title_terms, terms) VALUES (?, ?, ?)",
                        (rowid, row[5], values["terms"]),
                    )
                if "extra" in values:
                    connection.execute("DELETE FROM doc_facets WHERE doc = ?", (rowid,))
                    connection.executemany(
                        "INSERT OR IGNORE INTO doc_facets(doc, kind, value) VALUES (?, ?, ?)", _facet_rows(rowid, extra)
                    )
                if "text" in values and values["text"] != row[3]:
                    self._vectors.delete(connection, [update.doc_id])
                done.append(update.doc_id)
        return done

    def _row(self, doc: Document, perm_id: str) -> tuple[Any, ...]:
        terms = doc.terms or self.analyzer.terms(doc.text)
        title_terms = doc.title_terms or self.analyzer.terms(doc.title)
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
            "title_terms": title_terms,
            "terms": terms,
        }
        return tuple(values[column] for column in _DOC_COLUMNS)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        if not ids:
            return
        with self._write_transaction() as connection:
            connection.executemany("DELETE FROM docs WHERE id = ?", [(i,) for i in ids])
            self._vectors.delete(connection, ids)

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors (one model per document); vectors of documents that are
        no longer in the index are dropped. They inherit the document's permission set:
        visibility is always read from the document row at query time."""
        if not items:
            return
        by_id = {item.doc_id: item for item in items}
        with self._write_transaction() as connection:
            ids = list(by_id)
            keys: dict[str, str] = {}
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                for doc_id, content_hash, title, text in connection.execute(
                    f"SELECT id, content_hash, title, text FROM docs WHERE id IN ({', '.join('?' * len(part))})", part
                ):
                    keys[doc_id] = content_key(content_hash, title, text)
            self._vectors.write(
                connection,
                (
                    (doc_id, item.model, keys[doc_id], _as_matrix(item.vectors), np.asarray(item.spans, dtype=np.int64))
                    for doc_id, item in by_id.items()
                    if doc_id in keys and (item.content_key or keys[doc_id]) == keys[doc_id]
                ),
            )

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` ids (index order) without a vectors row of `model`; not trimmed."""
        try:
            return self._vectors.ids_without(self._connection(), model, limit)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error

    # -- reads --

    def _visible(self, connection: sqlite3.Connection, principals: Sequence[str]) -> tuple[str, list[str]]:
        """SQL condition on alias `d` (and its parameters): only documents whose permission
        set `principals` may read. Every read goes through here."""
        if not principals:
            return "0", []
        generation = connection.execute("SELECT value FROM meta WHERE key = 'permission_generation'").fetchone()
        ids = self._permissions.visible(
            principals, generation[0] if generation else None, lambda: _load_registry(connection)
        )
        return sql_condition("d.perm_id", ids)

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of a raw query (what `search` runs)."""
        return parse_query(text, self.analyzer)

    def search(self, query: Query, principals: Sequence[str]) -> Hits:
        """Search trimmed to `principals` in the query's mode (fulltext, semantic,
        hybrid); never raises for odd query text. Semantic and hybrid need `query.vector`
        and fall back to full text (with a notice) without it or without stored vectors."""
        parsed = self.parse(query.text)
        notices = list(parsed.notices)
        browse = not query.text.strip()  # no words at all: list a folder / filter, newest first
        mode = query.mode if query.mode in ("semantic", "hybrid") and not browse else "fulltext"
        if mode != "fulltext" and not query.vector:
            notices.append(NOTICE_NO_QUERY_VECTOR)
            mode = "fulltext"
        match = None if browse else to_fts5(parsed)
        if not principals:
            return Hits(total=0, hits=[], facets={}, notices=notices)
        principals = list(dict.fromkeys(principals))
        filters, filter_params = _filter_sql(query)
        # One pass over the matches: MATCH and the visibility test run once, and total,
        # facets and the page all come from the same rows (re-running MATCH per facet
        # would cost more than counting in Python).
        columns = "d.id, d.modified, d.year, d.file_type, d.top_folder, d.source"
        limit = max(0, min(query.limit, MAX_LIMIT))
        offset = max(0, query.offset)
        best_chunks: dict[str, tuple[int, int]] = {}
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, principals)
            lexical: list[tuple] = []
            if browse:
                where = " AND ".join([visible, *filters])
                sql = f"SELECT d.rowid, 0.0, {columns} FROM docs d WHERE {where}"
                lexical = connection.execute(sql, [*visible_params, *filter_params]).fetchall()
                query = replace(query, sort="date")
            elif match is not None:
                where = " AND ".join(["docs_fts MATCH ?", visible, *filters])
                sql = (
                    f"SELECT d.rowid, bm25(docs_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}), {columns}"
                    f" FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
                )
                lexical = connection.execute(sql, [match, *visible_params, *filter_params]).fetchall()
            matches = lexical
            if mode != "fulltext":
                semantic = self._semantic(connection, query, parsed, visible, visible_params, filters, filter_params)
                if semantic is None:
                    notices.append(NOTICE_NO_VECTORS)
                    mode = "fulltext"
                else:
                    ranked, best_chunks, anchor = semantic
                    matches = (
                        _semantic_matches(ranked, anchor)
                        if mode == "semantic"
                        else _hybrid_matches(lexical, ranked, anchor)
                    )
            if mode == "fulltext" and match is None and not browse:
                return Hits(total=0, hits=[], facets={}, notices=notices)
            page = _page(matches, query.sort, offset, limit)
            rows = self._page_rows(connection, [m[0] for m in page])
            chunk_texts = self._chunk_texts(connection, page, best_chunks)
            facets = _facets(matches) if query.facets else {}
            if query.facets:
                facets.update(_keyword_facets(connection, [m[0] for m in matches]))
        except sqlite3.Error as error:
            raise BackendError(MSG_QUERY_FAILED) from error
        lexical_rowids = {m[0] for m in lexical} if mode == "hybrid" else set()
        decided: dict[str, str | None] = {}  # word verdicts shared by this query's snippets
        hits = []
        for match_row in page:
            row = rows.get(match_row[0])
            if row is None:  # deleted between the two statements
                continue
            chunk = chunk_texts.get(match_row[0])
            snippet = None
            if chunk is not None:
                snippet = make_snippet(chunk, parsed, self.analyzer, decided=decided)
                if best_chunks[row[0]][0] > 0 and not snippet.startswith("…"):
                    snippet = "… " + snippet
                if match_row[0] in lexical_rowids and "<mark>" not in snippet:
                    snippet = None  # the words are elsewhere in the text: show them there
            if snippet is None:
                snippet = make_snippet(row[3] or row[2], parsed, self.analyzer, decided=decided)
            hits.append(
                Hit(
                    id=row[0],
                    path=row[1],
                    title=row[2],
                    score=-float(match_row[1]),
                    snippet=snippet,
                    source=row[4],
                    display_path=row[5],
                    file_type=row[6],
                    size=row[7],
                    modified=row[8],
                    kind=row[9],
                    extra=json.loads(row[10]),
                )
            )
        return Hits(total=len(matches), hits=hits, facets=facets, notices=notices)

    def _semantic(
        self,
        connection: sqlite3.Connection,
        query: Query,
        parsed: ParsedQuery,
        visible: str,
        visible_params: list[str],
        filters: list[str],
        filter_params: list[Any],
    ) -> tuple[list[tuple], dict[str, tuple[int, int]], float | None] | None:
        """(visible, filtered documents with vectors as match rows with the cosine as
        score, best first; best chunk span per id; the best cosine of the visible documents
        regardless of filters), or None when no vectors of the query vector's dimension
        exist. Only rows the visibility SQL returned are ever scored."""
        vector = np.asarray(query.vector, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if vector.ndim != 1 or norm == 0 or not math.isfinite(norm):
            return None
        matrix = self._vectors.matrix_for(connection, int(vector.shape[0]))
        if matrix is None:
            return None
        where = " AND ".join([visible, NOT_EMPTY_FILE, *filters])
        candidates = connection.execute(
            f"SELECT d.rowid, 0.0, d.id, d.modified, d.year, d.file_type, d.top_folder, d.source FROM docs d WHERE {where}",
            [*visible_params, *filter_params],
        ).fetchall()
        excluded = self._excluded_rowids(connection, parsed)
        positions = [matrix.index.get(row[2], -1) for row in candidates]
        keep = [i for i, pos in enumerate(positions) if pos >= 0 and candidates[i][0] not in excluded]
        if not keep:
            return [], {}, None
        scores, best_rows = matrix.doc_scores(vector / norm)
        chosen = np.asarray([positions[i] for i in keep], dtype=np.int64)
        chosen_scores = scores[chosen]
        anchor = float(chosen_scores.max())
        if filters:
            # The band hangs from the best document the user may see WITHOUT the filters:
            # picking a facet value must give exactly the hits its count promised, so the
            # filtered set has to be a subset of the unfiltered one.
            unfiltered = [
                matrix.index.get(doc_id, -1)
                for rowid, doc_id in connection.execute(
                    f"SELECT d.rowid, d.id FROM docs d WHERE {visible} AND {NOT_EMPTY_FILE}", visible_params
                )
                if rowid not in excluded
            ]
            unfiltered = [pos for pos in unfiltered if pos >= 0]
            anchor = max(anchor, float(scores[np.asarray(unfiltered, dtype=np.int64)].max()))
        order = np.argsort(-chosen_scores, kind="stable")
        ranked = []
        best_chunks: dict[str, tuple[int, int]] = {}
        for j in order:
            row = candidates[keep[j]]
            ranked.append((row[0], float(chosen_scores[j]), *row[2:]))
            start, end = matrix.spans[best_rows[chosen[j]]]
            best_chunks[row[2]] = (int(start), int(end))
        return ranked, best_chunks, anchor

    def _excluded_rowids(self, connection: sqlite3.Connection, parsed: ParsedQuery) -> set[int]:
        # "-Wort" excludes documents in every mode, not only in full text.
        if not parsed.excluded:
            return set()
        expression = to_fts5(ParsedQuery(terms=parsed.excluded))
        if expression is None:
            return set()
        return {row[0] for row in connection.execute("SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?", [expression])}

    def _chunk_texts(
        self, connection: sqlite3.Connection, page: list[tuple], best_chunks: dict[str, tuple[int, int]]
    ) -> dict[int, str]:
        """The best chunk's text per page row that has one (the snippet of a semantic hit)."""
        texts: dict[int, str] = {}
        for match_row in page:
            span = best_chunks.get(match_row[2])
            if span is None or span[1] <= span[0]:
                continue
            row = connection.execute(
                "SELECT substr(text, ?, ?) FROM docs WHERE rowid = ?", (span[0] + 1, span[1] - span[0], match_row[0])
            ).fetchone()
            if row is not None:
                texts[match_row[0]] = row[0]
        return texts

    def _page_rows(self, connection: sqlite3.Connection, rowids: list[int]) -> dict[int, tuple]:
        if not rowids:
            return {}
        rows = connection.execute(
            f"SELECT rowid, id, path, title, substr(text, 1, {SCAN_CHARS}), source, display_path,"
            f" file_type, size, modified, kind, extra FROM docs WHERE rowid IN ({', '.join('?' * len(rowids))})",
            rowids,
        ).fetchall()
        return {row[0]: row[1:] for row in rows}

    def spelling_suggestions(self, text: str, principals: Sequence[str], limit: int = 3) -> list[str]:
        """Spelling variants of a query that found nothing, from the words of documents
        `principals` may read only (see `search.spelling`): both "is this word known" and
        "is this candidate a word" are asked of readable documents; the index-wide
        vocabulary only proposes candidates."""
        principals = list(dict.fromkeys(principals))
        if not principals:
            return []
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, principals)

            def readable(term: str) -> bool:
                phrase = '"' + term.replace('"', '""') + '"'
                return (
                    connection.execute(
                        f"SELECT 1 FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
                        f" WHERE docs_fts MATCH ? AND {visible} LIMIT 1",
                        [phrase, *visible_params],
                    ).fetchone()
                    is not None
                )

            def candidates(word: str) -> list[str]:
                return [
                    row[0]
                    for row in connection.execute(
                        "SELECT term FROM docs_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
                        (
                            word[0],
                            word[0] + "\uffff",
                            len(word) - spelling.LENGTH_SLACK,
                            len(word) + spelling.LENGTH_SLACK,
                        ),
                    )
                ]

            return spelling.suggest(text, self.analyzer, readable, candidates, limit)
        except sqlite3.Error:
            return []

    def get(self, doc_id: str, principals: Sequence[str]) -> Document | None:
        """The document, or None when it is missing or not visible to `principals`."""
        principals = list(dict.fromkeys(principals))
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, principals)
            row = connection.execute(
                f"SELECT {', '.join('d.' + c for c in _DOC_COLUMNS)} FROM docs d WHERE d.id = ? AND {visible}",
                [doc_id, *visible_params],
            ).fetchone()
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        return None if row is None else _document(row)

    def fetch(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id, NOT security-trimmed: only for the crawler (re-indexing moved
        files and changed permissions), never for anything a user asked. Unknown ids are skipped."""
        documents: list[Document] = []
        try:
            connection = self._connection()
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                rows = connection.execute(
                    f"SELECT {', '.join(_DOC_COLUMNS)} FROM docs WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                ).fetchall()
                documents.extend(_document(row) for row in rows)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        return documents

    def ids(self) -> set[str]:
        """All document ids (not security-trimmed; for maintenance and tests)."""
        try:
            return {row[0] for row in self._connection().execute("SELECT id FROM docs")}
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error

    def stats(self) -> dict:
        """Document count, index file size and location."""
        try:
            connection = self._connection()
            documents = connection.execute("SELECT count(*) FROM docs").fetchone()[0]
            permission_sets = connection.execute("SELECT count(*) FROM permission_sets").fetchone()[0]
            vectors = self._vectors.counts(connection)
        except sqlite3.Error as error:
            raise BackendError(MSG_INDEX_UNAVAILABLE) from error
        size = sum(p.stat().st_size for p in _db_files(self.db_path) if p.exists())
        return {
            "backend": "embedded",
            "path": str(self.db_path),
            "documents": documents,
            "permission_sets": permission_sets,
            "vectors": vectors,
            "size_bytes": size,
        }

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _document(row: tuple) -> Document:
    values = dict(zip(_DOC_COLUMNS, row))
    del values["folder"], values["top_folder"]
    values["allow"] = tuple(json.loads(values["allow"]))
    values["deny"] = tuple(json.loads(values["deny"]))
    values["require"] = tuple(tuple(clause) for clause in json.loads(values["require"]))
    del values["perm_id"]
    values["extra"] = json.loads(values["extra"])
    return Document(**values)


def _page(matches: list[tuple], sort: str, offset: int, limit: int) -> list[tuple]:
    """The requested page of (rowid, bm25, id, modified, …) rows. BM25 is negative:
    smaller is better; the id breaks ties so that pages never overlap or skip."""
    wanted = offset + limit
    if sort == "date":
        ranked = sorted(matches, key=lambda m: (m[1], m[2]))
        ranked.sort(key=lambda m: m[3] or "", reverse=True)
        ranked.sort(key=lambda m: m[3] is None)
    else:
        ranked = heapq.nsmallest(wanted, matches, key=lambda m: (m[1], m[2]))
    return ranked[offset:wanted]


def _semantic_matches(ranked: list[tuple], anchor: float | None) -> list[tuple]:
    """Semantic rows above the similarity floor (`SEMANTIC_BAND` below `anchor`, the best
    unfiltered score), as match rows (score negated like BM25)."""
    if not ranked:
        return []
    floor = max(SEMANTIC_FLOOR, (ranked[0][1] if anchor is None else anchor) - SEMANTIC_BAND)
    return [(row[0], -row[1], *row[2:]) for row in ranked if row[1] >= floor]


def _hybrid_matches(lexical: list[tuple], ranked: list[tuple], anchor: float | None) -> list[tuple]:
    """Lexical matches and semantic rows above the floor, ranked by `fuse`."""
    above = {row[2] for row in _semantic_matches(ranked, anchor)}
    lexical_sorted = sorted(lexical, key=lambda m: (m[1], m[2]))
    by_id = {row[2]: row for row in ranked}
    by_id.update({m[2]: m for m in lexical_sorted})
    fused = fuse([(m[2], -float(m[1])) for m in lexical_sorted], [(row[2], row[1]) for row in ranked], len(by_id))
    wanted = above | {m[2] for m in lexical}
    out = [(by_id[doc_id][0], -score, *by_id[doc_id][2:]) for doc_id, score in fused if doc_id in wanted]
    # `fuse` looks at the top of each list only; the remaining matches follow in
    # lexical, then semantic order, so that total, facets and paging stay complete.
    seen = {row[2] for row in out}
    rest = [m[2] for m in lexical_sorted if m[2] not in seen]
    seen.update(rest)
    rest += [row[2] for row in ranked if row[2] in above and row[2] not in seen]
    for position, doc_id in enumerate(rest):
        out.append((by_id[doc_id][0], 1e-9 * (position + 1), *by_id[doc_id][2:]))
    return out


def _as_matrix(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix.reshape(len(matrix), -1) if matrix.size else np.zeros((0, 0), dtype=np.float32)


def _facets(matches: list[tuple]) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, column in (("file_type", 5), ("year", 4), ("folder", 6), ("source", 7)):
        counts = Counter(str(m[column]) for m in matches if m[column] not in (None, ""))
        facets[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
    return facets


def _keyword_facets(connection: sqlite3.Connection, rowids: list[int]) -> dict[str, list[tuple[str, int]]]:
    """Keyword and Aktenplan counts over the (already visible, filtered) matches."""
    counts: dict[str, Counter] = {"keywords": Counter(), "aktenplan": Counter()}
    if rowids:
        for kind, value, n in connection.execute(
            "SELECT kind, value, count(*) FROM doc_facets WHERE doc IN (SELECT value FROM json_each(?))"
            " GROUP BY kind, value",
            (json.dumps(rowids),),
        ):
            counts[kind][value] = n
    return {kind: sorted(c.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE] for kind, c in counts.items()}


def _last_per_id(docs: Iterable[Document]) -> list[Document]:
    # The same id twice in one call: the later one wins, as two calls in a row would do.
    by_id: dict[str, Document] = {}
    for doc in docs:
        by_id.pop(doc.id, None)
        by_id[doc.id] = doc
    return list(by_id.values())


def _facet_rows(rowid: int, extra: dict) -> list[tuple[int, str, str]]:
    keywords, codes = facet_values(extra)
    return [(rowid, "keywords", k) for k in keywords] + [(rowid, "aktenplan", c) for c in codes]


def _merged_extra(stored: dict, changes: dict) -> dict:
    """`stored` with the keys of `changes` set (None removes a key)."""
    merged = dict(stored)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _load_registry(connection: sqlite3.Connection) -> list[Permissions]:
    return [Permissions.from_json(raw) for (raw,) in connection.execute("SELECT permissions FROM permission_sets")]


def _db_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
