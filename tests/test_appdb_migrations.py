"""The app database (app.sqlite): one owner of its schema. A file made by the previous
version, where wiki, review and Aktenplan store each created their own tables, migrates
in place and keeps every page, decision and Aktenplan version."""

from __future__ import annotations

import sqlite3

from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.services.wiki import WikiStore
from aktenlotse.stores.aktenplan_store import AktenplanStore, load_current_plan
from aktenlotse.stores.appdb import APP_MIGRATIONS, app_db_path, open_app_db
from aktenlotse.stores.migrations import applied_migrations

# The CREATE scripts of the previous version, one per owner (copied, not imported).
PREVIOUS_WIKI = """
CREATE TABLE IF NOT EXISTS wiki_pages (slug TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wiki_revisions (
    slug TEXT NOT NULL, revision INTEGER NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
    tags TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, author TEXT NOT NULL, at REAL NOT NULL,
    comment TEXT NOT NULL DEFAULT '', PRIMARY KEY (slug, revision)
);
CREATE TABLE IF NOT EXISTS wiki_images (
    id INTEGER PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL, name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL, at REAL NOT NULL
);
"""
PREVIOUS_REVIEW = """
CREATE TABLE IF NOT EXISTS review_decisions (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT, code TEXT,
    decision TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', reviewer TEXT NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS review_by_hash ON review_decisions(content_hash);
CREATE INDEX IF NOT EXISTS review_by_path ON review_decisions(source, path);
CREATE TABLE IF NOT EXISTS review_models (
    id INTEGER PRIMARY KEY, at REAL NOT NULL, trained_by TEXT NOT NULL, n_decisions INTEGER NOT NULL,
    n_heldout INTEGER NOT NULL, heldout_top1 REAL, heldout_top3 REAL
);
"""
PREVIOUS_AKTENPLAN = """
CREATE TABLE IF NOT EXISTS aktenplan_imports (
    version INTEGER PRIMARY KEY, imported_at REAL NOT NULL, source_name TEXT NOT NULL, sha256 TEXT NOT NULL,
    n_classes INTEGER NOT NULL, warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS aktenplan_classes (
    version INTEGER NOT NULL, code TEXT NOT NULL, title TEXT NOT NULL, parent TEXT,
    description TEXT NOT NULL DEFAULT '', keywords TEXT NOT NULL DEFAULT '[]', level INTEGER NOT NULL,
    position INTEGER NOT NULL, PRIMARY KEY (version, code)
);
CREATE TABLE IF NOT EXISTS aktenplan_folded (
    version INTEGER NOT NULL, code TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (version, code)
);
"""


def _previous_app_db(data_dir) -> None:
    conn = sqlite3.connect(str(data_dir / "app.sqlite"))
    conn.executescript(PREVIOUS_WIKI + PREVIOUS_REVIEW + PREVIOUS_AKTENPLAN)
    conn.execute("INSERT INTO wiki_pages VALUES ('willkommen', 2)")
    for revision, status in ((1, "draft"), (2, "published")):
        conn.execute(
            "INSERT INTO wiki_revisions VALUES ('willkommen', ?, 'Willkommen', 'FAQ', 'dms\nhilfe', ?, ?, 'lotse',"
            " ?, '')",
            (revision, f"Text {revision}", status, 1.7e9 + revision),
        )
    conn.execute("INSERT INTO wiki_images VALUES (1, 'image/png', ?, 'logo.png', 'lotse', 1.7e9)", (b"\x89PNG-",))
    conn.execute(
        "INSERT INTO review_decisions (source, path, content_hash, code, decision, comment, reviewer, at)"
        " VALUES ('daten', 'Amt/a.pdf', 'h1', '631', 'accept', 'passt', 'ag', 1.7e9)"
    )
    conn.execute("INSERT INTO review_models VALUES (1, 1.7e9, 'ag', 40, 10, 0.7, 0.9)")
    conn.execute("INSERT INTO aktenplan_imports VALUES (1, 1.7e9, 'plan.csv', 'abc', 2, '[]')")
    conn.execute("INSERT INTO aktenplan_classes VALUES (1, '6', 'Finanzen', NULL, '', '[]', 1, 0)")
    conn.execute("INSERT INTO aktenplan_classes VALUES (1, '631', 'Steuern', '6', '', '[\"Hundesteuer\"]', 2, 1)")
    conn.execute("INSERT INTO aktenplan_folded VALUES (1, '6319', '631')")
    conn.commit()
    conn.close()


def test_an_app_database_of_the_previous_version_migrates_in_place(tmp_path):
    _previous_app_db(tmp_path)

    wiki = WikiStore(tmp_path)
    page = wiki.page("willkommen")
    assert page is not None and (page.revision, page.body, page.tags) == (2, "Text 2", ("dms", "hilfe"))
    assert [r.revision for r in wiki.history("willkommen")] == [2, 1]
    assert wiki.image(1) == ("image/png", b"\x89PNG-")
    wiki.close()

    review = ReviewStore(tmp_path)
    decision = review.decision_for(DocRef("daten", "Amt/a.pdf", "h1"))
    assert decision is not None and (decision.code, decision.comment) == ("631", "passt")
    assert review.latest_model()["heldout_top1"] == 0.7
    review.close()

    with AktenplanStore(tmp_path) as plans:
        assert plans.current_version() == 1
    plan = load_current_plan(tmp_path)
    assert plan is not None
    assert list(plan.classes) == ["6", "631"] and plan.classes["631"].keywords == ("Hundesteuer",)
    assert plan.folded == {"6319": "631"}

    conn = sqlite3.connect(str(app_db_path(tmp_path)))
    assert applied_migrations(conn) == [m.name for m in APP_MIGRATIONS]
    conn.close()


def test_every_store_of_the_app_database_opens_one_schema_whichever_comes_first(tmp_path):
    for first in (WikiStore, ReviewStore, AktenplanStore):
        data = tmp_path / first.__name__
        first(data).close()
        conn = open_app_db(data)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"wiki_pages", "review_decisions", "aktenplan_imports", "schema_migrations"} <= tables
        assert applied_migrations(conn) == [m.name for m in APP_MIGRATIONS]
        conn.close()


def test_no_store_writes_anything_before_the_first_use(tmp_path):
    assert load_current_plan(tmp_path / "neu") is None
    assert not app_db_path(tmp_path / "neu").exists()
