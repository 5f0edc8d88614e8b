"""The in-process extractor's memory bound: a file whose extraction grows the worker past
`memory_mb` is stopped with a German error of its own, and the next file is extracted by
a fresh worker; the same file under a bound it fits in is extracted (so the bound, not the
file, made the difference)."""

from __future__ import annotations

import io

import pytest

from aktenlotse.core.records import ExtractionError, ExtractLimits
from aktenlotse.crawler.extractors import make_extractor
from aktenlotse.crawler.inprocess import InProcessExtractor

LIMITS = ExtractLimits(timeout_s=120)
# About 120 MB of text: the worker holds the received bytes and the parser's copy of them,
# far above a 300 MB bound once the ~90 MB of the idle native parser are added.
BIG_TEXT = ("Bauantrag Garage Lindenstraße " * 4_000_000).encode()


def _extract(extractor: InProcessExtractor, data: bytes, name: str):
    return extractor.extract(io.BytesIO(data), name, LIMITS)


def test_a_file_beyond_the_bound_is_stopped_and_the_next_one_is_read():
    extractor = InProcessExtractor(workers=1, memory_mb=300)
    extractor.start()
    try:
        with pytest.raises(ExtractionError) as stopped:
            _extract(extractor, BIG_TEXT, "riesig.txt")
        assert stopped.value.kind == "too_large"
        assert "mehr als 300 MB Arbeitsspeicher" in stopped.value.message
        assert "Hallo Welt" in _extract(extractor, b"Hallo Welt", "klein.txt").text
    finally:
        extractor.close()


def test_the_same_file_within_a_larger_bound_is_extracted():
    extractor = InProcessExtractor(workers=1, memory_mb=4096)
    extractor.start()
    try:
        assert "Lindenstraße" in _extract(extractor, BIG_TEXT, "riesig.txt").text
    finally:
        extractor.close()


def test_the_configured_heap_is_the_inprocess_bound():
    extractor = make_extractor(
        "inprocess", jar=None, java="java", urls=[], heap_mb=512, task_timeout_s=60, log_dir=None
    )
    assert isinstance(extractor, InProcessExtractor) and extractor.memory_mb == 512
