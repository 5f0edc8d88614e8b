"""An embedded index written by schema version 1 (per-document principal rows) is
migrated in place to permission sets when it is opened: same results, nothing lost."""

from __future__ import annotations

import json
import sqlite3

from aktenlotse.core.visibility import may_read, of_item
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import SCHEMA_VERSION, EmbeddedBackend
from aktenlotse.text.analysis import GermanAnalyzer
from tests.conformance_corpus import BAUAMT, CORPUS, EVERYONE, MUELLER, ids_of

# The version 1 layout as released (frozen here: the code only knows the current one).
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL, folder TEXT NOT NULL,
    top_folder TEXT NOT NULL, modified TEXT, year INTEGER, file_type TEXT NOT NULL, kind TEXT NOT NULL,
    size INTEGER NOT NULL, path TEXT NOT NULL, parent_id TEXT, author TEXT, created TEXT, content_type TEXT,
    language TEXT, pages INTEGER, content_hash TEXT, display_path TEXT NOT NULL, allow TEXT NOT NULL,
    deny TEXT NOT NULL, extra TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
    title_terms TEXT NOT NULL, terms TEXT NOT NULL
);
CREATE INDEX docs_modified ON docs(modified);
CREATE INDEX docs_path ON docs(path);
CREATE TABLE principals (doc INTEGER NOT NULL, deny INTEGER NOT NULL, principal TEXT NOT NULL,
    PRIMARY KEY (doc, deny, principal)) WITHOUT ROWID;
CREATE TABLE doc_facets (doc INTEGER NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (kind, value, doc)) WITHOUT ROWID;
CREATE INDEX doc_facets_by_doc ON doc_facets(doc);
CREATE VIRTUAL TABLE docs_fts USING fts5(title_terms, terms, content='docs', content_rowid='rowid',
    tokenize="unicode61 tokenchars '_'");
CREATE VIRTUAL TABLE docs_vocab USING fts5vocab(docs_fts, 'row');
CREATE TRIGGER docs_fts_insert AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts(rowid, title_terms, terms) VALUES (new.rowid, new.title_terms, new.terms);
END;
CREATE TRIGGER docs_fts_delete AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts(docs_fts, rowid, title_terms, terms) VALUES ('delete', old.rowid, old.title_terms, old.terms);
    DELETE FROM principals WHERE doc = old.rowid;
    DELETE FROM doc_facets WHERE doc = old.rowid;
END;
INSERT INTO meta(key, value) VALUES ('schema_version', '1');
"""


def write_v1_index(path) -> None:
    analyzer = GermanAnalyzer()
    connection = sqlite3.connect(path)
    connection.executescript(V1_SCHEMA)
    for doc in CORPUS:
        folder = doc.folder
        rowid = connection.execute(
            "INSERT INTO docs(id, source, folder, top_folder, modified, year, file_type, kind, size, path,"
            " display_path, allow, deny, extra, title, text, title_terms, terms)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc.id,
                doc.source,
                folder,
                folder.split("/", 1)[0],
                doc.modified,
                int(doc.modified[:4]),
                doc.file_type,
                doc.kind,
                doc.size,
                doc.path,
                doc.display_path,
                json.dumps(list(doc.allow)),
                json.dumps(list(doc.deny)),
                json.dumps(doc.extra),
                doc.title,
                doc.text,
                analyzer.terms(doc.title),
                analyzer.terms(doc.text),
            ),
        ).lastrowid
        connection.executemany("INSERT INTO principals VALUES (?, 0, ?)", [(rowid, p) for p in doc.allow])
        connection.executemany("INSERT INTO principals VALUES (?, 1, ?)", [(rowid, p) for p in doc.deny])
    connection.commit()
    connection.close()


def test_version_1_index_is_migrated_in_place(tmp_path):
    path = tmp_path / "index.db"
    write_v1_index(path)
    with EmbeddedBackend(path) as backend:
        assert backend.ids() == {d.id for d in CORPUS}
        for principals in (EVERYONE, BAUAMT, MUELLER, []):
            visible = {d.id for d in CORPUS if may_read(principals, of_item(d))}
            assert set(ids_of(backend.search(Query("", limit=50), principals))) == visible
        # The full-text index still answers, trimmed by the migrated permission sets.
        assert ids_of(backend.search(Query("Sonnenhang"), EVERYONE)) == ["deny-1"]
        assert set(ids_of(backend.search(Query("Sonnenhang"), BAUAMT))) == {"deny-1", "intern-1"}
        assert backend.get("intern-1", EVERYONE) is None and backend.get("intern-1", BAUAMT) is not None
        assert backend.fetch_untrimmed(["deny-1"])[0].deny == ("user:mueller",)
        assert backend.stats()["permission_sets"] == 4
        backend.delete(["bau-1"])  # the full-text index (now tantivy) follows the writes
        assert ids_of(backend.search(Query("Lindenweg"), BAUAMT)) == []
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "principals" not in tables
        assert {"docs_fts", "docs_vocab"}.isdisjoint(tables)  # version 3: the full text left SQLite
    finally:
        connection.close()
    with EmbeddedBackend(path) as reopened:  # opening again migrates nothing and keeps everything
        assert len(reopened.ids()) == len(CORPUS) - 1
