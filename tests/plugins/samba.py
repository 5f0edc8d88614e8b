"""Session fixture: one real Samba AD DC (realm ZEITZ.TEST) with an SMB share (tests/samba_dc.py)."""

import os
import shutil

import pytest

from tests.plugins.requirements import missing_service


@pytest.fixture(scope="session")
def samba_dc(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the Samba AD DC needs root")
    if not shutil.which("samba-tool"):
        missing_service("the Samba AD DC needs the Debian samba package (scripts/setup.sh --test)")
    from tests.samba_dc import provision

    dc = provision(tmp_path_factory.mktemp("samba") / "dc")
    dc.start()
    yield dc
    dc.stop()
