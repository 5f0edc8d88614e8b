"""OCR of scans: a PDF without a text layer is first indexed by name only; the OCR pass
(Tika + Tesseract `deu`) makes it findable by a German word. Managed and external servers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aktenlotse.core.config import Config, ExtractorConfig, SourceConfig
from aktenlotse.core.records import ExtractLimits
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.ocr import is_candidate
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.pipeline.ocr_pass import run_ocr_pass
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB

pytestmark = pytest.mark.tika_server

LINES = [
    "Stadtverwaltung Zeitz, Ordnungsamt",
    "Bescheid zur Sondernutzungserlaubnis",
    "für den Wochenmarkt am Altmarkt.",
]


def render_scan(lines: list[str]):
    """German text rendered to a grey-scale image, like a page from a scanner."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1700, 400), 255)
    draw = ImageDraw.Draw(image)
    font_path = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(font_path), 44) if font_path.exists() else ImageFont.load_default(size=44)
    for i, line in enumerate(lines):
        draw.text((80, 60 + 90 * i), line, fill=0, font=font)
    return image


def write_scanned_pdf(path: Path, lines: list[str]) -> Path:
    """A PDF whose only content is an image: no text layer at all."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = render_scan(lines)
    pdf = canvas.Canvas(str(path), pagesize=(595, 140))
    pdf.drawImage(ImageReader(image), 0, 0, width=595, height=140)
    pdf.showPage()
    pdf.save()
    return path


@pytest.fixture(scope="module", autouse=True)
def _tesseract():
    if shutil.which("tesseract") is None:
        pytest.fail("tesseract is missing (Debian: tesseract-ocr tesseract-ocr-deu; scripts/setup.sh installs them)")


def _run(tmp_path: Path, extractor) -> tuple[list[str], list[str], dict]:
    root = tmp_path / "share"
    root.mkdir()
    write_scanned_pdf(root / "scan-bescheid.pdf", LINES)
    render_scan(LINES).save(root / "foto-bescheid.png")
    (root / "text.txt").write_text("Ein Textdokument über den Wochenmarkt.", encoding="utf-8")
    (tmp_path / "data").mkdir()
    source = SourceConfig(name="daten", root=root, ocr=True)
    config = Config(data_dir=tmp_path / "data", sources=(source,), extractor=ExtractorConfig(ocr_language="deu"))
    state = StateDB(tmp_path / "data" / "state.sqlite")
    backend = EmbeddedBackend(tmp_path / "data" / "index.sqlite")
    try:
        Crawler(state, backend, extractor, analyze=text_analyzer()).run([LocalSource(source)])
        before = [h.path for h in backend.search(Query("Sondernutzungserlaubnis"), ["everyone"]).hits]
        assert {d.path for d in backend.fetch_untrimmed(sorted(backend.ids())) if is_candidate(d)} == {
            "scan-bescheid.pdf",
            "foto-bescheid.png",
        }
        stats = run_ocr_pass(config, state, backend, extractor)
        after = sorted(h.path for h in backend.search(Query("Sondernutzungserlaubnis"), ["everyone"]).hits)
        again = run_ocr_pass(config, state, backend, extractor)  # resumable: nothing left to do
        assert again.candidates == 0
        doc = next(d for d in backend.fetch_untrimmed(sorted(backend.ids())) if d.path == "scan-bescheid.pdf")
        assert doc.allow == ("everyone",) or doc.allow  # principals kept
        return before, after, stats.as_dict()
    finally:
        backend.close()
        state.close()


def test_ocr_pass_on_managed_server(tmp_path, tika_server):
    before, after, stats = _run(tmp_path, TikaServerExtractor(managed=tika_server))
    assert before == []  # first pass: no OCR, the scan is found by its name only
    assert after == ["foto-bescheid.png", "scan-bescheid.pdf"]
    assert stats["ocred"] == 2 and stats["errors"] == 0


def test_ocr_pass_on_external_server(tmp_path, external_tika):
    before, after, stats = _run(tmp_path, TikaServerExtractor(urls=[external_tika]))
    assert before == []
    assert after == ["foto-bescheid.png", "scan-bescheid.pdf"]


def test_ocr_off_for_source_does_nothing(tmp_path, tika_server):
    root = tmp_path / "share"
    root.mkdir()
    write_scanned_pdf(root / "scan.pdf", LINES)
    source = SourceConfig(name="daten", root=root, ocr=False)
    config = Config(data_dir=tmp_path, sources=(source,))
    state = StateDB(tmp_path / "state.sqlite")
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        extractor = TikaServerExtractor(managed=tika_server)
        Crawler(state, backend, extractor, analyze=text_analyzer()).run([LocalSource(source)])
        assert run_ocr_pass(config, state, backend, extractor).candidates == 0
    finally:
        backend.close()
        state.close()


def test_ocr_header_finds_german_word_in_image(tika_server, tmp_path):
    path = tmp_path / "seite.png"
    render_scan(["Die Gebührenordnung für Straßenreinigung"]).save(path)
    ocr = TikaServerExtractor(managed=tika_server).with_ocr("deu")
    with path.open("rb") as f:
        text = ocr.extract(f, path.name, ExtractLimits(timeout_s=120)).text
    assert "Gebührenordnung" in text and "Straßenreinigung" in text
