"""A small crawl setup on real files, the real Tika server and the embedded index."""

from __future__ import annotations

import os
from pathlib import Path

from aktenlotse.core.config import SourceConfig
from aktenlotse.core.records import Document
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler, CrawlSummary
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB

_ANALYZE = None


def search_as(backend, text: str, principals, mode: str = "fulltext", limit: int = 100):
    """(hits, titles) of a portal search as the user, the query embedded as the portal does;
    a semantic or hybrid search that silently fell back to full text fails the test."""
    from aktenlotse.core.config import Config
    from aktenlotse.pipeline.app import with_query_vector
    from aktenlotse.services.documents import run_search

    query = Query(text=text, mode=mode, limit=limit, facets=True)
    hits = run_search(backend, with_query_vector(Config(data_dir=Path("/nonexistent")), query), principals)
    assert not hits.notices, hits.notices  # no silent fallback: the vector index answered
    return hits, {h.title for h in hits.hits}


def analyzer():
    global _ANALYZE
    if _ANALYZE is None:
        _ANALYZE = text_analyzer()
    return _ANALYZE


class CrawlEnv:
    def __init__(self, base: Path, extractor, principal_map: dict[str, str] | None = None):
        os.chmod(base, 0o755)
        self.root = base / "share"
        self.root.mkdir(exist_ok=True)
        os.chmod(self.root, 0o755)
        self.data = base / "data"
        self.extractor = extractor
        self.principal_map = principal_map or {}
        self.enrich = None  # e.g. Enricher(...).enrich

    @property
    def source_config(self) -> SourceConfig:
        return SourceConfig(
            name="daten", root=self.root, display_root="\\\\rathaus\\daten", principal_map=self.principal_map
        )

    def crawl(self, progress=None, batch_size: int = 25, workers: int = 4, **options) -> CrawlSummary:
        state = StateDB(self.data / "state.sqlite")
        backend = EmbeddedBackend(self.data / "index.sqlite")
        try:
            crawler = Crawler(
                state,
                backend,
                self.extractor,
                workers=workers,
                batch_size=batch_size,
                analyze=analyzer(),
                enrich=self.enrich,
                progress=progress,
                **options,
            )
            return crawler.run([LocalSource(self.source_config)])
        finally:
            backend.close()
            state.close()

    def search(self, text: str, principals=("everyone",), **kw) -> list[str]:
        backend = EmbeddedBackend(self.data / "index.sqlite")
        try:
            return [h.path for h in backend.search(Query(text=text, limit=100, **kw), list(principals)).hits]
        finally:
            backend.close()

    def documents(self) -> list[Document]:
        backend = EmbeddedBackend(self.data / "index.sqlite")
        try:
            return backend.fetch_untrimmed(sorted(backend.ids()))
        finally:
            backend.close()

    def snapshot(self) -> list[tuple]:
        """What the index holds, independent of ids: path, content, principals."""
        return sorted((d.path, d.kind, d.content_hash or "", d.text, d.allow, d.deny) for d in self.documents())

    def state_rows(self) -> dict[str, int]:
        state = StateDB(self.data / "state.sqlite")
        try:
            return state.count_items()
        finally:
            state.close()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path
