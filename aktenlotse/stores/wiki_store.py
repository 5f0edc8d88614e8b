"""The wiki's tables in the app database: pages, their revisions and uploaded images.

Only storage: who may write, what a valid page is and what goes into the search index is
decided by `aktenlotse.services.wiki`.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

from aktenlotse.stores.appdb import AppTables

_CURRENT = "SELECT r.* FROM wiki_pages p JOIN wiki_revisions r ON r.slug = p.slug AND r.revision = p.revision"


@dataclass(frozen=True)
class Revision:
    """One saved version of a page (a page is its newest revision)."""

    slug: str
    revision: int
    title: str
    category: str
    tags: tuple[str, ...]
    body: str
    status: str
    author: str
    at: float
    comment: str = ""

    @property
    def published(self) -> bool:
        """Whether everyone who is logged in sees this version."""
        return self.status == "published"


class WikiTables(AppTables):
    """Reads and writes of the wiki's rows; one connection of `appdb.open_app_db`."""

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """`with tables.transaction():` commits everything in the block, or nothing."""
        return self._conn

    def current(self, slug: str) -> Revision | None:
        """The newest revision of a page, draft or published."""
        row = self._conn.execute(f"{_CURRENT} WHERE p.slug = ?", (slug,)).fetchone()
        return _revision(row) if row else None

    def all_current(self) -> list[Revision]:
        """The newest revision of every page, most recently saved first."""
        return [_revision(r) for r in self._conn.execute(f"{_CURRENT} ORDER BY r.at DESC").fetchall()]

    def history(self, slug: str) -> list[Revision]:
        """Every revision of a page, newest first."""
        rows = self._conn.execute("SELECT * FROM wiki_revisions WHERE slug = ? ORDER BY revision DESC", (slug,))
        return [_revision(r) for r in rows.fetchall()]

    def revision(self, slug: str, revision: int) -> Revision | None:
        """One revision of a page."""
        row = self._conn.execute(
            "SELECT * FROM wiki_revisions WHERE slug = ? AND revision = ?", (slug, revision)
        ).fetchone()
        return _revision(row) if row else None

    def current_number(self, slug: str) -> int | None:
        """The number of the page's newest revision; None when there is no such page."""
        row = self._conn.execute("SELECT revision FROM wiki_pages WHERE slug = ?", (slug,)).fetchone()
        return int(row[0]) if row else None

    def add_revision(self, revision: Revision) -> None:
        """Store a revision and make it the page's current one (inside `transaction`)."""
        self._conn.execute(
            "INSERT INTO wiki_revisions (slug, revision, title, category, tags, body, status, author, at, comment)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                revision.slug,
                revision.revision,
                revision.title,
                revision.category,
                "\n".join(revision.tags),
                revision.body,
                revision.status,
                revision.author,
                revision.at,
                revision.comment,
            ),
        )
        self._conn.execute(
            "INSERT INTO wiki_pages (slug, revision) VALUES (?, ?) "
            "ON CONFLICT(slug) DO UPDATE SET revision = excluded.revision",
            (revision.slug, revision.revision),
        )

    def add_image(self, mime: str, data: bytes, name: str, author: str) -> int:
        """Store an image; returns its id."""
        with self._conn:
            cursor = self._conn.execute(
                "INSERT INTO wiki_images (mime, data, name, uploaded_by, at) VALUES (?,?,?,?,?)",
                (mime, data, name, author, time.time()),
            )
        return int(cursor.lastrowid or 0)

    def image(self, image_id: int) -> tuple[str, bytes] | None:
        """(MIME type, bytes) of an image."""
        row = self._conn.execute("SELECT mime, data FROM wiki_images WHERE id = ?", (image_id,)).fetchone()
        return (row[0], bytes(row[1])) if row else None


def _revision(row: tuple) -> Revision:
    slug, revision, title, category, tags, body, status, author, at, comment = row
    return Revision(
        slug, revision, title, category, tuple(t for t in tags.split("\n") if t), body, status, author, at, comment
    )
