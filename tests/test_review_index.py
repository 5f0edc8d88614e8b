"""The AG DMS's decisions reach the index (`extra.aktenplan_decided`), so the Aktenplan
facet counts a decided document under its decided class: a real crawl, review store and
embedded index, and `aktenlotse enrich` as the user runs it."""

from __future__ import annotations

import json

from aktenlotse.cli.main import main
from aktenlotse.core.config import Config, EnrichConfig, SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.pipeline.app import text_analyzer
from aktenlotse.pipeline.crawl import Crawler
from aktenlotse.search.backend import FieldUpdate, Query
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.search.vector_store import content_key
from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.services.review_index import DecisionsPass, record_decisions_in_index
from aktenlotse.stores.statedb import StateDB
from tests.samba_dc import PlainTextExtractor

AG_DMS = ["ag_dms"]


def _setup(tmp_path):
    root = tmp_path / "share"
    (root / "Bauamt").mkdir(parents=True)
    for name in ("a", "b", "c"):
        (root / "Bauamt" / f"{name}.txt").write_text(f"Bauantrag Garage {name}", encoding="utf-8")
    source = SourceConfig(name="daten", root=root)
    config = Config(data_dir=tmp_path / "data", sources=(source,), enrich=EnrichConfig(enabled=False))
    config.data_dir.mkdir()
    state = StateDB(config.state_db)
    with EmbeddedBackend(config.index_db) as backend:
        Crawler(state, backend, PlainTextExtractor(), analyze=text_analyzer()).run([LocalSource(source)])
        docs = {d.path: d for d in backend.fetch_untrimmed(sorted(backend.ids()))}
        # the inline suggestion, as the crawl's enrichment writes it
        backend.update_fields(
            [
                FieldUpdate(d.id, {"extra": {"aktenplan": [{"code": "632", "score": 0.8}]}}, _key(d))
                for d in docs.values()
            ]
        )
    state.close()
    return config, docs


def _key(doc):
    return content_key(doc.content_hash, doc.title, doc.text)


def _facet(config):
    with EmbeddedBackend(config.index_db) as backend:
        return dict(backend.search(Query(text="Bauantrag", facets=True), ["everyone"]).facets["aktenplan"])


def _decide(config, docs, path, decision, code):
    store = ReviewStore(config.data_dir)
    try:
        doc = docs[path]
        ref = DocRef(doc.source, doc.path, doc.content_hash)
        store.decide([ref], decision=decision, code=code, reviewer="dms", roles=AG_DMS)
    finally:
        store.close()


def test_nothing_decided_creates_no_review_store(tmp_path):
    config, _docs = _setup(tmp_path)
    assert record_decisions_in_index(config) == {}
    assert not (config.data_dir / "app.sqlite").exists()
    assert _facet(config) == {"632": 3}


def test_decisions_move_the_facet_and_a_later_one_wins(tmp_path, monkeypatch, capsys):
    config, docs = _setup(tmp_path)
    _decide(config, docs, "Bauamt/a.txt", "reassign", "631")
    _decide(config, docs, "Bauamt/b.txt", "accept", "632")
    first = record_decisions_in_index(config)["decisions"]
    assert first == {"documents": 2, "updated": 2, "refused": 0}
    assert _facet(config) == {"632": 2, "631": 1}
    assert record_decisions_in_index(config)["decisions"]["updated"] == 0  # up to date

    _decide(config, docs, "Bauamt/a.txt", "skip", None)  # "nicht migrieren": no class
    (tmp_path / "aktenlotse.toml").write_text(
        f'data_dir = "{config.data_dir}"\n[[sources]]\nname = "daten"\nroot = "{tmp_path / "share"}"\n'
        "[enrich]\nenabled = false\n",
        encoding="utf-8",
    )
    assert main(["--config", str(tmp_path / "aktenlotse.toml"), "enrich", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"]["updated"] == 1
    with EmbeddedBackend(config.index_db) as backend:
        a = next(d for d in backend.fetch_untrimmed(sorted(backend.ids())) if d.path == "Bauamt/a.txt")
        assert "aktenplan_decided" not in a.extra and a.extra["aktenplan"][0]["code"] == "632"
    assert _facet(config) == {"632": 3}  # the skipped one counts under its suggestion again


def test_the_pass_owns_only_its_field(tmp_path):
    assert DecisionsPass.fields == {"extra.aktenplan_decided"}
