"""The OCR pass on an SMB source with `ocr = true`: the scan is read from the real Samba
share through the configured SmbSource, OCR'd by Tika and found by a German word.

Runs the pass as `aktenlotse enrich` does (`app.run_second_pass`): no sources handed in,
the pass opens the configured ones itself."""

from __future__ import annotations

import pytest

from aktenlotse.core.config import Config, EnrichConfig, ExtractorConfig
from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.pipeline import app
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.backend import Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import ShareAdmin, crawler_source_config
from tests.test_ocr import LINES, write_scanned_pdf

pytestmark = [pytest.mark.samba, pytest.mark.tika_server]
FOLDER = "Scans"


@pytest.fixture(scope="module")
def scans(samba_dc, tmp_path_factory):
    admin = ShareAdmin(samba_dc)
    admin.mkdir_readable(FOLDER)
    pdf = write_scanned_pdf(tmp_path_factory.mktemp("scan") / "scan.pdf", LINES)
    admin.write(f"{FOLDER}/scan-bescheid.pdf", pdf.read_bytes())
    yield admin
    # The DC and its share serve the whole session: the leak matrix counts every file on it.
    admin.remove(f"{FOLDER}/scan-bescheid.pdf")
    admin.rmdir(FOLDER)
    admin.close()


@pytest.mark.parametrize("ocr", [True, False])
def test_ocr_pass_reads_scans_from_the_smb_source(samba_dc, scans, tika_server, tmp_path, ocr):
    source = crawler_source_config(samba_dc, name="scans", path=FOLDER, ocr=ocr)
    config = Config(
        data_dir=tmp_path / "data",
        sources=(source,),
        extractor=ExtractorConfig(kind="external", urls=(tika_server.url,), ocr_language="deu"),
        enrich=EnrichConfig(enabled=False),
    )
    config.data_dir.mkdir()
    state = StateDB(config.state_db)
    backend = EmbeddedBackend(config.index_db)
    smb = SmbSource(source)
    try:
        summary = Crawler(state, backend, TikaServerExtractor(managed=tika_server), analyze=app.text_analyzer()).run(
            [smb]
        )
        assert summary.new == 1
        assert backend.search(Query("Sondernutzungserlaubnis"), ["everyone", "authenticated"]).hits == []
    finally:
        smb.close()
        backend.close()
        state.close()

    results = app.run_second_pass(config)

    backend = EmbeddedBackend(config.index_db)
    try:
        hits = backend.search(Query("Sondernutzungserlaubnis"), ["everyone", "authenticated"]).hits
        if ocr:
            assert results["ocr"]["candidates"] == 1 and results["ocr"]["ocred"] == 1, results
            assert [h.path for h in hits] == ["scan-bescheid.pdf"]
        else:
            assert "ocr" not in results and hits == []
    finally:
        backend.close()
