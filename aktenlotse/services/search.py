"""Searching as a user, for the portal and `aktenlotse search` alike: the query embedded
once, the default mode, the query built from facet choices, similar documents, spelling
help when nothing was found. Every search here is trimmed to the given principals by the
backend; nothing in this module reads the index unfiltered."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from aktenlotse.core.config import Config
from aktenlotse.crawler.documents import CHILD_SEPARATOR
from aktenlotse.enrich.nlp import analyzer
from aktenlotse.enrich.query_embedding import embed_query
from aktenlotse.pipeline.app import open_backend
from aktenlotse.search.backend import Backend, BackendError, Hit, Hits, Query
from aktenlotse.search.snippets import make_preview
from aktenlotse.services.hit_titles import display_title
from aktenlotse.stores.aktenplan_store import current_titles
from aktenlotse.text.analysis import GermanAnalyzer

MAX_QUERY_CHARS = 1000
SIMILAR_TERMS = 12
# The facets a search can be narrowed by, in the order the portal offers them.
FACETS = ("folder", "file_type", "year", "source", "keywords", "aktenplan")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def with_query_vector(config: Config, query: Query) -> Query:
    """Semantic and hybrid searches carry the query embedded once, here (backends never embed).
    Without embeddings the backend falls back to full text and says so."""
    if query.mode == "fulltext" or query.vector is not None or not query.text.strip():
        return query
    if not (config.enrich.enabled and config.enrich.embeddings):
        return query
    return replace(query, vector=embed_query(config, query.text[:2000]))


def has_vectors(backend: Backend) -> bool:
    """Whether the embedding pass has stored any vectors (then hybrid is the default mode)."""
    vectors = backend.stats().get("vectors") or {}
    return any((v.get("chunks", v.get("documents")) or 0) > 0 for v in vectors.values())


def default_mode(backend: Backend) -> str:
    """Hybrid as soon as the embedding pass has stored vectors, full text before."""
    return "hybrid" if has_vectors(backend) else "fulltext"


def run_search(backend: Backend, query: Query, principals: Sequence[str]) -> Hits:
    """Search as the user. Overlong input is cut here too (the parser cuts as well)."""
    if len(query.text) > MAX_QUERY_CHARS * 10:
        query = replace(query, text=query.text[: MAX_QUERY_CHARS * 10])
    hits = backend.search(query, list(principals))
    hits.hits = [_with_display_title(hit) for hit in hits.hits]
    return hits


def search_as(config: Config, backend: Backend, query: Query, principals: Sequence[str]) -> Hits:
    """The search of the portal and the CLI: embedded when the mode needs it, then run as the user."""
    return run_search(backend, with_query_vector(config, query), principals)


def search(config: Config, query: Query, principals: Sequence[str]) -> Hits:
    """One search on the configured index, opened and closed around it (CLI, demo)."""
    backend = open_backend(config)
    try:
        return backend.search(with_query_vector(config, query), list(principals))
    finally:
        backend.close()


def query_from_filters(
    text: str, mode: str, sort: str, filters: Mapping[str, Sequence[str]], page: int, page_size: int
) -> Query:
    """The query of one result page with the chosen facet values (a folder narrows only
    when exactly one is chosen; years that are no numbers are ignored)."""
    years = tuple(int(y) for y in filters.get("year", []) if str(y).isdigit())
    folder = filters.get("folder", [])
    return Query(
        text=text,
        mode=mode,
        sort=sort,
        facets=True,
        limit=page_size,
        offset=page * page_size,
        folder=folder[0] if len(folder) == 1 else None,
        file_types=tuple(filters.get("file_type", [])),
        years=years,
        sources=tuple(filters.get("source", [])),
        keywords=tuple(filters.get("keywords", [])),
        aktenplan=tuple(filters.get("aktenplan", [])),
    )


def aktenplan_label(code: str, title: str | None) -> str:
    """An Aktenplan facet value as people read it: the code and its title
    ("632 Baugenehmigungen"); the code alone without a title."""
    return f"{code} {title}" if title else code


def aktenplan_titles(config: Config, codes: Sequence[str]) -> dict[str, str]:
    """The label of each code (`aktenplan_label`) with its title in the current Aktenplan
    (a code folded into another class: that class's title; a code the plan does not know:
    the code alone)."""
    titles = current_titles(config.data_dir, codes)
    return {code: aktenplan_label(code, titles.get(code)) for code in codes}


def text_preview(backend: Backend, doc_id: str, principals: Sequence[str], text: str) -> str | None:
    """The start of a hit's text with the query's words marked (`snippets.make_preview`),
    read as the user through the trimmed `get`: None when the document is gone or the
    user may not read it."""
    doc = backend.get(doc_id, list(principals))
    if doc is None:
        return None
    return make_preview(doc.text or "", backend.parse(text[:MAX_QUERY_CHARS]), analyzer())


def page_count(total: int, page_size: int) -> int:
    """How many result pages `total` hits fill (at least one)."""
    return max(1, -(-total // page_size))


def spelling_variants(backend: Backend, text: str, principals: Sequence[str]) -> list[str]:
    """Spelling variants from words of documents this user may read, and only those; none
    when the backend cannot answer (the hint is a help, not a reason to fail the page)."""
    try:
        return list(backend.spelling_suggestions(text, list(principals)))
    except BackendError:
        return []


def without_umlauts(text: str) -> str | None:
    """The query spelled without umlauts (ä → ae …), None when it has none."""
    folded = text.translate(_UMLAUTS)
    return folded if folded != text else None


def _with_display_title(hit: Hit) -> Hit:
    title = display_title(hit.title, hit.path)
    return hit if title == hit.title else replace(hit, title=title)


def similar_query_text(title: str, text: str, words: GermanAnalyzer) -> str:
    """The words that characterise a document: its most frequent content tokens (lemmas,
    no numbers), title words first. Built from what the user can already see."""
    counts = Counter(t for t in words.analyze(text[:20_000]) if not t.isdigit() and "_" not in t and len(t) > 3)
    title_tokens = [t for t in words.analyze(title) if not t.isdigit() and len(t) > 3]
    chosen = list(dict.fromkeys([*title_tokens, *(t for t, _ in counts.most_common(SIMILAR_TERMS * 2))]))
    return " ".join(chosen[:SIMILAR_TERMS])


def similar_documents(
    backend: Backend,
    doc_id: str,
    principals: Sequence[str],
    limit: int = 5,
    mode: str = "fulltext",
    vector: tuple[float, ...] | None = None,
) -> Hits:
    """Documents like `doc_id`, trimmed to the user like every search: the document itself
    is fetched as the user (no access, no result) and the look-alikes come from a normal
    search, so nothing bypasses the principals filter."""
    doc = backend.get(doc_id, list(principals))
    if doc is None:
        return Hits(total=0, hits=[])
    text = similar_query_text(doc.title, doc.text, analyzer())
    if not text:
        return Hits(total=0, hits=[])
    hits = backend.search(Query(text=text, mode=mode, vector=vector, limit=limit + 5), list(principals))
    own = doc.id.split(CHILD_SEPARATOR, 1)[0]
    others = [_with_display_title(h) for h in hits.hits if h.id.split(CHILD_SEPARATOR, 1)[0] != own]
    return Hits(total=len(others[:limit]), hits=others[:limit])
