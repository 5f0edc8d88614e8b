"""The OCR pass: a lower-priority second pass that re-extracts scans with OCR.

The crawl's first pass asks Tika not to OCR (fast: text documents are searchable at
once; a scanned PDF or a photo is indexed by its name and metadata). This pass then
takes the candidates of sources with `ocr = true`: PDFs with no or very little text per
page and images, whose index entry does not say `extra["ocr"]` yet. Each is read again,
extracted by the Tika server with Tesseract in `extractor.ocr_language` (German: `deu`,
Debian package `tesseract-ocr-deu`, found by Tika on PATH, on managed and external
servers alike), analysed and stored as a partial update (`update_fields`: text, terms, language, pages
and the `ocr` mark, refused when the crawl re-indexed the document meanwhile). The pass
never writes a document whole: permissions stay what the crawl last wrote. Files are read
through the configured sources (`app.sources_for`), so SMB sources are OCR'd as well.

Resumable: a document is marked `extra["ocr"] = "done"` (or "failed: <kind>") in the
index, so a later pass skips it; a changed file is re-indexed by the crawl without that
mark and becomes a candidate again. Service problems (Tika or Elasticsearch unreachable)
stop the pass without marking anything.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from aktenlotse.core.config import Config
from aktenlotse.core.records import Document, ExtractionError, ExtractLimits
from aktenlotse.crawler.source import close_all
from aktenlotse.search.backend import FieldUpdate, PassIndex
from aktenlotse.search.vector_store import content_key
from aktenlotse.stores.statedb import ITEM_COLUMNS, StateDB, row_to_item

log = logging.getLogger(__name__)

IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "webp", "jp2"})
# Fewer letters than this per page: the PDF is (mostly) a scan.
MIN_CHARS_PER_PAGE = 100
BATCH = 20


@dataclass
class OcrStats:
    candidates: int = 0
    ocred: int = 0  # re-indexed with OCR text
    unchanged: int = 0  # OCR found no (more) text
    skipped: int = 0  # file changed or gone since the crawl: the next crawl handles it
    errors: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def is_candidate(doc: Document) -> bool:
    """A scanned-looking PDF or an image that was not OCR'd yet."""
    if doc.extra.get("ocr") or doc.kind != "file":
        return False
    if doc.file_type in IMAGE_TYPES or (doc.content_type or "").startswith("image/"):
        return True
    if doc.file_type == "pdf" or doc.content_type == "application/pdf":
        letters = sum(1 for c in doc.text if c.isalpha())
        return letters < MIN_CHARS_PER_PAGE * max(1, doc.pages or 1)
    return False


def ocr_extractor(config: Config, extractor):
    """An OCR-enabled extractor on the same Tika server(s) as `extractor` (a
    TikaServerExtractor); other extractors are used as they are."""
    with_ocr = getattr(extractor, "with_ocr", None)
    if with_ocr is None:
        return extractor
    return with_ocr(config.extractor.ocr_language, config.extractor.ocr_timeout_s)


def _indexed_items(state: StateDB, source: str) -> Iterator:
    cursor = state.conn.execute(
        f"SELECT {ITEM_COLUMNS} FROM items WHERE source = ? AND status = 'indexed' ORDER BY id", (source,)
    )
    for row in cursor:
        yield row_to_item(row)


def run_ocr_pass(
    config: Config,
    state: StateDB,
    backend: PassIndex,
    extractor,
    limit: int | None = None,
    analyze: Callable[[str], str] | None = None,
    sources: Mapping[str, object] | None = None,
) -> OcrStats:
    """OCR the candidates of every source with `ocr = true` (at most `limit` files).

    `extractor` is the crawl's Tika extractor (started); OCR headers are added here.
    `analyze` turns text into the indexed token stream (default: the German analysis).
    `sources` maps source names to Source objects; default: the configured sources
    (`app.sources_for`, local and SMB), closed again at the end.
    Returns counts; raises BackendError when the index cannot be written (nothing is
    marked then, the next pass redoes it)."""
    # app imports the crawler; imported here to keep the dependency one-way at import time.
    from aktenlotse.pipeline import app

    if analyze is None:
        analyze = app.text_analyzer()
    if sources is None and any(s.ocr for s in config.sources):
        opened = app.sources_for(config)
        try:
            return run_ocr_pass(config, state, backend, extractor, limit, analyze, {s.name: s for s in opened})
        finally:
            close_all(opened)
    stats = OcrStats()
    ocr = ocr_extractor(config, extractor)
    limits = config.extractor.limits(timeout_s=config.extractor.ocr_timeout_s)
    for source_config in config.sources:
        if not source_config.ocr:
            continue
        source = (sources or {}).get(source_config.name)
        if source is None:
            continue
        items = list(_indexed_items(state, source_config.name))
        for start in range(0, len(items), BATCH):
            if limit is not None and stats.candidates >= limit:
                return stats
            chunk = items[start : start + BATCH]
            docs = {d.id: d for d in backend.fetch([item.id for item in chunk])}
            updated: list[FieldUpdate] = []
            for item in chunk:
                doc = docs.get(item.id)
                if doc is None or not is_candidate(doc):
                    continue
                if limit is not None and stats.candidates >= limit:
                    break
                stats.candidates += 1
                new_doc = _ocr_one(source, item, doc, ocr, limits, analyze, stats)
                if new_doc is not None:
                    updated.append(new_doc)
            if updated:
                backend.update_fields(updated)
    return stats


def _ocr_one(source, item, doc: Document, ocr, limits: ExtractLimits, analyze, stats: OcrStats) -> FieldUpdate | None:
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
