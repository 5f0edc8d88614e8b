"""Session fixture: one real OpenLDAP slapd with the AD-like test tree (tests/ldap_directory.py)."""

import pytest

from tests.ldap_directory import provision


@pytest.fixture(scope="session")
def slapd(tmp_path_factory):
    server = provision(tmp_path_factory.mktemp("slapd") / "ldap")
    server.start()
    yield server
    server.stop()
