"""The login session in the portal's pages (Streamlit's AppTest, demo directory): a login
opens a session row, "Abmelden" revokes it, and a tab whose session ended elsewhere
(logout in another tab, idle timeout) is logged out at its next check."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from aktenlotse.portal.session_registry import SessionRegistry
from aktenlotse.portal.ui_session import CHECKED_KEY, HANDOVER_KEY, MSG_SESSION_ENDED, SESSION_ID_KEY
from tests.portal_fixtures import build_index, write_config

APP = str(Path(__file__).resolve().parents[1] / "portal" / "streamlit_app.py")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    build_index(tmp_path / "data")
    monkeypatch.setenv("AKTENLOTSE_CONFIG", str(write_config(tmp_path, None, mode="demo")))
    st.cache_resource.clear()
    yield tmp_path / "data"
    st.cache_resource.clear()


@pytest.fixture
def registry(data_dir):
    sessions = SessionRegistry(data_dir, idle_timeout_min=30)
    yield sessions
    sessions.close()


def login(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input(key="login_username").input(name)
    at.text_input(key="login_password").input("demo")
    at.button[0].click().run()
    assert not at.exception and not at.error
    return at


def test_login_opens_a_session_and_logout_revokes_it(registry):
    at = login("krause")
    session_id = at.session_state[SESSION_ID_KEY]
    assert registry.handover_pending(session_id)  # the browser is asked to fetch its cookie
    assert at.session_state[HANDOVER_KEY]
    assert registry.check_in(session_id)
    at.sidebar.button[0].click().run()  # "Abmelden"
    assert [i.value for i in at.info] == ["Sie wurden abgemeldet."]
    assert not registry.check_in(session_id)
    assert not registry.handover_pending(session_id)


def test_a_tab_whose_session_ended_elsewhere_is_logged_out(registry):
    at = login("mueller")
    assert any(t.label == "Suchbegriff" for t in at.text_input)
    registry.end(at.session_state[SESSION_ID_KEY])  # "Abmelden" in another tab of the session
    at.run()
    assert any(t.label == "Suchbegriff" for t in at.text_input)  # checked about once a minute only
    at.session_state[CHECKED_KEY] = 0.0  # the minute has passed
    at.run()
    assert [i.value for i in at.info] == [MSG_SESSION_ENDED]
    assert any(t.key == "login_username" for t in at.text_input)
    assert not any(t.label == "Suchbegriff" for t in at.text_input)


def test_wrong_password_opens_no_session(data_dir):
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.text_input(key="login_username").input("mueller")
    at.text_input(key="login_password").input("falsch")
    at.button[0].click().run()
    assert at.error and SESSION_ID_KEY not in at.session_state
    assert not any(t.label == "Suchbegriff" for t in at.text_input)
