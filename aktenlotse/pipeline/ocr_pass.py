"""The OCR pass: a lower-priority second pass that re-extracts scans with OCR.

It takes the candidates (`crawler.ocr.is_candidate`) of every source with `ocr = true`,
reads each file again through that source (local folders and SMB shares alike: the
sources come from `crawler.source_factory`, never a local stand-in), extracts it with
the Tika server's OCR (`crawler.ocr.ocr_extractor`), analyses the text and stores it as a
partial update of its own fields (`OcrPass.fields`: text, terms, language, pages and the
`ocr` mark; refused when the crawl re-indexed the document meanwhile). The pass never
writes a document whole: permissions stay what the crawl last wrote.

Resumable: a document is marked `extra["ocr"] = "done"` (or "failed: <kind>") in the
index, so a later pass skips it; a changed file is re-indexed by the crawl without that
mark and becomes a candidate again. Service problems (Tika or Elasticsearch unreachable)
stop the pass without marking anything.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from aktenlotse.core.config import Config
from aktenlotse.core.records import Document, ExtractionError, ExtractLimits
from aktenlotse.crawler.extractor import Extractor
from aktenlotse.crawler.ocr import is_candidate, ocr_extractor
from aktenlotse.crawler.source import Source
from aktenlotse.crawler.source_factory import close_source, open_source
from aktenlotse.enrich.nlp import analyzer
from aktenlotse.pipeline.passes import OwnFieldsIndex
from aktenlotse.search.backend import FieldUpdate, PassIndex
from aktenlotse.search.vector_store import content_key
from aktenlotse.stores.statedb import ITEM_COLUMNS, ItemRow, StateDB, row_to_item

BATCH = 20


@dataclass
class OcrStats:
    """What one OCR pass did."""

    candidates: int = 0
    ocred: int = 0  # re-indexed with OCR text
    unchanged: int = 0  # OCR found no (more) text
    skipped: int = 0  # file changed or gone since the crawl: the next crawl handles it
    errors: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data (for `aktenlotse enrich --json`)."""
        return dict(self.__dict__)


class OcrPass:
    """The OCR pass under the Pass contract (`aktenlotse.pipeline.passes`).

    `sources` maps source names to Source objects; None: the pass opens the configured
    sources with `ocr = true` itself (`open_source`: SMB or local) and closes them after
    each run. `analyze` turns text into the indexed token stream (default: the German
    analysis). `extractor` is the crawl's Tika extractor, started; OCR headers are added here."""

    name = "ocr"
    fields = frozenset({"text", "terms", "language", "pages", "extra.ocr"})

    def __init__(
        self,
        config: Config,
        state: StateDB,
        index: PassIndex,
        extractor: Extractor,
        sources: Mapping[str, Source] | None = None,
        analyze: Callable[[str], str] | None = None,
    ):
        self.config = config
        self.state = state
        self.index = OwnFieldsIndex(index, self.name, self.fields)
        self.extractor = extractor
        self.sources = sources
        self.analyze = analyze or analyzer().terms

    def run(self, limit: int | None = None, progress: Callable[[OcrStats], None] | None = None) -> OcrStats:
        """OCR the candidates of every source with `ocr = true` (at most `limit` files).
        Raises BackendError when the index cannot be written (nothing is marked then,
        the next pass redoes it)."""
        if self.sources is not None:
            return self._run(self.sources, limit, progress)
        opened = {s.name: open_source(s) for s in self.config.sources if s.ocr}
        try:
            return self._run(opened, limit, progress)
        finally:
            for source in opened.values():
                close_source(source)

    def _run(
        self, sources: Mapping[str, Source], limit: int | None, progress: Callable[[OcrStats], None] | None
    ) -> OcrStats:
        stats = OcrStats()
        ocr = ocr_extractor(self.config, self.extractor)
        limits = self.config.extractor.limits(timeout_s=self.config.extractor.ocr_timeout_s)
        for source_config in self.config.sources:
            if not source_config.ocr:
                continue
            source = sources.get(source_config.name)
            if source is None:
                # Never silently: a source with ocr = true whose files cannot be read.
                stats.errors += 1
                stats.messages.append(f"{source_config.name}: Quelle nicht geöffnet, keine OCR")
                continue
            items = list(_indexed_items(self.state, source_config.name))
            for start in range(0, len(items), BATCH):
                if limit is not None and stats.candidates >= limit:
                    return stats
                updated = self._batch(source, items[start : start + BATCH], ocr, limits, limit, stats)
                if updated:
                    self.index.update_fields(updated)
                if progress is not None:
                    progress(stats)
        return stats

    def _batch(
        self,
        source: Source,
        chunk: list[ItemRow],
        ocr: Extractor,
        limits: ExtractLimits,
        limit: int | None,
        stats: OcrStats,
    ) -> list[FieldUpdate]:
        docs = {d.id: d for d in self.index.fetch_untrimmed([item.id for item in chunk])}
        updated: list[FieldUpdate] = []
        for item in chunk:
            doc = docs.get(item.id)
            if doc is None or not is_candidate(doc):
                continue
            if limit is not None and stats.candidates >= limit:
                break
            stats.candidates += 1
            update = _ocr_one(source, item, doc, ocr, limits, self.analyze, stats)
            if update is not None:
                updated.append(update)
        return updated


def run_ocr_pass(
    config: Config,
    state: StateDB,
    backend: PassIndex,
    extractor: Extractor,
    limit: int | None = None,
    analyze: Callable[[str], str] | None = None,
    sources: Mapping[str, Source] | None = None,
) -> OcrStats:
    """One run of `OcrPass(config, state, backend, extractor, sources, analyze)`."""
    return OcrPass(config, state, backend, extractor, sources, analyze).run(limit)


def _indexed_items(state: StateDB, source: str) -> Iterator[ItemRow]:
    cursor = state.conn.execute(
        f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND status = 'indexed' ORDER BY id", (source,)
    )
    for row in cursor:
        yield row_to_item(row)


def _ocr_one(
    source: Source,
    item: ItemRow,
    doc: Document,
    ocr: Extractor,
    limits: ExtractLimits,
    analyze: Callable[[str], str],
    stats: OcrStats,
) -> FieldUpdate | None:
    entry = source.current_entry(item.path)
    if entry is None:
        stats.skipped += 1
        return None
    try:
        with source.open(entry) as stream:
            data = stream.read()
    except OSError:
        stats.skipped += 1
        return None
    if doc.content_hash and hashlib.blake2b(data, digest_size=16).hexdigest() != doc.content_hash:
        stats.skipped += 1  # changed since the crawl; the next crawl re-indexes it
        return None
    key = content_key(doc.content_hash, doc.title, doc.text)
    try:
        extracted = ocr.extract(io.BytesIO(data), os.path.basename(doc.path), limits)
    except ExtractionError as exc:
        if exc.kind == "server":
            raise  # the service, not the file: stop, mark nothing
        stats.errors += 1
        stats.messages.append(f"{doc.path}: {exc.message}")
        return FieldUpdate(doc.id, {"extra": {"ocr": f"failed: {exc.kind}"}}, key)
    text = extracted.text.strip()
    if len(text) <= len(doc.text.strip()):
        stats.unchanged += 1
        return FieldUpdate(doc.id, {"extra": {"ocr": "done"}}, key)
    stats.ocred += 1
    return FieldUpdate(
        doc.id,
        {
            "text": text,
            "terms": analyze(text),
            "language": extracted.language or doc.language,
            "pages": extracted.pages or doc.pages,
            "extra": {"ocr": "done"},
        },
        key,
    )
