"""The Extractor seam: bytes of one file in, text + metadata + embedded children out.

Implementations: `TikaServerExtractor` (managed or external Apache Tika servers, the
default) and `InProcessExtractor` (`iscc-tika`, for machines without Java). All of them
pass the same extraction conformance suite (tests/test_extraction_conformance.py).
"""

from __future__ import annotations

from typing import BinaryIO, Protocol

from aktenlotse.core.records import Extracted, ExtractLimits


class Extractor(Protocol):
    """Thread-safe: the crawl orchestrator calls `extract` from several worker threads."""

    def start(self) -> None:
        """Make the extractor ready (e.g. start and wait for a managed Tika server)."""

    def extract(self, stream: BinaryIO, name: str, limits: ExtractLimits) -> Extracted:
        """Extract one file. Raises `ExtractionError` (never anything else) on a bad file
        or a failed server; the caller turns that into an error record and goes on."""

    def close(self) -> None:
        """Stop whatever `start` started."""

    def version(self) -> str:
        """What reads the files, e.g. "Apache Tika 3.2.2" (after `start`). When it changes,
        the next crawl retries the files that failed before: a new version may read them."""
