"""The conformance suite on the real search servers (Elasticsearch and OpenSearch, each
module test once per engine), the same queries against the embedded backend, and what
only the search-server backend has (alias/versioned index, migration, vectors, engine
checks)."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace

import pytest

from aktenlotse.core.records import Document
from aktenlotse.search.backend import BackendError, ChunkVectors, FieldUpdate, Query
from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.es_client import make_client
from aktenlotse.search.vector_store import content_key
from bench.corpus_text import DEPARTMENTS, TITLES, fill, paragraphs
from tests.backend_conformance import BackendConformance
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, EVERYONE, MUELLER, ids_of
from tests.plugins.search_server import server_config


@pytest.fixture
def make_es(engine, server_url):
    made: list[ElasticsearchBackend] = []

    def make(index: str | None = None, **kwargs) -> ElasticsearchBackend:
        backend = ElasticsearchBackend(server_config(engine, server_url, index, **kwargs))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        try:
            backend.client.indices.delete(index=f"{backend.alias}-v*", ignore_unavailable=True)
            backend.client.indices.delete(index=backend.permissions.index, ignore_unavailable=True)
        except Exception:  # noqa: BLE001 - cleanup only
            pass
        backend.close()


class TestSearchServerConformance(BackendConformance):
    @pytest.fixture
    def backend(self, make_es):
        return make_es()


# -- the same corpus and queries on both backends ---------------------------------------


def _synthetic_corpus(n: int, seed: int = 7):
    """German documents shaped like the benchmark corpus, with mixed principals."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        dep = rng.choice(DEPARTMENTS)
        year = rng.randint(2019, 2025)
        folder = rng.choice(dep.open_folders or ("Allgemein",))
        title = fill(rng.choice(TITLES), rng, dep, year)
        text = "\n".join(paragraphs(rng, dep, year))
        file_type = rng.choice(["pdf", "docx", "txt"])
        docs.append(
            Document(
                id=f"s{i:04d}",
                source="share",
                path=f"{dep.name}/{folder}/d{i}.{file_type}",
                title=title,
                text=text,
                modified=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:{i // 60 % 60:02d}:{i % 60:02d}",
                file_type=file_type,
                size=len(text),
                allow=("everyone",) if rng.random() > 0.2 else ("group:bauamt",),
                deny=("user:mueller",) if rng.random() < 0.1 else (),
            )
        )
    return docs


COMPARED_QUERIES = (
    "Bauantrag",
    "Anträge",
    "Baugenehmigung",
    "§ 34 BauGB",
    "Hundesteuer",
    "Haushaltsplan",
    "Sitzungsvorlage",
    "Niederschrift Stadtrat",
    "Brandschutz",
    "Widerspruch gegen den Bescheid",
    "Kämmerei",
    "Antrag",
    "Sonnenhang",
    "Bauantrag Lindenweg",
    "Parkausw*",
    '"Projekt Sonnenhang"',
    "Mittel -Kämmerei",
    "Digitallotsen Aktenplan",
)


@pytest.fixture(scope="module")
def both_backends(engine, server_url, tmp_path_factory):
    docs = list(CORPUS) + _synthetic_corpus(400)
    embedded = EmbeddedBackend(tmp_path_factory.mktemp("cmp") / "index.db")
    es = ElasticsearchBackend(server_config(engine, server_url))
    embedded.upsert(docs)
    es.upsert(docs)
    yield embedded, es
    embedded.close()
    es.client.indices.delete(index=es.index)
    es.client.indices.delete(index=es.permissions.index)
    es.close()


@pytest.mark.parametrize("principals", [EVERYONE, BAUAMT, MUELLER], ids=["everyone", "bauamt", "mueller"])
@pytest.mark.parametrize("text", COMPARED_QUERIES)
def test_same_results_as_embedded(both_backends, text, principals):
    embedded, es = both_backends
    for sort in ("relevance", "date"):
        a = embedded.search(Query(text, limit=300, facets=True, sort=sort), principals)
        b = es.search(Query(text, limit=300, facets=True, sort=sort), principals)
        assert b.total == a.total
        assert b.facets == a.facets
        if sort == "date":
            assert [h.id for h in b.hits] == [h.id for h in a.hits]
        assert {h.id for h in b.hits} == {h.id for h in a.hits}
        assert b.notices == a.notices
    if not a.hits:
        return
    # Relevance: BM25 variants differ in detail (FTS5 clamps the idf of words in more than
    # half of the documents to ~0), so the order must agree wherever the embedded scores
    # are clearly apart.
    a = embedded.search(Query(text, limit=300), principals)
    b = es.search(Query(text, limit=300), principals)
    position = {h.id: i for i, h in enumerate(b.hits)}
    snippets = {h.id: h.snippet for h in b.hits}
    inverted = [
        (x.id, y.id)
        for i, x in enumerate(a.hits)
        for y in a.hits[i + 1 :]
        if y.score > 0.01 and x.score > 1.25 * y.score and position[x.id] > position[y.id]
    ]
    assert inverted == []
    assert all(snippets[h.id] == h.snippet for h in a.hits)


def test_same_first_page_for_distinct_queries(both_backends):
    embedded, es = both_backends
    for text in ("Bauantrag Lindenweg", "Sonnenhang", "§ 34 BauGB", "Antrag Garage Birkenallee"):
        a = embedded.search(Query(text, limit=3), BAUAMT)
        b = es.search(Query(text, limit=3), BAUAMT)
        assert [h.id for h in b.hits][:2] == [h.id for h in a.hits][:2], text


# -- what only the search-server backend has ---------------------------------------------


def _unit(*values: float) -> list[float]:
    norm = sum(v * v for v in values) ** 0.5
    return [v / norm for v in values]


def _vectors(doc_id: str, *chunks: list[float], model: str = "test-model") -> ChunkVectors:
    spans = [(i * 20, i * 20 + 20) for i in range(len(chunks))]
    return ChunkVectors(doc_id=doc_id, model=model, vectors=list(chunks), spans=spans)


def test_alias_in_front_of_versioned_index(make_es):
    backend = make_es()
    aliases = backend.client.indices.get_alias(name=backend.alias)
    assert list(aliases) == [f"{backend.alias}-v1"]
    assert backend.stats()["index"] == f"{backend.alias}-v1"


def test_semantic_search_is_trimmed_and_vectors_follow_documents(make_es):
    backend = make_es()
    backend.upsert(list(CORPUS))
    assert set(backend.ids_without_vectors("test-model", 100)) == set(BY_ID)
    backend.upsert_vectors(
        [
            _vectors("intern-1", _unit(1, 0, 0, 0), _unit(0, 1, 0, 0)),
            _vectors("deny-1", _unit(0.9, 0.1, 0, 0)),
            _vectors("bau-1", _unit(0, 0, 1, 0)),
            _vectors("missing", _unit(1, 0, 0, 0)),
            _vectors("ord-1"),  # no chunks: done without vectors
        ]
    )
    assert set(backend.ids_without_vectors("test-model", 100)) == set(BY_ID) - {"intern-1", "deny-1", "bau-1", "ord-1"}
    query = Query("Sonnenhang", mode="semantic", vector=tuple(_unit(1, 0, 0, 0)), facets=True)
    assert ids_of(backend.search(query, BAUAMT))[:2] == ["intern-1", "deny-1"]
    hits = backend.search(query, EVERYONE)
    assert ids_of(hits) == ["deny-1"] and hits.total == 1
    assert dict(hits.facets["folder"]) == {"Personal": 1}
    assert ids_of(backend.search(query, MUELLER)) == []
    # The best chunk is the snippet of a semantic hit.
    second = backend.search(Query("x", mode="semantic", vector=tuple(_unit(0, 1, 0, 0))), BAUAMT).hits[0]
    assert second.id == "intern-1" and second.snippet.startswith("…")
    # A permission change (same content) keeps the vectors, and they follow the principals.
    backend.upsert([replace(BY_ID["intern-1"], allow=("everyone",))])
    assert ids_of(backend.search(query, EVERYONE))[0] == "intern-1"
    # Changed content drops them.
    backend.upsert([replace(BY_ID["intern-1"], content_hash="new", text="Anderer Text.")])
    assert "intern-1" not in ids_of(backend.search(query, BAUAMT))
    assert "intern-1" in backend.ids_without_vectors("test-model", 100)
    stats = backend.stats()
    assert stats["vectors"]["test-model"]["documents"] == 3


def _crawl_writes_first(backend, crawl_write) -> None:
    """Let `crawl_write` land between a pass's read and its conditional write (once)."""
    send = backend._bulk_once
    pending = [crawl_write]

    def interleaved(body):
        while pending:
            pending.pop()()
        return send(body)

    backend._bulk_once = interleaved


def test_a_crawl_write_between_read_and_write_neither_fails_the_pass_nor_is_lost(make_es):
    backend, crawler_side = make_es(), make_es()
    crawler_side.alias = backend.alias
    backend.upsert(list(CORPUS))
    # Same content, new permissions: the vectors are still right and are written on top.
    _crawl_writes_first(backend, lambda: crawler_side.upsert([replace(BY_ID["intern-1"], allow=("everyone",))]))
    backend.upsert_vectors([replace(_vectors("intern-1", _unit(1, 0, 0)), content_key=None)])
    assert "intern-1" not in backend.ids_without_vectors("test-model", 100)
    hits = backend.search(Query("x", mode="semantic", vector=tuple(_unit(1, 0, 0))), EVERYONE)
    assert ids_of(hits)[:1] == ["intern-1"]  # the crawl's permissions stand
    # New content: vectors read for the old text are dropped, not written on the new one.
    [read] = backend.fetch_untrimmed(["bau-1"])
    old_key = content_key(read.content_hash, read.title, read.text)
    changed = replace(BY_ID["bau-1"], content_hash="neu", text="Ganz anderer Text.")
    _crawl_writes_first(backend, lambda: crawler_side.upsert([changed]))
    backend.upsert_vectors([replace(_vectors("bau-1", _unit(0, 1, 0)), content_key=old_key)])
    assert "bau-1" in backend.ids_without_vectors("test-model", 100)
    # The same for a field update of a second pass.
    _crawl_writes_first(backend, lambda: crawler_side.upsert([replace(BY_ID["ord-1"], allow=("everyone",))]))
    [read] = backend.fetch_untrimmed(["ord-1"])
    ord_key = content_key(read.content_hash, read.title, read.text)
    assert backend.update_fields([FieldUpdate("ord-1", {"extra": {"ocr": "done"}}, ord_key)]) == ["ord-1"]
    [stored] = backend.fetch_untrimmed(["ord-1"])
    assert stored.allow == ("everyone",) and stored.extra.get("ocr") == "done"


def test_hybrid_fuses_both_lists(make_es):
    backend = make_es()
    backend.upsert(list(CORPUS))
    backend.upsert_vectors([_vectors("kaem-1", _unit(1, 0, 0)), _vectors("ord-1", _unit(0.95, 0.05, 0))])
    hits = backend.search(Query("Lindenweg", mode="hybrid", vector=tuple(_unit(1, 0, 0)), facets=True), BAUAMT)
    found = ids_of(hits)
    assert {"bau-1", "kaem-1", "ord-1"} <= set(found)
    assert hits.total == len(found) == sum(n for _, n in hits.facets["file_type"])
    lexical = backend.search(Query("Lindenweg", mode="hybrid", vector=tuple(_unit(1, 0, 0))), EVERYONE)
    assert set(ids_of(lexical)) == {"bau-1", "kaem-1", "ord-1"}
    assert "<mark>Lindenweg</mark>" in lexical.hits[ids_of(lexical).index("bau-1")].snippet


def test_semantic_without_vectors_falls_back_to_fulltext(make_es):
    backend = make_es()
    backend.upsert(list(CORPUS))
    hits = backend.search(Query("Lindenweg", mode="semantic", vector=tuple(_unit(1, 0, 0))), BAUAMT)
    assert ids_of(hits) == ["bau-1"]
    assert any("Vektoren" in n for n in hits.notices)
    hits = backend.search(Query("Lindenweg", mode="semantic"), BAUAMT)
    assert ids_of(hits) == ["bau-1"] and any("Einbettung" in n for n in hits.notices)


def test_keyword_and_aktenplan_filters(make_es):
    backend = make_es()
    doc = replace(
        BY_ID["bau-1"], extra={"keywords": ["Bauantrag", "Lindenweg"], "aktenplan": [{"code": "632.10", "score": 0.9}]}
    )
    backend.upsert([doc, BY_ID["bau-3"]])
    assert ids_of(backend.search(Query("Antrag", keywords=("Lindenweg",)), BAUAMT)) == ["bau-1"]
    assert ids_of(backend.search(Query("Antrag", aktenplan=("632.10",)), BAUAMT)) == ["bau-1"]
    assert backend.get("bau-1", BAUAMT).extra == doc.extra


def test_older_index_version_is_migrated_behind_the_alias(make_es, engine, server_url):
    from aktenlotse.search.es_index import IndexSpec, load_spec

    current = load_spec()
    alias = f"t-{uuid.uuid4().hex[:12]}"
    old_mappings = {k: v for k, v in current.mappings.items() if k != "_meta"}
    old_mappings = {
        **old_mappings,
        "properties": {
            k: v
            for k, v in old_mappings["properties"].items()
            if k not in ("keywords", "aktenplan", "chunks", "vector_model")
        },
    }
    old = make_es(alias)  # creates v1
    old.client.indices.delete(index=f"{alias}-v1")
    old.client.indices.create(
        index=f"{alias}-v0", settings=current.settings, mappings=old_mappings, aliases={alias: {}}
    )
    old.upsert(list(CORPUS))
    backend = ElasticsearchBackend(
        server_config(engine, server_url, alias), spec=IndexSpec(1, current.settings, current.mappings)
    )
    try:
        assert list(backend.client.indices.get_alias(name=alias)) == [f"{alias}-v1"]
        assert backend.ids() == set(BY_ID)
        assert ids_of(backend.search(Query("Lindenweg"), BAUAMT)) == ["bau-1"]
    finally:
        backend.client.indices.delete(index=f"{alias}-v0")
        backend.close()


def test_incompatible_older_mapping_is_a_clear_message(engine, server_url):
    name = f"t-{uuid.uuid4().hex[:12]}"
    client = make_client(server_config(engine, server_url))
    client.indices.create(
        index=name, mappings={"properties": {"terms": {"type": "keyword"}, "allow": {"type": "text"}}}
    )
    try:
        with pytest.raises(BackendError) as caught:
            ElasticsearchBackend(server_config(engine, server_url, name))
        message = str(caught.value)
        assert "älterem oder fremdem Mapping" in message and "'terms'" in message and "'keyword'" in message
        # And a versioned index whose mapping was changed by hand:
        client.indices.create(
            index=f"{name}x-v1", mappings={"properties": {"terms": {"type": "keyword"}}}, aliases={f"{name}x": {}}
        )
        with pytest.raises(BackendError) as caught:
            ElasticsearchBackend(server_config(engine, server_url, f"{name}x"))
        assert "passt nicht zu dieser Aktenlotse-Version" in str(caught.value)
    finally:
        client.indices.delete(index=f"{name}*")
        client.close()


def test_wrong_url_is_a_clear_message(engine):
    name = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch"}[engine]
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(server_config(engine, "http://127.0.0.1:9", max_retries=0))
    assert f"{name} nicht erreichbar" in str(caught.value) and "Verbindung abgelehnt" in str(caught.value)
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(server_config(engine, "http://nohost.invalid:9200", max_retries=0))
    assert "Rechnername unbekannt" in str(caught.value)


def test_not_a_search_server_is_a_clear_message(engine, tika_server):
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(server_config(engine, tika_server.url, max_retries=0))
    assert tika_server.url in str(caught.value)


@pytest.mark.elasticsearch
@pytest.mark.opensearch
def test_each_engine_refuses_the_other(elasticsearch_url, opensearch_url):
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(server_config("opensearch", elasticsearch_url, max_retries=0))
    assert "antwortet kein OpenSearch" in str(caught.value) and "index.backend" in str(caught.value)
    with pytest.raises(BackendError) as caught:
        ElasticsearchBackend(server_config("elasticsearch", opensearch_url, max_retries=0))
    assert opensearch_url in str(caught.value) and "Elasticsearch" in str(caught.value)


def test_vectors_are_indexed_quantized(make_es, engine):
    """The chunk vectors sit in an approximate (HNSW) index with scalar quantization."""
    backend = make_es()
    backend.upsert(list(CORPUS))
    backend.upsert_vectors([_vectors("bau-1", _unit(1, 0, 0)), _vectors("kaem-1", _unit(0, 1, 0))])
    mapping = next(iter(backend.client.indices.get_mapping(index=backend.alias).values()))["mappings"]
    vector = mapping["properties"]["chunks"]["properties"]["vector"]
    if engine == "opensearch":
        assert vector["type"] == "knn_vector" and vector["dimension"] == 3
        assert vector["method"]["engine"] == "lucene" and vector["method"]["parameters"]["encoder"]["name"] == "sq"
    else:
        assert vector["type"] == "dense_vector" and vector["index_options"]["type"].startswith(("int8", "bbq", "int4"))
    hits = backend.search(Query("x", mode="semantic", vector=tuple(_unit(0.1, 1, 0))), BAUAMT)
    assert ids_of(hits)[0] == "kaem-1"


def test_check_names_engine_version_and_fit(engine, server_url, tmp_path):
    from aktenlotse.cli.check import check_index
    from aktenlotse.core.config import Config, IndexConfig

    server = server_config(engine, server_url)
    config = Config(data_dir=tmp_path, index=IndexConfig(backend=engine, **{engine: server}))
    result = check_index(config)
    try:
        name = {"elasticsearch": "Elasticsearch", "opensearch": "OpenSearch"}[engine]
        assert result.ok and result.line().startswith(f"{name} ({server_url}, Index {server.index}): erreichbar: ja")
        assert result.version.startswith({"elasticsearch": "8.", "opensearch": "2.19"}[engine])
        assert "Version passt" in result.line()
    finally:
        client = make_client(server)
        client.indices.delete(index=f"{server.index}-v*", ignore_unavailable=True)
        client.indices.delete(index=f"{server.index}-permission-sets", ignore_unavailable=True)
        client.close()
