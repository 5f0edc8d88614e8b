"""A portal session must not outlive its Active Directory account: the look-up that resumes
a session (and refreshes its roles) refuses a disabled account, against a real Samba AD DC;
"Zugriff prüfen" still explains such an account."""

from __future__ import annotations

import subprocess

import pytest

from aktenlotse.identity.directory import LdapDirectory, LoginError
from tests.test_login_timing import _samba_user


@pytest.mark.samba
def test_a_disabled_account_cannot_resume_a_session(samba_dc):
    _samba_user(samba_dc, "sitzungsende", "Sitzungs-Ende-7!")
    directory = LdapDirectory(samba_dc.service_auth())
    assert directory.lookup("sitzungsende", active_only=True).username == "sitzungsende"

    subprocess.run(
        ["samba-tool", "user", "disable", "sitzungsende", "-s", str(samba_dc.conf)], check=True, capture_output=True
    )
    with pytest.raises(LoginError) as refused:
        directory.lookup("sitzungsende", active_only=True)
    assert refused.value.reason == "disabled" and "gesperrt" in refused.value.message
    assert directory.lookup("sitzungsende").username == "sitzungsende"  # explained, not resumed
