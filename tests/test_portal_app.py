"""Portal page logic with Streamlit's AppTest, logging in against the real slapd."""

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from aktenlotse.identity.directory import UserInfo
from aktenlotse.portal import session
from tests.ldap_directory import USERS
from tests.portal_fixtures import SERVICE_ENV, build_index, write_config

APP = str(Path(__file__).resolve().parents[1] / "portal" / "streamlit_app.py")
pytestmark = pytest.mark.ldap


@pytest.fixture
def portal(tmp_path, slapd, monkeypatch):
    build_index(tmp_path / "data")
    config = write_config(tmp_path, slapd)
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(config))
    for key, value in SERVICE_ENV.items():
        monkeypatch.setenv(key, value)
    st.cache_resource.clear()  # the portal context is cached per process
    yield
    st.cache_resource.clear()


def login(name, password=None, params=None):
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params = dict(params or {})  # a link opened before logging in
    at.run()
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input(password or USERS[name][2])
    at.button[0].click().run()
    return at


def search(at, text):
    at.text_input(key="query").input(text).run()
    return [m.value for m in at.main.markdown if re.match(r"^\*\*\d+\. ", m.value)]


def test_wrong_password_shows_german_message_without_detail(portal):
    at = login("mueller", "falsch")
    assert [e.value for e in at.error] == ["Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch."]
    unknown = login("gibtsnicht", "egal")
    assert [e.value for e in unknown.error] == [e.value for e in at.error]
    assert not at.exception


def test_user_sees_only_permitted_hits(portal):
    at = login("mueller")
    assert not at.error
    titles = search(at, "Bauantrag")
    assert any("Bauantrag Lindenweg" in t for t in titles)
    assert not any("Beurteilung" in t for t in search(at, "Beurteilung"))
    other = login("schmidt")
    assert search(other, "Bauantrag") == []
    assert any("Keine Treffer" in w.value for w in other.warning)


def test_zero_hits_offer_spelling_variants_only_from_visible_documents(portal):
    at = login("schmidt")
    assert search(at, "Hundesteur") == []
    variants = [b.label for b in at.main.button if b.label.startswith("Meinten Sie")]
    assert variants == ["Meinten Sie: Hundesteuer"]
    assert search(at, "Beurteilunk") == []  # the only "Beurteilung" is readable by group personal
    assert not [b for b in at.main.button if b.label.startswith("Meinten Sie")]
    weber = login("weber")
    search(weber, "Beurteilunk")
    assert [b.label for b in weber.main.button if b.label.startswith("Meinten Sie")] == ["Meinten Sie: Beurteilung"]
    weber.main.button[0].click().run()
    assert any("Beurteilung" in t for t in [m.value for m in weber.main.markdown])


def test_hit_shows_unc_path_date_size_and_marked_snippet(portal):
    at = login("mueller")
    search(at, "Hundesteuer")
    assert "\\\\rathaus\\daten\\Kämmerei\\Hundesteuersatzung.pdf" in [c.value for c in at.code]
    assert any("01.03.2024" in c.value and "PDF" in c.value for c in at.caption)
    assert any("<mark>Hundesteuer</mark>" in m.value for m in at.markdown)


def test_hostile_and_empty_queries(portal):
    at = login("mueller")
    assert search(at, "der die das und") == []
    assert any("keine suchbaren" in i.value.lower() for i in at.info)
    search(at, '"(NEAR* -AND OR' + "x" * 10_000)
    assert not at.exception


def test_logout_and_session_timeout(portal):
    at = login("weber")
    at.sidebar.button[0].click().run()  # Abmelden
    assert at.text_input(key="login_username")
    state = {}
    user = UserInfo("weber", "Petra Weber", "", "", ("personal",), ())
    session.log_in(state, user, now=1000)
    assert session.current_user(state, timeout_min=30, now=1000 + 29 * 60) is user
    assert session.current_user(state, timeout_min=30, now=1000 + 29 * 60 + 31 * 60) is None
    assert state[session.NOTICE_KEY] == session.MSG_TIMEOUT


def test_production_config_without_ldap_refuses(tmp_path, monkeypatch):
    build_index(tmp_path / "data")
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(write_config(tmp_path, None, mode="ldap")))
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert any("nicht richtig eingerichtet" in e.value and "auth.url" in e.value for e in at.error)
    assert not at.text_input


def test_demo_mode_shows_a_banner(tmp_path, monkeypatch):
    build_index(tmp_path / "data")
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(write_config(tmp_path, None, mode="demo")))
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert any("Demo-Modus" in w.value for w in at.warning)
    at.text_input(key="login_username").input("mueller")
    at.text_input(key="login_password").input("demo")
    at.button[0].click().run()
    assert any("Bauantrag" in t for t in search(at, "Bauantrag"))


def test_filters_that_leave_nothing_offer_a_reset_not_a_spelling_hint(portal):
    at = login("mueller")
    assert search(at, "Hundesteuer")
    at.multiselect(key="facet_file_type").select("pdf").run()
    assert search(at, "Bauantrag") == []  # the docx is readable, the pdf filter leaves nothing
    assert [w.value for w in at.warning] == ["Keine Treffer mit den gewählten Filtern."]
    assert not any("Schreibweise" in m.value for m in at.markdown)
    reset = [b for b in at.main.button if b.label == "Filter zurücksetzen"]
    assert len(reset) == 1
    reset[0].click().run()
    assert any("Bauantrag Lindenweg" in m.value for m in at.main.markdown)
    assert at.multiselect(key="facet_file_type").value == []
