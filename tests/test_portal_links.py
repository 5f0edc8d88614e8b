"""Deep links of the search page (the URL carries query, mode, sort, facets and page, so a
link or a reload shows the same page, decided again for whoever opens it) and what the
sidebar says about the user."""

import pytest

from aktenlotse.portal import markdown_text as md
from aktenlotse.portal.deep_link import SearchLink, link_from_params, params_from_link
from tests.test_portal_app import login, portal, search

pytestmark = pytest.mark.ldap
__all__ = ["portal"]  # the fixture, used by name


def test_a_search_is_written_into_the_url(portal):
    at = login("mueller")
    assert search(at, "Hundesteuer")
    at.radio(key="mode").set_value("Volltext").run()
    at.multiselect(key="facet_file_type").select("pdf").run()
    assert at.query_params == {"q": "Hundesteuer", "modus": "fulltext", "typ": "pdf"}
    at.text_input(key="query").input("").run()
    assert at.query_params == {}


def test_a_link_survives_the_login_and_shows_the_same_page(portal):
    at = login("mueller")
    at.radio(key="mode").set_value("Volltext").run()
    assert search(at, "Hundesteuer")
    at.multiselect(key="facet_file_type").select("pdf").run()
    shown = [m.value for m in at.main.markdown if m.value.startswith("**1. ")]
    link = dict(at.query_params)
    # A reload or a colleague's browser: a new session, the login form first.
    other = login("schmidt", params=link)
    assert other.text_input(key="query").value == "Hundesteuer"
    assert other.radio(key="mode").value == "Volltext"
    assert other.multiselect(key="facet_file_type").value == ["pdf"]
    assert [m.value for m in other.main.markdown if m.value.startswith("**1. ")] == shown
    assert other.query_params == link
    assert not other.exception


def test_a_link_shows_only_what_the_opener_may_open(portal):
    weber = login("weber")
    assert any("Beurteilung" in t for t in search(weber, "Beurteilung"))
    link = dict(weber.query_params)
    at = login("mueller", params=link)
    assert at.text_input(key="query").value == "Beurteilung"
    hits = [m.value for m in at.main.markdown if m.value.startswith("**")]
    assert not any("Beurteilung" in h for h in hits)
    assert not any("Personal" in c.value for c in at.main.caption)
    assert any("Keine Treffer" in w.value for w in at.warning)


def test_a_broken_or_hostile_link_still_opens_the_page(portal):
    params = {"q": "[Klick](https://example.org) Hundesteuer", "modus": "x", "seite": "-3", "sortierung": "?"}
    at = login("mueller", params={**params, "jahr": ["abc", "2024"], "ordner": ""})
    assert not at.exception
    assert at.radio(key="mode").value in ("Volltext", "Semantisch", "Hybrid")
    assert at.selectbox(key="sort").value == "Relevanz"
    assert not any("](https://" in m.value for m in at.main.markdown if m.value.startswith("**"))


def test_link_parameters_round_trip_and_fall_back_to_defaults():
    link = SearchLink("Bauantrag", "hybrid", "date", {"file_type": ["pdf", "docx"], "year": ["2024"]}, 2)
    params = params_from_link(link)
    assert params == {
        "q": ["Bauantrag"],
        "modus": ["hybrid"],
        "sortierung": ["datum"],
        "typ": ["pdf", "docx"],
        "jahr": ["2024"],
        "seite": ["3"],
    }
    assert link_from_params(params) == link
    assert params_from_link(SearchLink("  ")) == {}
    bad = link_from_params({"q": ["x" * 20_000], "modus": ["egal"], "seite": ["0"], "typ": ["pdf", "pdf", ""]})
    assert bad == SearchLink("x" * 10_000, None, "relevance", {"file_type": ["pdf"]}, 0)


def test_roles_are_named_in_german(portal):
    at = login("krause")
    assert [c.value for c in at.sidebar.caption if c.value.startswith("Rollen")] == [
        "Rollen: " + md.text("Beschäftigte, AG DMS")
    ]
    assert "employee" not in " ".join(c.value for c in at.sidebar.caption)
