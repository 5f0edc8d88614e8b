"""The services the portal pages and the CLI share, as plain functions: the search query
built from facet choices, spelling help, the default mode, the admin page's figures, the
configured directory, and sources that are closed through the protocol."""

from pathlib import Path

import pytest

from aktenlotse.core.config import AuthConfig, Config, SourceConfig
from aktenlotse.crawler.local_source import LocalSource
from aktenlotse.crawler.source import close_all
from aktenlotse.identity.configured import configured_directory
from aktenlotse.identity.demo_directory import DemoDirectory
from aktenlotse.identity.directory import LdapDirectory
from aktenlotse.identity.users import LoginError
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.admin import (
    AdminView,
    admin_view,
    current_errors,
    files_per_second,
    filter_errors,
    split_errors,
)
from aktenlotse.services.search import (
    aktenplan_label,
    aktenplan_titles,
    default_mode,
    page_count,
    query_from_filters,
    spelling_variants,
    without_umlauts,
)
from aktenlotse.stores.statedb import StateDB
from tests.conformance_corpus import _doc


def test_aktenplan_facet_values_show_code_and_title_of_the_current_plan(tmp_path):
    from aktenlotse.enrich.aktenplan import Aktenplan, AktenplanClass
    from aktenlotse.stores.aktenplan_store import AktenplanStore

    config = Config(data_dir=tmp_path)
    assert aktenplan_titles(config, ["632"]) == {"632": "632"}  # no plan imported yet
    plan = Aktenplan(
        {
            "6": AktenplanClass("6", "Bauwesen"),
            "632": AktenplanClass("632", "Baugenehmigungen", parent="6", level=2),
        },
        folded={"632.10": "632"},
    )
    with AktenplanStore(tmp_path) as store:
        store.save(plan, "plan.csv")
    assert aktenplan_titles(config, ["632", "632.10", "999", ""]) == {
        "632": "632 Baugenehmigungen",
        "632.10": "632.10 Baugenehmigungen",  # folded into 632: that class's title
        "999": "999",  # unknown to the plan: the code alone
        "": "",
    }
    assert aktenplan_label("6", None) == aktenplan_label("6", "") == "6"
    assert aktenplan_titles(config, []) == {}


def test_query_from_filters_narrows_by_the_chosen_facets():
    query = query_from_filters(
        "Bauantrag",
        "hybrid",
        "date",
        {"folder": ["Bauamt"], "year": ["2023", "kein Jahr"], "file_type": ["pdf"], "keywords": ["Garage"]},
        page=2,
        page_size=20,
    )
    assert (query.text, query.mode, query.sort, query.facets) == ("Bauantrag", "hybrid", "date", True)
    assert (query.limit, query.offset) == (20, 40)
    assert query.folder == "Bauamt"
    assert query.years == (2023,)  # what is no number is ignored
    assert query.file_types == ("pdf",) and query.keywords == ("Garage",)
    assert query.sources == () and query.aktenplan == ()
    # Two folders chosen: a query narrows to one folder only, so it does not narrow at all.
    assert query_from_filters("x", "fulltext", "relevance", {"folder": ["a", "b"]}, 0, 10).folder is None


def test_page_count_and_umlaut_spelling():
    assert [page_count(total, 10) for total in (0, 1, 10, 11)] == [1, 1, 1, 2]
    assert without_umlauts("Gebühren für Hunde") == "Gebuehren fuer Hunde"
    assert without_umlauts("Ärger Straße") == "Aerger Strasse"
    assert without_umlauts("Hundesteuer") is None


def test_default_mode_and_spelling_variants_on_an_index(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        assert default_mode(backend) == "fulltext"  # no vectors stored yet
        backend.upsert(
            [
                _doc("frei", "Allgemein/frei.txt", "Hinweise", "Kanalanschluss Gebührenbescheid", "2024-01-02"),
                _doc("tief", "Tiefbau/tief.txt", "Vermerk", "Geheimtrasse", "2024-01-03", allow=("group:tiefbau",)),
            ]
        )
        # In the form the user typed it ("Meinten Sie" keeps the capital letter).
        assert spelling_variants(backend, "Geheimtrase", ["everyone", "group:tiefbau"]) == ["Geheimtrasse"]
        # Variants come only from documents the user may read.
        assert "Geheimtrasse" not in spelling_variants(backend, "Geheimtrase", ["everyone"])
    finally:
        backend.close()


def test_admin_view_and_errors(tmp_path):
    config = Config(data_dir=tmp_path / "data")
    assert admin_view(config) is None and current_errors(config) == []
    state = StateDB(config.state_db)
    run = state.start_run(["akten", "archiv"])
    state.finish_run(run, "done", {"new": 6, "changed": 2}, 4.0)
    state.close()
    view = admin_view(config)
    assert view is not None and [r["id"] for r in view.runs] == [run]
    assert view.last_run_by_source()["archiv"]["id"] == run
    assert files_per_second(view.runs[0]) == 2.0
    assert files_per_second({"new": 1, "changed": 0, "seconds": 0}) is None


def test_errors_split_into_actionable_and_expected_and_filtered():
    errors = [
        {"kind": "corrupt", "path": "Bauamt/plan.pdf"},
        {"kind": "no_text", "path": "Bilder/foto.jpg"},
        {"kind": "timeout", "path": "Kämmerei/haushalt.xlsx"},
    ]
    actionable, expected = split_errors(errors)
    assert [e["kind"] for e in expected] == ["no_text"]
    assert [e["kind"] for e in actionable] == ["corrupt", "timeout"]
    assert filter_errors(actionable, [], "bauamt") == [errors[0]]
    assert filter_errors(actionable, ["timeout"], "") == [errors[2]]
    assert AdminView().last_run_by_source() == {}


def test_configured_directory_follows_auth_mode():
    demo = configured_directory(AuthConfig(mode="demo"))
    assert isinstance(demo, DemoDirectory)
    assert demo.authenticate("mueller", "demo").username == "mueller"
    assert demo.lookup("krause").username == "krause"
    with pytest.raises(LoginError):
        demo.lookup("niemand")
    assert isinstance(configured_directory(AuthConfig(mode="ldap", url="ldap://x", base_dn="dc=x")), LdapDirectory)


def test_sources_are_closed_through_the_protocol(tmp_path):
    closed: list[str] = []

    class Failing(LocalSource):
        def close(self) -> None:
            closed.append(self.name)
            raise OSError("Verbindung weg")

    class Counting(LocalSource):
        def close(self) -> None:
            closed.append(self.name)

    root = Path(tmp_path)
    local = LocalSource(SourceConfig(name="a", root=root))
    local.close()  # a local source holds nothing; closing is allowed and harmless
    assert local.config.enrich is True  # the options of its [[sources]] table
    with pytest.raises(OSError):
        close_all([Failing(SourceConfig(name="b", root=root)), Counting(SourceConfig(name="c", root=root))])
    assert closed == ["b", "c"]  # a failing close does not leave the others open
