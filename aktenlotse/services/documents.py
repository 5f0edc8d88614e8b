"""What the portal pages do, without Streamlit: search as a user, download with a fresh
permission check. The pages only render; these functions are tested on their own."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from aktenlotse.core import visibility
from aktenlotse.core.config import Config, ConfigError
from aktenlotse.crawler.documents import CHILD_SEPARATOR
from aktenlotse.search.backend import Backend, BackendError, Hit, Hits, Query
from aktenlotse.stores.statedb import StateDB

MSG_NOT_FOUND = "Dieses Dokument gibt es nicht (mehr), oder Sie haben keinen Zugriff darauf."
MSG_ACCESS_CHANGED = (
    "Sie haben keinen Zugriff (mehr) auf diese Datei. Die Berechtigung wurde eben an der Ablage geprüft."
)
MSG_FILE_GONE = "Die Datei liegt nicht mehr an diesem Ort. Der nächste Crawl aktualisiert den Suchindex."
MSG_FILE_UNREADABLE = "Die Datei kann gerade nicht gelesen werden. Bitte später erneut versuchen."
MAX_QUERY_CHARS = 1000


class DownloadDenied(Exception):
    """`message` is for the user (German)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_portal_config(config: Config) -> None:
    """A production portal needs a directory; demo mode must be chosen explicitly."""
    if config.auth.mode == "ldap" and not (config.auth.url and config.auth.base_dn):
        raise ConfigError(
            "auth.url: the portal needs an LDAP/AD server (auth.url and auth.base_dn); "
            'for a trial only, set auth.mode = "demo"'
        )


def run_search(backend: Backend, query: Query, principals: Sequence[str]) -> Hits:
    """Search as the user. Overlong input is cut here too (the parser cuts as well)."""
    if len(query.text) > MAX_QUERY_CHARS * 10:
        query = replace(query, text=query.text[: MAX_QUERY_CHARS * 10])
    hits = backend.search(query, list(principals))
    hits.hits = [_with_display_title(hit) for hit in hits.hits]
    return hits


def _with_display_title(hit: Hit) -> Hit:
    from aktenlotse.portal.hit_titles import display_title

    title = display_title(hit.title, hit.path)
    return hit if title == hit.title else replace(hit, title=title)


SIMILAR_TERMS = 12


def similar_query_text(title: str, text: str, analyzer) -> str:
    """The words that characterise a document: its most frequent content tokens (lemmas,
    no numbers), title words first. Built from what the user can already see."""
    from collections import Counter

    counts = Counter(t for t in analyzer.analyze(text[:20_000]) if not t.isdigit() and "_" not in t and len(t) > 3)
    title_tokens = [t for t in analyzer.analyze(title) if not t.isdigit() and len(t) > 3]
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
    from aktenlotse.enrich.nlp import analyzer

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


@dataclass
class Download:
    file_name: str
    stream: BinaryIO
    size: int


def open_download(config: Config, backend: Backend, doc_id: str, principals: Sequence[str]) -> Download:
    """The file behind a hit, re-checking the user's permission on the file as it is now.

    The id comes from a hit, never a path from the user: a path in the request cannot
    reach anything the index does not hold. The index must show the document to the
    user, and the file's current permissions at the source must still let them read it:
    checked on the very handle the bytes are read from (`Source.open_verified`).
    """
    from aktenlotse.pipeline.app import sources_for

    container_id = doc_id.split(CHILD_SEPARATOR, 1)[0]  # an attachment downloads its mail/archive
    doc = backend.get(container_id, list(principals))
    if doc is None:
        raise DownloadDenied(MSG_NOT_FOUND)
    state = StateDB(config.state_db)
    try:
        item = state.item(container_id)
    finally:
        state.close()
    if item is None:
        raise DownloadDenied(MSG_FILE_GONE)
    try:
        sources = sources_for(config)
    except ConfigError:
        raise DownloadDenied(MSG_FILE_GONE) from None
    try:
        source = next((s for s in sources if s.name == item.source), None)
        if source is None:
            raise DownloadDenied(MSG_FILE_GONE)
        try:
            opened = source.open_verified(item.path)
        except OSError:
            raise DownloadDenied(MSG_FILE_UNREADABLE) from None
        if opened is None:
            raise DownloadDenied(MSG_FILE_GONE)
        current, stream = opened
        with stream:
            # The check is on what was opened; the bytes come from that same handle, read
            # while the source's connection is open (SMB sessions close below).
            if not visibility.may_read(principals, visibility.of_item(current)):
                raise DownloadDenied(MSG_ACCESS_CHANGED)
            try:
                data = stream.read()
            except OSError:
                raise DownloadDenied(MSG_FILE_UNREADABLE) from None
    finally:
        for each in sources:
            close = getattr(each, "close", None)
            if close is not None:
                close()
    return Download(file_name=os.path.basename(doc.path) or "download", stream=io.BytesIO(data), size=len(data))


__all__ = [
    "BackendError",
    "Download",
    "DownloadDenied",
    "check_portal_config",
    "open_download",
    "run_search",
    "similar_documents",
]
