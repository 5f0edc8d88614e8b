"""The Backend seam: every index implementation (embedded SQLite, Elasticsearch) offers this.

Security trimming happens inside `search`, `get`, `spelling_suggestions`, `completions` and facet
counting, never after: a caller passes the principals of the user and gets only what
that user may read.
Each document names its permission set (`aktenlotse.core.visibility.of_item`); the backend
keeps the registry of distinct sets and filters every read by the sets the caller may read.

Who may write what (one writer of permissions):
- `upsert`, `delete`, `set_permissions`: the crawl (and the wiki for its own pages) only.
  They are the only operations that write a document's permissions.
- `update_fields`, `upsert_vectors`: second passes (embeddings, OCR, enrichment reruns).
  They cannot carry permissions and are refused when the document's content moved on, so
  a pass that read a document before a crawl changed it can never write old state back.
  Passes get a `PassIndex`, which has no whole-document write at all.
- `fetch_untrimmed`, `ids`, `ids_without_vectors`, `count_without_vectors`: not trimmed;
  for the crawler, the passes and maintenance, never for anything a user asked. What
  `fetch_untrimmed` returns is never written back whole by anybody but the crawl.
- `dms_listing`: every document by id, for the AG DMS pages (review queue, overview,
  migration list, retraining), and only for a caller whose roles include a DMS role
  (`visibility.DMS_ROLES`); anybody else gets `visibility.DmsRoleRequired`.

Both implementations (`embedded.EmbeddedBackend`, `elasticsearch_backend.
ElasticsearchBackend`) run the conformance suite `tests/backend_conformance.py`, which
exercises every operation below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aktenlotse.core.records import Document
from aktenlotse.core.visibility import Permissions
from aktenlotse.search.query_parser import ParsedQuery

MODES = ("fulltext", "semantic", "hybrid")

# A document's ACL as read from the source: (allow, deny, require clauses).
Acl = tuple[Sequence[str], Sequence[str], Sequence[Sequence[str]]]


@dataclass(frozen=True)
class Query:
    """A parsed search request.

    `text` is the user's raw query (parsed by `aktenlotse.search.query_parser`);
    filters narrow the result set: `folder` is a path prefix ("Bauamt/632 Baugenehmigungen"),
    `file_types` extensions without dot, `years` calendar years of `modified`,
    `sources` source names.
    """

    text: str
    mode: str = "fulltext"
    folder: str | None = None
    file_types: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    limit: int = 10
    offset: int = 0
    sort: str = "relevance"  # relevance | date
    facets: bool = False
    # The query embedded once by the caller (semantic/hybrid); backends never embed.
    vector: tuple[float, ...] | None = None
    keywords: tuple[str, ...] = ()  # facet filter on enrichment keywords
    aktenplan: tuple[str, ...] = ()  # facet filter on suggested/decided Aktenplan codes


@dataclass
class ChunkVectors:
    """The embeddings of one document's text chunks (second enrichment pass).

    `spans` are (start, end) character offsets of each chunk in the document's text, so a
    semantic hit can show the best chunk as its snippet. `model` names the encoder; a
    backend keeps vectors of one model per document.
    """

    doc_id: str
    model: str
    vectors: Any  # chunks × dimensions: a float32 numpy matrix or nested lists of floats
    spans: list[tuple[int, int]]
    # What the vectors were computed from (`vector_store.content_key`): a backend refuses
    # vectors of a text that changed while they were being computed.
    content_key: str | None = None


@dataclass
class Hit:
    """One result. `snippet` marks matched words with <mark>…</mark>; everything else is escaped HTML."""

    id: str
    path: str
    title: str
    score: float
    snippet: str
    source: str = ""
    display_path: str = ""
    file_type: str = ""
    size: int = 0
    modified: str | None = None
    kind: str = "file"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hits:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # Human-readable (German) notes about how the query was understood, e.g. ignored operators.
    notices: list[str] = field(default_factory=list)


# What a second pass may change on a document. `extra` is merged key by key (a key with
# the value None is removed); the rest replace the stored value. Never permissions,
# path, id or content hash: those belong to the crawl.
UPDATABLE_FIELDS = frozenset({"text", "terms", "language", "pages", "extra"})


@dataclass(frozen=True)
class FieldUpdate:
    """A partial update of one document by a second pass.

    `expected_content_key` is `vector_store.content_key(...)` of the document as the pass
    read it; the update is refused when the stored document's key differs (the crawl
    re-indexed it meanwhile).
    """

    doc_id: str
    fields: dict[str, Any]
    expected_content_key: str

    def __post_init__(self) -> None:
        unknown = set(self.fields) - UPDATABLE_FIELDS
        if unknown:
            raise ValueError(f"fields a pass may not update: {sorted(unknown)}")


class BackendError(Exception):
    """The index could not be reached or refused a request; `message` is fit for users (German)."""


class Backend(Protocol):
    """The index. Upserts are idempotent by document id."""

    def upsert(self, docs: Sequence[Document]) -> None:
        """Insert or replace documents by id. Returns only when they are durable."""

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def search(self, query: Query, principals: Sequence[str]) -> Hits:
        """Run a query, trimmed to what `principals` may read."""

    def get(self, doc_id: str, principals: Sequence[str]) -> Document | None:
        """One document, or None when it does not exist or the principals may not read it."""

    def set_permissions(self, ids: Sequence[str], perms: Permissions, acl: Acl | None = None) -> None:
        """Crawl only: make `perms` the permission set of the documents `ids` (unknown ids
        are ignored). `acl` = (allow, deny, require) as read from the source, stored with
        the documents; None keeps the stored ACL (used to hide with `visibility.NOBODY`
        what could not be verified, until a crawl verifies it again)."""

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Second passes: apply partial updates (only `UPDATABLE_FIELDS`; permissions stay
        as the crawl wrote them). Returns the ids updated; an update of a missing document
        or of one whose content key moved is skipped."""

    def spelling_suggestions(self, text: str, principals: Sequence[str], limit: int = 3) -> list[str]:
        """ "Meinten Sie": variants of `text` with misspelt words replaced by words of
        documents the principals may read, and only those (a word of a hidden document
        must be indistinguishable from one that exists nowhere)."""

    def completions(self, prefix: str, principals: Sequence[str], limit: int = 8) -> list[str]:
        """Autocomplete: up to `limit` words starting with the typed `prefix` (folded like
        the index: "Gebü" finds "gebuehr…"), written like the typed letters, from documents
        the principals may read only and ordered by how many of those hold them; the same
        rule as spelling: a word of a hidden document never shows, not even in the order.
        Input with nothing searchable (quotes, operators, empty) gives []."""

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors; they inherit the document's permission set. A later `upsert`
        of the same document with a different `content_hash` drops its vectors."""

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` document ids that have no vectors of `model` yet (for the
        resumable embedding pass; not security-trimmed)."""

    def count_without_vectors(self, model: str) -> int:
        """How many documents have no vectors of `model` yet: the number of ids
        `ids_without_vectors` would give without a limit (the embedding pass's total due;
        reads only, not security-trimmed)."""

    def refresh_vector_index(
        self, model: str, force: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, int] | None:
        """Bring the approximate vector index of `model` up to date when it is due (`force`:
        always); the figures of what was built (documents, chunks), or None when nothing
        was. Embedded: the ANN snapshot (`vector_ann`); search servers keep theirs
        themselves and return None. `progress(done, total)` follows the chunks."""

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id, NOT security-trimmed and not shortened: for the crawler and
        the passes (to read text), never for anything a user asked."""

    def dms_listing(self, ids: Sequence[str], roles: Iterable[str]) -> list[Document]:
        """Documents by id regardless of their ACL, for the AG DMS pages; raises
        `visibility.DmsRoleRequired` (German message) unless `roles` hold a DMS role."""

    def ids(self) -> set[str]:
        """All document ids (for maintenance and tests; not security-trimmed)."""

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of a raw query, as `search` runs it (notices included)."""

    def stats(self) -> dict[str, Any]:
        """Counts and sizes for `aktenlotse status` and the admin page."""

    def close(self) -> None:
        """Release connections."""


class PassIndex(Protocol):
    """What a second pass (embeddings, OCR, enrichment reruns) may do with the index:
    read documents and write only its own fields. No whole-document write, no
    permissions: a pass cannot bring back what a crawl hid."""

    def fetch_untrimmed(self, ids: Sequence[str]) -> list[Document]: ...

    def ids_without_vectors(self, model: str, limit: int) -> list[str]: ...

    def count_without_vectors(self, model: str) -> int: ...

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None: ...

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]: ...
