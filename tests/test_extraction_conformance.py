"""The Extractor conformance suite: the same corpus, the same assertions, for every
implementation (managed Tika server, in-process iscc-tika)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aktenlotse.core.records import Extracted, ExtractionError, ExtractLimits
from aktenlotse.crawler.extractor import Extractor
from tests.plugins.tika import (
    ATTACHMENT_TEXT,
    AUTHOR,
    MAIL_SUBJECT,
    SECOND_PAGE,
    TITLE,
    TXT_TEXT,
)

LIMITS = ExtractLimits(timeout_s=60)


@pytest.fixture(scope="session")
def inprocess_extractor():
    from aktenlotse.crawler.inprocess import InProcessExtractor

    ex = InProcessExtractor(workers=2)
    ex.start()
    yield ex
    ex.close()


@pytest.fixture(
    params=[
        pytest.param("tika_server", marks=pytest.mark.tika_server),
        pytest.param("inprocess"),
    ]
)
def extractor(request: pytest.FixtureRequest) -> Extractor:
    if request.param == "tika_server":
        from aktenlotse.crawler.tika_client import TikaServerExtractor

        # Not closed here: closing would stop the session's shared server.
        return TikaServerExtractor(managed=request.getfixturevalue("tika_server"))
    return request.getfixturevalue("inprocess_extractor")


def extract(extractor: Extractor, path: Path, limits: ExtractLimits = LIMITS) -> Extracted:
    with path.open("rb") as f:
        return extractor.extract(f, path.name, limits)


GERMAN_WORDS = ["Bauantrag", "Müllerstraße", "Gebührenordnung", "Anträge", "geprüft"]


@pytest.mark.parametrize(
    "key, content_type",
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("pdf", "application/pdf"),
        ("odt", "application/vnd.oasis.opendocument.text"),
    ],
)
def test_office_documents(extractor, sample_files, key, content_type):
    got = extract(extractor, sample_files[key])
    for word in GERMAN_WORDS:
        assert word in got.text, (word, got.text)
    assert got.title == TITLE
    assert got.author == AUTHOR
    assert got.content_type == content_type
    assert got.language == "de"
    assert got.created and got.created[:4].isdigit()
    assert not got.truncated
    assert got.children == []


def test_pdf_has_two_pages(extractor, sample_files):
    got = extract(extractor, sample_files["pdf"])
    assert got.pages == 2
    assert SECOND_PAGE[0] in " ".join(got.text.split())


def test_docx_dates_are_iso(extractor, sample_files):
    got = extract(extractor, sample_files["docx"])
    assert got.created == "2024-03-01T09:30:00+00:00"
    assert got.modified == "2024-03-01T09:30:00+00:00"


def test_xlsx(extractor, sample_files):
    got = extract(extractor, sample_files["xlsx"])
    assert "Straßenbau Müllerstraße" in got.text
    assert "1200.5" in got.text
    assert got.title == "Haushaltsplan Straßenbau"
    assert got.author == AUTHOR
    assert got.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_html(extractor, sample_files):
    got = extract(extractor, sample_files["html"])
    assert got.title == TITLE
    assert got.content_type == "text/html"
    assert got.language == "de"
    for word in GERMAN_WORDS:
        assert word in got.text


@pytest.mark.parametrize("key", ["txt_utf8", "txt_cp1252"])
def test_plain_text_encodings(extractor, sample_files, key):
    got = extract(extractor, sample_files[key])
    assert TXT_TEXT in got.text  # umlauts and ß decoded right in both encodings
    assert got.content_type == "text/plain"


def test_mail_attachment_is_a_child(extractor, sample_files):
    got = extract(extractor, sample_files["eml"])
    assert got.content_type == "message/rfc822"
    assert got.title == MAIL_SUBJECT
    assert "buerger@zeitz.test" in (got.author or "")
    assert "Unterlagen für die Prüfung" in got.text
    assert len(got.children) == 1
    child = got.children[0]
    assert child.name == "lageplan.docx"
    assert child.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert ATTACHMENT_TEXT in child.text
    assert child.title == "Lageplan"


def test_encrypted_pdf(extractor, sample_files):
    with pytest.raises(ExtractionError) as err:
        extract(extractor, sample_files["encrypted_pdf"])
    assert err.value.kind == "encrypted"


def test_corrupt_docx(extractor, sample_files):
    with pytest.raises(ExtractionError) as err:
        extract(extractor, sample_files["corrupt_docx"])
    assert err.value.kind == "corrupt"


def test_zero_byte_file_is_empty(extractor, sample_files):
    got = extract(extractor, sample_files["empty"])
    assert got == Extracted()


def test_text_is_capped(extractor, sample_files):
    got = extract(extractor, sample_files["docx"], ExtractLimits(timeout_s=60, max_text_chars=40))
    assert len(got.text) <= 40
    assert got.truncated


def test_make_extractor_rejects_unknown_kind():
    from aktenlotse.crawler.extractors import make_extractor

    with pytest.raises(ValueError, match=r"extractor\.kind"):
        make_extractor("tesseract", jar=None, java="java", urls=[], heap_mb=512, task_timeout_s=60, log_dir=None)


def test_inprocess_timeout_kills_worker_and_goes_on(inprocess_extractor, sample_files, big_pdf):
    with pytest.raises(ExtractionError) as err:
        extract(inprocess_extractor, big_pdf, ExtractLimits(timeout_s=0.3))
    assert err.value.kind == "timeout"
    for _ in range(3):  # every worker answers again, including the replaced one
        assert "Bauantrag" in extract(inprocess_extractor, sample_files["docx"]).text
