"""A search server (Elasticsearch, OpenSearch: each test once per engine) going away during
a crawl: the crawl stops with a clear message, the state database claims nothing that is
not in the index, and the next crawl repairs everything. And credentials and TLS through
a proxy in front of each engine."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.core.records import Document
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.backend import BackendError, Query
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import CrawlEnv
from tests.plugins.search_server import server_config
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.tika_server


@pytest.fixture(scope="module")
def tls_proxy(engine, request):
    return request.getfixturevalue("tls_proxy" if engine == "elasticsearch" else "opensearch_tls_proxy")


@pytest.fixture
def forwarder(server_url):
    """The server behind a proxy that can be switched off and on, like a cluster that
    becomes unreachable (connections are refused while it is off)."""
    proxy = TcpProxy(int(server_url.rsplit(":", 1)[1]))
    yield proxy
    proxy.stop()


def _crawl(env: CrawlEnv, backend) -> object:
    state = StateDB(env.data / "state.sqlite")
    try:
        crawler = Crawler(state, backend, env.extractor, workers=2, batch_size=10, analyze=text_analyzer())
        return crawler.run([LocalSource(env.source_config)])
    finally:
        state.close()


def test_crawl_against_unreachable_server_claims_nothing_and_next_crawl_repairs(
    tmp_path, tika_server, forwarder, engine, server_url
):
    env = CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))
    for i in range(30):
        env.write(
            f"Akten/Teil {i // 10}/vermerk-{i:02}.txt", f"Vermerk {i} über die Sondernutzungserlaubnis Nummer {i}."
        )
    config = server_config(engine, forwarder.url, max_retries=2)
    backend = ElasticsearchBackend(config, backoff_s=0.05)
    direct = ElasticsearchBackend(replace(config, urls=(server_url,)))
    try:
        forwarder.stop()  # the server becomes unreachable before the first batch
        summary = _crawl(env, backend)
        assert summary.status == "failed"
        assert any("nicht erreichbar" in m and "Verbindung abgelehnt" in m for m in summary.messages), summary.messages
        assert env.state_rows().get("indexed", 0) == 0
        assert direct.ids() == set()

        forwarder.start()
        summary = _crawl(env, backend)
        assert summary.status == "done", summary.messages
        assert env.state_rows() == {"indexed": 30}
        assert len(direct.ids()) == 30
        assert len(direct.search(Query("Sondernutzungserlaubnis", limit=100), ["everyone"]).hits) == 30
    finally:
        direct.client.indices.delete(index=f"{config.index}-v*")
        backend.close()
        direct.close()


def test_server_lost_mid_crawl_leaves_only_indexed_batches_marked(tmp_path, tika_server, forwarder, engine, server_url):
    env = CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))
    for i in range(60):
        env.write(f"Akten/vermerk-{i:02}.txt", f"Vermerk {i} über Straßenreinigung.")
    config = server_config(engine, forwarder.url, max_retries=1)
    backend = ElasticsearchBackend(config, backoff_s=0.05)
    direct = ElasticsearchBackend(replace(config, urls=(server_url,)))
    original = backend.upsert
    calls = {"n": 0}

    def upsert_then_fail(docs):
        calls["n"] += 1
        if calls["n"] == 3:
            forwarder.stop()  # the cluster goes away after two batches
        return original(docs)

    backend.upsert = upsert_then_fail  # type: ignore[method-assign]
    try:
        summary = _crawl(env, backend)
        assert summary.status == "failed"
        state = StateDB(env.data / "state.sqlite")
        try:
            indexed = state.ids_with_status("indexed")
        finally:
            state.close()
        assert indexed and indexed <= direct.ids()  # never more claimed than the index holds
        forwarder.start()
        backend.upsert = original  # type: ignore[method-assign]
        assert _crawl(env, backend).status == "done"
        assert env.state_rows() == {"indexed": 60}
        assert len(direct.ids()) == 60
    finally:
        direct.client.indices.delete(index=f"{config.index}-v*")
        backend.close()
        direct.close()


def test_upsert_retries_with_backoff_then_gives_up_with_cause(forwarder, engine):
    config = server_config(engine, forwarder.url, max_retries=2)
    backend = ElasticsearchBackend(config, backoff_s=0.05)
    try:
        forwarder.stop()
        with pytest.raises(BackendError) as caught:
            backend.upsert([Document(id="x", source="s", path="a.txt", text="Text")])
        assert "Aufgegeben nach 3 Versuchen" in str(caught.value)
        with pytest.raises(BackendError):
            backend.search(Query("Text"), ["everyone"])
        forwarder.start()
        backend.upsert([Document(id="x", source="s", path="a.txt", text="Text")])
        assert backend.ids() == {"x"}
    finally:
        backend.client.indices.delete(index=f"{config.index}-v*")
        backend.close()


# -- credentials and TLS (nginx with TLS + basic auth in front of the test cluster) -------


def _tls_config(proxy, engine, **kwargs) -> ElasticsearchConfig:
    values = dict(username=proxy.username, password=proxy.password, ca_cert=proxy.ca_cert, max_retries=0)
    values.update(kwargs)
    urls = values.pop("urls", (proxy.url,))
    return replace(server_config(engine, urls[0], **values), urls=urls)


def test_tls_and_basic_auth_work(tls_proxy, engine):
    backend = ElasticsearchBackend(_tls_config(tls_proxy, engine))
    try:
        backend.upsert(
            [Document(id="x", source="s", path="a.txt", text="Verschlüsselt übertragen.", allow=("everyone",))]
        )
        assert [h.id for h in backend.search(Query("übertragen"), ["everyone"]).hits] == ["x"]
    finally:
        backend.client.indices.delete(index=f"{backend.alias}-v*")
        backend.close()


def test_wrong_password_is_a_clear_message(tls_proxy, engine):
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(_tls_config(tls_proxy, engine, password="falsch"))
    message = str(caught.value)
    password_env = {"elasticsearch": "AKTENLOTSE_ES_PASSWORD", "opensearch": "AKTENLOTSE_OPENSEARCH_PASSWORD"}[engine]
    assert "Anmeldung" in message and "401" in message and password_env in message
    assert f"index.{engine}.username" in message


def test_wrong_ca_is_a_clear_tls_message(tls_proxy, engine):
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(_tls_config(tls_proxy, engine, ca_cert=tls_proxy.other_ca_cert))
    message = str(caught.value)
    assert "TLS-Zertifikat nicht vertrauenswürdig" in message and f"index.{engine}.ca_cert" in message


def test_plain_http_to_tls_port_is_a_clear_message(tls_proxy, engine):
    plain = (tls_proxy.url.replace("https", "http"),)
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(_tls_config(tls_proxy, engine, urls=plain))
    assert "ca_cert" in str(caught.value) and "https://" in str(caught.value)
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(_tls_config(tls_proxy, engine, urls=plain, ca_cert=None))
    assert tls_proxy.url.replace("https", "http") in str(caught.value)
