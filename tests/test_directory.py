"""Login and principals against the real OpenLDAP slapd (tests/ldap_directory.py)."""

import socket

import pytest

from aktenlotse.core.config import AuthConfig, ConfigError, parse_config
from aktenlotse.identity.directory import LdapDirectory, LoginError, LoginGuard
from tests.ldap_directory import USERS

pytestmark = pytest.mark.ldap


ROLES = {"digitallotse": ("digitallotsen",), "ag_dms": ("ag-dms",), "admin": ("portal-admins",)}


def auth(slapd, **overrides) -> AuthConfig:
    return slapd.service_auth(roles=ROLES, **overrides)


def password(name):
    return USERS[name][2]


def test_login_resolves_nested_groups_and_principals(slapd):
    user = LdapDirectory(auth(slapd)).authenticate("krause", password("krause"))
    assert user.display_name == "Heike Krause"
    assert user.mail == "krause@zeitz.test"
    # krause is in bauamt-leitung, which is in bauamt, which is in fachaemter, in mitarbeitende.
    assert {"ag-dms", "bauamt-leitung", "bauamt", "fachaemter", "mitarbeitende"} <= set(user.groups)
    assert {"everyone", "authenticated", "user:krause", "group:bauamt"} <= set(user.principals)
    assert user.roles == {"employee", "ag_dms"}


def test_roles_from_groups(slapd):
    directory = LdapDirectory(auth(slapd))
    assert directory.authenticate("yilmaz", password("yilmaz")).roles == {"employee", "digitallotse"}
    assert directory.authenticate("admin.it", password("admin.it")).roles == {"employee", "admin"}
    assert directory.authenticate("schmidt", password("schmidt")).roles == {"employee"}


def test_ldaps_and_recursive_group_lookup(slapd):
    config = auth(slapd, url=slapd.ldaps_url, start_tls=False, nested_groups="recursive")
    user = LdapDirectory(config).authenticate("mueller", password("mueller"))
    assert {"bauamt", "fachaemter", "mitarbeitende"} <= set(user.groups)


def test_same_message_for_wrong_password_unknown_user_and_disabled_account(slapd):
    directory = LdapDirectory(auth(slapd))
    messages = {}
    for name, pw, reason in (
        ("mueller", "falsch", "bad_credentials"),
        ("niemand", "egal", "unknown_user"),
        ("alt", password("alt"), "bad_credentials"),
    ):
        with pytest.raises(LoginError) as info:
            directory.authenticate(name, pw)
        assert info.value.reason == reason
        messages[name] = info.value.message
    assert len(set(messages.values())) == 1
    assert "Benutzername oder Passwort" in messages["mueller"]


def test_empty_password_is_never_an_anonymous_bind(slapd):
    with pytest.raises(LoginError) as info:
        LdapDirectory(auth(slapd)).authenticate("mueller", "")
    assert info.value.reason == "input"


@pytest.mark.parametrize("hostile", ["*", "mueller)(uid=*", "*)(|(uid=*", "mu*", "\\2a", "mueller\x00", "a" * 5000])
def test_ldap_injection_strings_do_not_log_anyone_in(slapd, hostile):
    with pytest.raises(LoginError) as info:
        LdapDirectory(auth(slapd)).authenticate(hostile, password("mueller"))
    assert info.value.reason in ("unknown_user", "input", "bad_credentials")


def test_failed_logins_are_rate_limited_per_user(slapd):
    now = [1000.0]
    guard = LoginGuard(max_failures=3, lockout_min=15, clock=lambda: now[0])
    directory = LdapDirectory(auth(slapd), guard=guard)
    for _ in range(3):
        with pytest.raises(LoginError):
            directory.authenticate("schmidt", "falsch")
    with pytest.raises(LoginError) as info:
        directory.authenticate("schmidt", password("schmidt"))  # even the right password waits
    assert info.value.reason == "rate_limited" and "Minuten" in info.value.message
    assert directory.authenticate("weber", password("weber")).username == "weber"  # others unaffected
    now[0] += 15 * 60 + 1
    assert directory.authenticate("schmidt", password("schmidt")).username == "schmidt"


def test_directory_refusing_anonymous_search_finds_nobody(slapd):
    # Without a service account the look-up is anonymous; this directory (like AD) refuses it.
    with pytest.raises(LoginError) as info:
        LdapDirectory(auth(slapd, bind_dn="", bind_password="")).authenticate("mueller", password("mueller"))
    assert info.value.reason == "unknown_user"


def test_password_is_not_logged(slapd, caplog):
    caplog.set_level("DEBUG", logger="aktenlotse.auth")
    with pytest.raises(LoginError):
        LdapDirectory(auth(slapd)).authenticate("mueller", "Geheim-Falsch-99")
    assert "login failed" in caplog.text
    assert "Geheim-Falsch-99" not in caplog.text


def test_server_down_gives_a_clear_message(slapd):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    config = auth(slapd, url=f"ldap://127.0.0.1:{dead_port}", timeout_s=1.0)
    with pytest.raises(LoginError) as info:
        LdapDirectory(config).authenticate("mueller", password("mueller"))
    assert info.value.reason == "server" and "nicht erreichbar" in info.value.message


@pytest.mark.parametrize("use_ldaps", [False, True])
def test_wrong_certificate_gives_a_tls_message(slapd, use_ldaps):
    overrides = {"ca_cert": slapd.tls.other_ca}
    if use_ldaps:
        overrides.update(url=slapd.ldaps_url, start_tls=False)
    with pytest.raises(LoginError) as info:
        LdapDirectory(auth(slapd, **overrides)).authenticate("mueller", password("mueller"))
    assert info.value.reason == "tls" and "Zertifikat" in info.value.message


def test_wrong_service_account_password_is_a_server_problem_not_a_user_error(slapd):
    config = auth(slapd, bind_password="falsch")
    with pytest.raises(LoginError) as info:
        LdapDirectory(config).authenticate("mueller", password("mueller"))
    assert info.value.reason == "server"


def test_plain_ldap_only_when_explicitly_allowed(tmp_path):
    with pytest.raises(ConfigError, match="auth.url"):
        parse_config({"auth": {"url": "ldap://dc.example:389"}}, tmp_path)
    assert parse_config({"auth": {"url": "ldap://dc.example:389", "allow_plain": True}}, tmp_path).auth.allow_plain
    assert parse_config({"auth": {"url": "ldap://dc.example:389", "start_tls": True}}, tmp_path).auth.start_tls


def test_plain_ldap_works_when_allowed(slapd):
    user = LdapDirectory(auth(slapd, start_tls=False, allow_plain=True)).authenticate("weber", password("weber"))
    assert "group:personal" in user.principals
