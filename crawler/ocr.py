"""OCR of scans, the extraction side: which documents are candidates, and the OCR extractor.

The crawl's first pass asks Tika not to OCR (fast: text documents are searchable at
once; a scanned PDF or a photo is indexed by its name and metadata). The OCR pass
(`aktenlotse.pipeline.ocr_pass`) then takes the candidates of sources with `ocr = true`:
PDFs with no or very little text per page and images, whose index entry does not say
`extra["ocr"]` yet, and extracts them again with Tesseract in `extractor.ocr_language`
(German: `deu`, Debian package `tesseract-ocr-deu`, found by Tika on PATH, on managed and
external servers alike).
"""

from __future__ import annotations

from aktenlotse.core.config import Config
from aktenlotse.core.records import Document
from aktenlotse.crawler.extractor import Extractor

IMAGE_TYPES = frozenset({"png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "webp", "jp2"})
# Fewer letters than this per page: the PDF is (mostly) a scan.
MIN_CHARS_PER_PAGE = 100


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


def ocr_extractor(config: Config, extractor: Extractor) -> Extractor:
    """An OCR-enabled extractor on the same Tika server(s) as `extractor` (a
    TikaServerExtractor); other extractors are used as they are."""
    with_ocr = getattr(extractor, "with_ocr", None)
    if with_ocr is None:
        return extractor
    return with_ocr(config.extractor.ocr_language, config.extractor.ocr_timeout_s)
