"""Login answers an unknown name as fast (or as slow) as a known name with a wrong password,
against the real slapd and the real Samba AD DC: the answer time must not tell which
accounts exist.

The two cases are measured interleaved and compared as a ratio of medians, so a busy machine
slows both alike; the median drops the odd outlier of a shared CI runner.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable

import pytest

from aktenlotse.core.config import AuthConfig
from aktenlotse.identity.directory import LdapDirectory, LoginError, LoginGuard
from tests.test_directory import auth

TRIES = 25
LOW, HIGH = 0.7, 1.4


def _timed_refusal(directory: LdapDirectory, name: str, password: str) -> tuple[float, LoginError]:
    start = time.perf_counter()
    with pytest.raises(LoginError) as info:
        directory.authenticate(name, password)
    return time.perf_counter() - start, info.value


def _compare(directory: LdapDirectory, known: str, unknown: str) -> tuple[float, set[str], set[str]]:
    """Median time for `unknown` divided by the median for `known`, plus the messages and
    reasons seen; the first round of each is a warm-up (TLS session, server caches)."""
    _timed_refusal(directory, known, "Falsch-Passwort-1")
    _timed_refusal(directory, unknown, "Falsch-Passwort-1")
    known_times, unknown_times, messages, reasons = [], [], set(), set()
    for attempt in range(TRIES):
        pairs: list[tuple[str, list[float]]] = [(known, known_times), (unknown, unknown_times)]
        if attempt % 2:
            pairs.reverse()  # neither case always runs second (warm connection caches)
        for name, times in pairs:
            took, error = _timed_refusal(directory, name, f"Falsch-Passwort-{attempt}")
            times.append(took)
            messages.add(error.message)
            reasons.add(error.reason)
    ratio = statistics.median(unknown_times) / statistics.median(known_times)
    print(
        f"known {statistics.median(known_times) * 1000:.1f} ms, unknown "
        f"{statistics.median(unknown_times) * 1000:.1f} ms, ratio {ratio:.2f}"
    )
    return ratio, messages, reasons


def _without_lockout(config: AuthConfig) -> LdapDirectory:
    # The rate limit would answer early (and fast) after a few failures; it is tested elsewhere.
    return LdapDirectory(config, guard=LoginGuard(max_failures=10_000, lockout_min=1))


@pytest.mark.ldap
def test_openldap_unknown_user_takes_as_long_as_a_wrong_password(slapd):
    ratio, messages, reasons = _compare(_without_lockout(auth(slapd)), "mueller", "niemand-hier")
    assert reasons == {"bad_credentials", "unknown_user"}
    assert len(messages) == 1 and "Benutzername oder Passwort" in messages.pop()
    assert LOW <= ratio <= HIGH, ratio


@pytest.mark.ldap
def test_openldap_ambiguous_name_takes_as_long_as_a_wrong_password(slapd):
    # A filter matching two entries is refused before any user bind, like an unknown name.
    config = auth(slapd, user_filter="(|(uid={username})(uid=schmidt))")
    ratio, messages, reasons = _compare(_without_lockout(config), "schmidt", "mueller")
    assert reasons == {"bad_credentials", "ambiguous"}
    assert len(messages) == 1
    assert LOW <= ratio <= HIGH, ratio


def _samba_user(samba_dc, name: str, password: str, *extra: list[str]) -> None:
    conf = ["-s", str(samba_dc.conf)]
    subprocess.run(["samba-tool", "user", "create", name, password, *conf], check=True, capture_output=True)
    for command in extra:
        subprocess.run(["samba-tool", "user", *command, *conf], check=True, capture_output=True)


@pytest.fixture(scope="module")
def samba_timing(samba_dc) -> Callable[[], LdapDirectory]:
    # Own accounts: many wrong passwords on a shared test user would count as bad logins there.
    _samba_user(samba_dc, "zeitmessung", "Zeit-Messung-8!")
    _samba_user(samba_dc, "zeitgesperrt", "Zeit-Gesperrt-9!", ["disable", "zeitgesperrt"])
    config = samba_dc.service_auth()
    return lambda: _without_lockout(config)


@pytest.mark.samba
def test_active_directory_unknown_user_takes_as_long_as_a_wrong_password(samba_timing):
    ratio, messages, reasons = _compare(samba_timing(), "zeitmessung", "niemand-hier")
    assert reasons == {"bad_credentials", "unknown_user"}
    assert len(messages) == 1 and "Benutzername oder Passwort" in messages.pop()
    assert LOW <= ratio <= HIGH, ratio


@pytest.mark.samba
def test_active_directory_disabled_account_takes_as_long_as_a_wrong_password(samba_timing):
    ratio, messages, reasons = _compare(samba_timing(), "zeitmessung", "zeitgesperrt")
    assert reasons == {"bad_credentials", "disabled"}
    assert len(messages) == 1
    assert LOW <= ratio <= HIGH, ratio
