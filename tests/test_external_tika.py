"""External Tika servers (run by IT, not by Aktenlotse): a second server process from the
same jar with its default configuration, reached by URL. Same fields as the managed
server on the same files; dead URLs skipped; a server lost mid-crawl, a file Tika times
out on and a 200 MB file each give a clear message and lose nothing."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from aktenlotse.cli.check import run_checks
from aktenlotse.core.config import Config, ElasticsearchConfig, ExtractorConfig, IndexConfig
from aktenlotse.core.records import ExtractionError, ExtractLimits
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.stores.statedb import StateDB
from tests.certificates import free_port
from tests.crawl_env import CrawlEnv
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.tika_server

LIMITS = ExtractLimits(timeout_s=60)
FIELDS = ("text", "title", "author", "created", "modified", "language", "content_type", "pages", "truncated", "name")


def _extract(extractor, path: Path, limits: ExtractLimits = LIMITS):
    with path.open("rb") as f:
        return extractor.extract(f, path.name, limits)


def _fields(extracted) -> dict:
    return {
        **{name: getattr(extracted, name) for name in FIELDS},
        "children": [_fields(child) for child in extracted.children],
    }


def test_external_server_gives_the_same_fields_as_the_managed_one(external_tika, tika_server, sample_files):
    external = TikaServerExtractor(urls=[external_tika])
    managed = TikaServerExtractor(managed=tika_server)
    for key, path in sample_files.items():
        try:
            expected = _fields(_extract(managed, path))
        except ExtractionError as exc:
            with pytest.raises(ExtractionError) as caught:
                _extract(external, path)
            assert caught.value.kind == exc.kind, key
            continue
        assert _fields(_extract(external, path)) == expected, key


def test_dead_url_is_skipped_and_retried_later(external_tika, sample_files):
    dead = f"http://127.0.0.1:{free_port()}"
    extractor = TikaServerExtractor(urls=[dead, external_tika])
    for _ in range(4):
        assert "Bauantrag" in _extract(extractor, sample_files["docx"]).text
    assert dead in extractor._dead_until and external_tika not in extractor._dead_until


def test_all_servers_dead_is_a_server_error_naming_them(sample_files):
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ExtractionError) as caught:
        _extract(TikaServerExtractor(urls=[dead]), sample_files["docx"])
    assert caught.value.kind == "server" and dead in caught.value.message


def test_file_tika_times_out_on_is_a_timeout(external_tika, big_pdf, sample_files):
    extractor = TikaServerExtractor(urls=[external_tika])
    with pytest.raises(ExtractionError) as caught:
        _extract(extractor, big_pdf, ExtractLimits(timeout_s=1))
    assert caught.value.kind == "timeout" and "Zeitlimit" in caught.value.message
    assert "Bauantrag" in _extract(extractor, sample_files["docx"]).text  # the server goes on


def test_external_server_lost_mid_crawl_loses_nothing(tmp_path, external_tika):
    forwarder = TcpProxy(int(external_tika.rsplit(":", 1)[1]))
    env = CrawlEnv(tmp_path, TikaServerExtractor(urls=[forwarder.url]))
    for i in range(40):
        env.write(f"Akten/vermerk-{i:02}.txt", f"Vermerk {i} über die Gewerbeanmeldung.")
    done = {"n": 0}

    def progress(event: str, n: int) -> None:
        if event == "done":
            done["n"] += n
            if done["n"] == 10:
                forwarder.stop()  # the external server goes away mid-crawl

    summary = env.crawl(progress=progress, batch_size=5, workers=2)
    assert summary.errors > 0
    rows = env.state_rows()
    assert rows.get("pending", 0) > 0 and sum(rows.values()) == 40
    indexed_paths = {d.path for d in env.documents()}
    assert len(indexed_paths) == rows.get("indexed", 0)  # nothing claimed that is not indexed
    forwarder.start()
    summary = env.crawl()
    assert env.state_rows() == {"indexed": 40}
    assert len(env.search("Gewerbeanmeldung")) == 40
    forwarder.stop()


@pytest.mark.elasticsearch
def test_200_mb_file_is_an_error_record_and_nothing_is_lost(tmp_path, external_tika, elasticsearch_url):
    from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend

    env = CrawlEnv(tmp_path, TikaServerExtractor(urls=[external_tika]))
    env.write("klein.txt", "Ein kleines Dokument über Straßenlaternen.")
    with (env.root / "riesig.pdf").open("wb") as f:  # sparse: costs no disk
        f.truncate(200 * 1024 * 1024)
    config = ElasticsearchConfig(urls=(elasticsearch_url,), index=f"t-{uuid.uuid4().hex[:12]}")
    backend = ElasticsearchBackend(config)
    state = StateDB(env.data / "state.sqlite")
    try:
        summary = Crawler(state, backend, env.extractor, analyze=text_analyzer()).run([LocalSource(env.source_config)])
        errors = {e["path"]: e for e in state.current_errors()}
        assert errors["riesig.pdf"]["kind"] == "too_large" and "100 MB" in errors["riesig.pdf"]["message"]
        assert summary.status == "done"
        assert [
            h.path
            for h in backend.search(
                __import__("aktenlotse.search.backend", fromlist=["Query"]).Query("Straßenlaternen"), ["everyone"]
            ).hits
        ] == ["klein.txt"]
    finally:
        state.close()
        backend.client.indices.delete(index=f"{config.index}-v*")
        backend.close()


# -- aktenlotse check ---------------------------------------------------------------------


@pytest.mark.elasticsearch
def test_check_reports_each_service(tmp_path, external_tika, elasticsearch_url):
    dead = f"http://127.0.0.1:{free_port()}"
    config = Config(
        data_dir=tmp_path,
        extractor=ExtractorConfig(kind="external", urls=(external_tika, dead)),
        index=IndexConfig(
            backend="elasticsearch",
            elasticsearch=ElasticsearchConfig(urls=(elasticsearch_url,), index=f"t-{uuid.uuid4().hex[:12]}"),
        ),
    )
    checks = run_checks(config)
    lines = [c.line() for c in checks]
    assert checks[0].ok and checks[0].version.startswith("8.") and "Elasticsearch" in lines[0]
    assert checks[1].ok and "Apache Tika" in checks[1].version
    assert not checks[2].ok and "Verbindung abgelehnt" in lines[2] and "erreichbar: nein" in lines[2]
    bad = Config(
        data_dir=tmp_path,
        extractor=ExtractorConfig(kind="managed", java="kein-java-hier"),
        index=IndexConfig(
            backend="elasticsearch",
            elasticsearch=ElasticsearchConfig(urls=(f"http://127.0.0.1:{free_port()}",), max_retries=0),
        ),
    )
    checks = run_checks(bad)
    assert not checks[0].ok and "Verbindung abgelehnt" in checks[0].problem
    assert not checks[1].ok and "Java nicht gefunden" in checks[1].problem
    from elasticsearch import Elasticsearch

    Elasticsearch(elasticsearch_url).indices.delete(index=f"{config.index.elasticsearch.index}-v*")


def test_check_command_exit_code(tmp_path):
    import sys

    toml = tmp_path / "a.toml"
    toml.write_text(
        f'data_dir = "{tmp_path}/d"\n[extractor]\nkind = "external"\nurls = ["http://127.0.0.1:{free_port()}"]\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(toml), "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Tika-Server" in result.stdout and "erreichbar: nein" in result.stdout
    assert "Index (eingebettet)" in result.stdout and "erreichbar: ja" in result.stdout
