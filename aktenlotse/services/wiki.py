"""The wiki of the Digitallotsen: Markdown pages with revisions, stored in the app
database (`aktenlotse.stores.wiki_store`), published pages indexed as search items of
kind `wiki`.

Every write checks the author's roles here, not only in the page: an employee cannot
edit through a crafted request or session state either.
"""

from __future__ import annotations

import difflib
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from aktenlotse.core.records import AUTHENTICATED, Document
from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.search.backend import Backend
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.wiki_store import Revision, WikiTables
from aktenlotse.text.markdown_render import markdown_plain_text

CATEGORIES = ("DMS-News", "Anleitung", "FAQ", "Glossar")
STATUSES = ("draft", "published")
EDIT_ROLES = frozenset({"digitallotse", "admin"})
MAX_TITLE = 200
MAX_BODY = 200_000
MAX_IMAGE_MB = 2
MAX_IMAGE_BYTES = MAX_IMAGE_MB * 1024 * 1024
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


class WikiError(UserFacingError):
    """`message` is for the user (German)."""


class NotAllowed(WikiError):
    pass


class EditConflict(WikiError):
    """Someone saved the page after the editor loaded it; nothing was overwritten."""

    def __init__(self, current: Revision, diff: str):
        super().__init__(
            f"Die Seite wurde inzwischen von {current.author} geändert (Version {current.revision}). "
            "Ihre Änderungen wurden nicht gespeichert; bitte mit der aktuellen Fassung zusammenführen."
        )
        self.current = current
        self.diff = diff


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title.replace("ß", "ss")).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:80] or "seite"


def can_edit(roles: Iterable[str]) -> bool:
    return bool(EDIT_ROLES.intersection(roles))


WIKI_ID_PREFIX = "wiki:"  # a page's search item id is the prefix and the page's slug


def wiki_document(page: Revision) -> Document:
    """A published page as a search item: readable by everyone who is logged in."""
    return Document(
        id=f"{WIKI_ID_PREFIX}{page.slug}",
        source="wiki",
        path=f"Wiki/{page.category}/{page.title}",
        kind="wiki",
        title=page.title,
        text=markdown_plain_text(page.body),  # the snippets show words, not Markdown
        author=page.author,
        modified=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(page.at)),
        year=time.gmtime(page.at).tm_year,
        file_type="wiki",
        size=len(page.body.encode("utf-8")),
        display_path=f"Wissen & DMS-News › {page.category} › {page.title}",
        allow=(AUTHENTICATED,),
        extra={"keywords": list(page.tags), "category": page.category},
    )


class WikiStore:
    """Pages and their full history. Saving needs the revision the editor started from."""

    def __init__(self, data_dir: Path, backend: Backend | None = None):
        self._tables = WikiTables(open_app_db(data_dir))
        self.backend = backend

    def close(self) -> None:
        """Close the app database connection."""
        self._tables.close()

    # -- reading -------------------------------------------------------------------

    def page(self, slug: str, include_drafts: bool = False) -> Revision | None:
        """The current revision of a page; a draft only with `include_drafts`."""
        page = self._tables.current(slug)
        if page and not page.published and not include_drafts:
            return None
        return page

    def pages(self, include_drafts: bool = False, category: str | None = None) -> list[Revision]:
        """Current pages, newest first (published ones unless `include_drafts`)."""
        pages = self._tables.all_current()
        return [p for p in pages if (include_drafts or p.published) and (category is None or p.category == category)]

    def news(self, limit: int = 3) -> list[Revision]:
        """The newest published DMS news."""
        return self.pages(category="DMS-News")[:limit]

    def history(self, slug: str) -> list[Revision]:
        """Every revision of a page, newest first."""
        return self._tables.history(slug)

    def revision(self, slug: str, revision: int) -> Revision | None:
        """One revision of a page."""
        return self._tables.revision(slug, revision)

    def diff(self, slug: str, old: int, new: int) -> str:
        """A unified diff between two revisions of a page."""
        a, b = self.revision(slug, old), self.revision(slug, new)
        if a is None or b is None:
            raise WikiError("Diese Version gibt es nicht.")
        return _diff(a, b)

    # -- writing -------------------------------------------------------------------

    def save(
        self,
        *,
        author: str,
        roles: Iterable[str],
        title: str,
        body: str,
        category: str,
        tags: Sequence[str] = (),
        status: str = "draft",
        slug: str | None = None,
        base_revision: int | None = None,
        comment: str = "",
    ) -> Revision:
        """Create a page (slug None) or a new revision of it. `base_revision` is the revision
        the editor loaded; if the page has moved on since, EditConflict is raised."""
        if not can_edit(roles):
            raise NotAllowed("Nur Digitallotsen und Administratoren können Wiki-Seiten bearbeiten.")
        title = (title or "").strip()
        if not title:
            raise WikiError("Bitte einen Titel angeben.")
        if len(title) > MAX_TITLE:
            raise WikiError(f"Der Titel ist zu lang (höchstens {MAX_TITLE} Zeichen).")
        if category not in CATEGORIES:
            raise WikiError(f"Unbekannte Kategorie {category!r}.")
        if status not in STATUSES:
            raise WikiError(f"Unbekannter Status {status!r}.")
        if len(body or "") > MAX_BODY:
            raise WikiError("Der Text ist zu lang.")
        clean_tags = tuple(dict.fromkeys(t.strip() for t in tags if t.strip()))
        with self._tables.transaction():  # one transaction: check and write together
            if slug is None:
                slug = self._free_slug(slugify(title))
                current = 0
            else:
                number = self._tables.current_number(slug)
                if number is None:
                    raise WikiError("Diese Seite gibt es nicht.")
                current = number
                if base_revision is not None and base_revision != current:
                    latest = self.revision(slug, current)
                    if latest is None:
                        raise WikiError("Diese Seite gibt es nicht.")
                    mine = Revision(slug, -1, title, category, clean_tags, body, status, author, time.time())
                    raise EditConflict(latest, _diff(latest, mine))
            revision = Revision(
                slug, current + 1, title, category, clean_tags, body or "", status, author, time.time(), comment
            )
            self._tables.add_revision(revision)
        self._index(revision)
        return revision

    def restore(self, slug: str, revision: int, *, author: str, roles: Iterable[str]) -> Revision:
        """A new revision with the content of an old one (history is never rewritten)."""
        old = self.revision(slug, revision)
        if old is None:
            raise WikiError("Diese Version gibt es nicht.")
        return self.save(
            author=author,
            roles=roles,
            title=old.title,
            body=old.body,
            category=old.category,
            tags=old.tags,
            status=old.status,
            slug=slug,
            comment=f"Version {revision} wiederhergestellt",
        )

    def add_image(self, name: str, data: bytes, *, author: str, roles: Iterable[str]) -> int:
        """Store an uploaded image (PNG, JPEG, GIF, at most MAX_IMAGE_BYTES); returns its id."""
        if not can_edit(roles):
            raise NotAllowed("Nur Digitallotsen und Administratoren können Bilder hochladen.")
        if len(data) > MAX_IMAGE_BYTES:
            raise WikiError(
                f"Das Bild ist zu groß ({len(data) / 1024 / 1024:.1f} MB); erlaubt sind höchstens "
                f"{MAX_IMAGE_BYTES // 1024 // 1024} MB."
            )
        mime = next((m for magic, m in IMAGE_TYPES.items() if data.startswith(magic)), None)
        if mime is None:
            raise WikiError("Nur PNG-, JPEG- und GIF-Bilder können hochgeladen werden.")
        return self._tables.add_image(mime, data, name[:200], author)

    def image(self, image_id: int) -> tuple[str, bytes] | None:
        """(MIME type, bytes) of an uploaded image."""
        return self._tables.image(image_id)

    def reindex_all(self) -> int:
        """Put every published page into the search backend (e.g. after switching backends)."""
        pages = self.pages()
        if self.backend is not None and pages:
            self.backend.upsert([wiki_document(p) for p in pages])
        return len(pages)

    # -- helpers -------------------------------------------------------------------

    def _free_slug(self, base: str) -> str:
        slug, n = base, 2
        while self._tables.current_number(slug) is not None:
            slug, n = f"{base}-{n}", n + 1
        return slug

    def _index(self, page: Revision) -> None:
        if self.backend is None:
            return
        if page.published:
            self.backend.upsert([wiki_document(page)])
        else:
            self.backend.delete([f"{WIKI_ID_PREFIX}{page.slug}"])


def _diff(a: Revision, b: Revision) -> str:
    def lines(r: Revision) -> list[str]:
        return [
            f"# {r.title}",
            f"Kategorie: {r.category}",
            f"Schlagwörter: {', '.join(r.tags)}",
            f"Status: {r.status}",
            "",
            *r.body.splitlines(),
        ]

    label_b = f"Version {b.revision}" if b.revision > 0 else "Ihre Fassung"
    return "\n".join(difflib.unified_diff(lines(a), lines(b), f"Version {a.revision}", label_b, lineterm=""))
