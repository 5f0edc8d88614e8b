"""The login cookie and the sessions behind it: signature, expiry, one-time handover,
logout and idle timeout, all against a real app database in a temporary data dir."""

import stat
import time
from pathlib import Path

import pytest

from aktenlotse.core.config import ConfigError
from aktenlotse.portal.login_gate import DEFAULT_PATH, PAGE_PATHS
from aktenlotse.portal.session_cookie import (
    SECRET_FILE,
    CookieClaims,
    load_secret,
    read_cookie,
    sign_cookie,
)
from aktenlotse.portal.session_registry import HANDOVER_S, SessionRegistry

APP = Path(__file__).resolve().parents[1] / "portal" / "streamlit_app.py"
SECRET = b"k" * 32
NOW = 1_800_000_000.0
CLAIMS = CookieClaims("sitzung-1", "mueller", NOW + 3600)


def test_signed_cookie_reads_back():
    value = sign_cookie(CLAIMS, SECRET)
    assert read_cookie(value, SECRET, NOW) == CLAIMS
    assert "mueller" not in value  # encoded, and no password anywhere: only id, name, expiry


def test_expired_cookie_is_refused():
    value = sign_cookie(CLAIMS, SECRET)
    assert read_cookie(value, SECRET, CLAIMS.expires - 1) == CLAIMS
    assert read_cookie(value, SECRET, CLAIMS.expires) is None


def test_other_secret_is_refused():
    assert read_cookie(sign_cookie(CLAIMS, SECRET), b"x" * 32, NOW) is None


def test_tampered_cookie_is_refused():
    value = sign_cookie(CLAIMS, SECRET)
    forged = sign_cookie(CookieClaims("sitzung-1", "admin.it", NOW + 3600), b"x" * 32)
    payload, signature = value.split(".")
    assert read_cookie(f"{forged.split('.')[0]}.{signature}", SECRET, NOW) is None  # other user, old signature
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    assert read_cookie(f"{flipped}.{signature}", SECRET, NOW) is None
    assert read_cookie(f"{payload}.{signature[:-1]}", SECRET, NOW) is None


@pytest.mark.parametrize(
    "value", [None, "", "abc", "a.b.c", ".", "!!!.???", "x" * 5000, "eyJzIjoxfQ.AAAA", "\u00e4.\u00f6"]
)
def test_malformed_cookie_is_refused(value):
    assert read_cookie(value, SECRET, NOW) is None


def test_signed_but_wrong_shape_is_refused():
    import base64
    import hashlib
    import hmac

    for body in (b"[1,2]", b'{"s":"a","u":"b","e":"soon"}', b'{"s":"","u":"b","e":9999999999}'):
        payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
        mac = hmac.new(SECRET, b"aktenlotse-session-v1." + payload.encode(), hashlib.sha256).digest()
        value = payload + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
        assert read_cookie(value, SECRET, NOW) is None


def test_secret_is_made_once_readable_by_owner_only(tmp_path):
    first = load_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32 and load_secret(tmp_path) == first
    path.chmod(0o644)
    assert load_secret(tmp_path) == first and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_unusable_secret_gives_german_message(tmp_path):
    (tmp_path / SECRET_FILE).write_text("kein hex\n")
    with pytest.raises(ConfigError, match="Sitzungsschlüssel .* löschen"):
        load_secret(tmp_path)
    (tmp_path / SECRET_FILE).write_text("abcd\n")
    with pytest.raises(ConfigError, match="zu kurz"):
        load_secret(tmp_path)


@pytest.fixture
def registry(tmp_path):
    sessions = SessionRegistry(tmp_path, idle_timeout_min=30, max_age_s=8 * 3600)
    yield sessions
    sessions.close()


def test_handover_gives_the_cookie_once(registry):
    handover = registry.start("mueller", now=NOW)
    issued = registry.redeem(handover.token, now=NOW + 1)
    assert issued is not None and issued.max_age_s == 8 * 3600 - 1
    assert registry.redeem(handover.token, now=NOW + 2) is None  # used up
    claims = registry.resume(issued.value, now=NOW + 10)
    assert claims == CookieClaims(handover.session_id, "mueller", NOW + 8 * 3600)


def test_late_or_unknown_handover_gives_nothing(registry):
    handover = registry.start("mueller", now=NOW)
    assert registry.redeem(handover.token, now=NOW + HANDOVER_S + 1) is None
    assert registry.redeem("erfunden", now=NOW) is None
    assert registry.redeem("", now=NOW) is None


def test_logout_kills_a_copied_cookie(registry):
    handover = registry.start("mueller", now=NOW)
    issued = registry.redeem(handover.token, now=NOW)
    assert issued is not None
    registry.end(handover.session_id, now=NOW + 5)
    assert registry.resume(issued.value, now=NOW + 6) is None
    assert not registry.check_in(handover.session_id, now=NOW + 6)


def test_logout_by_cookie_revokes(registry):
    handover = registry.start("mueller", now=NOW)
    issued = registry.redeem(handover.token, now=NOW)
    assert issued is not None
    registry.end_by_cookie("gefälscht", now=NOW)
    assert registry.resume(issued.value, now=NOW + 1) is not None
    registry.end_by_cookie(issued.value, now=NOW + 2)
    assert registry.resume(issued.value, now=NOW + 3) is None


def test_idle_session_ends_and_stays_ended(registry):
    handover = registry.start("mueller", now=NOW)
    issued = registry.redeem(handover.token, now=NOW)
    assert issued is not None
    assert registry.check_in(handover.session_id, now=NOW + 29 * 60)  # used: the idle clock starts again
    assert registry.resume(issued.value, now=NOW + 58 * 60) is not None
    assert registry.resume(issued.value, now=NOW + 58 * 60 + 30 * 60 + 1) is None  # idle > 30 min
    assert registry.resume(issued.value, now=NOW + 58 * 60 + 30 * 60 + 2) is None  # revoked, not revived


def test_session_ends_at_its_max_age_even_when_active(registry):
    handover = registry.start("mueller", now=NOW)
    issued = registry.redeem(handover.token, now=NOW)
    assert issued is not None
    for minute in range(0, 8 * 60, 20):
        assert registry.check_in(handover.session_id, now=NOW + minute * 60)
    assert not registry.check_in(handover.session_id, now=NOW + 8 * 3600)
    assert registry.resume(issued.value, now=NOW + 8 * 3600) is None


def test_cookie_of_another_data_dir_is_refused(registry, tmp_path):
    other = SessionRegistry(tmp_path / "anderes", idle_timeout_min=30)
    try:
        handover = other.start("mueller", now=NOW)
        issued = other.redeem(handover.token, now=NOW)
        assert issued is not None
        assert registry.resume(issued.value, now=NOW + 1) is None  # other secret, other table
    finally:
        other.close()


def test_real_clock_defaults(registry):
    handover = registry.start("mueller")
    issued = registry.redeem(handover.token)
    assert issued is not None
    claims = registry.resume(issued.value)
    assert claims is not None and claims.expires > time.time()


def test_login_gate_knows_every_page_address():
    """A deep link to a page the gate does not know would land on "Suche" after the login."""
    import re

    paths = set(re.findall(r'url_path="([^"]+)"', APP.read_text(encoding="utf-8")))
    assert paths == {DEFAULT_PATH, *PAGE_PATHS}


def test_handover_is_pending_until_redeemed_or_late(registry):
    handover = registry.start("mueller", now=NOW)
    assert registry.handover_pending(handover.session_id, now=NOW + 1)
    assert not registry.handover_pending(handover.session_id, now=NOW + HANDOVER_S + 1)
    assert registry.redeem(handover.token, now=NOW + 2) is not None
    assert not registry.handover_pending(handover.session_id, now=NOW + 3)
