"""Crawling the Samba share with a Kerberos ticket instead of a password: the service
account's ticket from the DC's own KDC (kinit), no credentials in the configuration, the
same files and permissions as over NTLM, in the crawler and in its reader processes."""

import dataclasses
import importlib.util
import socket
import subprocess
from pathlib import Path

import pytest

from aktenlotse.crawler.smb_source import SmbSource
from aktenlotse.crawler.source import SourceUnavailable
from tests.plugins.requirements import missing_service
from tests.samba_dc import FULL, OICI, READ, REALM, SERVICE_PASSWORD, SERVICE_USER, ShareAdmin, crawler_source_config

pytestmark = pytest.mark.samba
FOLDER = "Kerberos"

KRB5_CONF = f"""[libdefaults]
    default_realm = {REALM}
    dns_lookup_realm = false
    dns_lookup_kdc = false
    rdns = false
    dns_canonicalize_hostname = false

[realms]
    {REALM} = {{
        kdc = 127.0.0.1
    }}
"""


@pytest.fixture(scope="module")
def host_name():
    """Kerberos needs the server's name (its SPN), not an address: the machine's host name,
    which the test DC registered and which must point to the loopback the DC listens on."""
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        address = ""
    if address != "127.0.0.1":
        pytest.skip(f"host name {name!r} does not resolve to 127.0.0.1 (the test DC listens on loopback only)")
    if not all(importlib.util.find_spec(m) for m in ("gssapi", "krb5")):
        missing_service("the kerberos extra is not installed (scripts/setup.sh --test installs it)")
    return name


@pytest.fixture(scope="module")
def share(samba_dc):
    admin = ShareAdmin(samba_dc)
    admin.mkdir(FOLDER)
    admin.set_acl(
        FOLDER, [("A", OICI, FULL, "S-1-5-32-544"), ("A", OICI, READ, samba_dc.sid(SERVICE_USER))], protected=True
    )
    for i in range(20):
        admin.write(f"{FOLDER}/vermerk{i:02}.txt", f"Vermerk {i}".encode())
    admin.set_acl(
        f"{FOLDER}/vermerk07.txt",
        [("A", 0, READ, samba_dc.sid("bauamt")), ("A", 0, READ, samba_dc.sid(SERVICE_USER))],
        protected=True,
    )
    yield admin
    admin.close()


@pytest.fixture()
def kerberos_env(tmp_path, monkeypatch):
    conf = tmp_path / "krb5.conf"
    conf.write_text(KRB5_CONF)
    monkeypatch.setenv("KRB5_CONFIG", str(conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'ccache'}")
    return tmp_path


def _kinit() -> None:
    subprocess.run(
        ["kinit", f"{SERVICE_USER}@{REALM}"], input=SERVICE_PASSWORD + "\n", text=True, check=True, capture_output=True
    )


def _permissions(src: SmbSource) -> dict:
    try:
        return {e.path: (e.allow, e.deny) for e in src.walk()}
    finally:
        src.close()


@pytest.mark.parametrize("connections", [1, 2])
def test_ticket_instead_of_password_sees_the_same(samba_dc, share, host_name, kerberos_env, connections):
    with_password = _permissions(SmbSource(crawler_source_config(samba_dc, name="k", path=FOLDER)))
    _kinit()
    config = dataclasses.replace(
        crawler_source_config(samba_dc, name="k", path=FOLDER, smb_connections=connections),
        smb_server=host_name,
        smb_username="",
        smb_password="",
        root=Path(f"//{host_name}/{samba_dc.share}/{FOLDER}"),
    )
    src = SmbSource(config)
    assert src.display_path("vermerk00.txt") == f"\\\\{host_name}\\{samba_dc.share}\\{FOLDER}\\vermerk00.txt"
    with_ticket = _permissions(src)
    assert len(with_ticket) == 20 and with_ticket == with_password
    assert "sid:" + samba_dc.sid("bauamt") in with_ticket["vermerk07.txt"][0]


def test_without_ticket_the_message_names_kerberos(samba_dc, share, host_name, kerberos_env):
    config = dataclasses.replace(
        crawler_source_config(samba_dc, name="k", path=FOLDER), smb_server=host_name, smb_username="", smb_password=""
    )
    with pytest.raises(SourceUnavailable, match="kein gültiges Kerberos-Ticket"):
        list(SmbSource(config).listings())
