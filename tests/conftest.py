"""Shared fixtures. Real services are started once per test session (see tests/plugins/)."""

pytest_plugins = [
    "tests.plugins.tika",
    "tests.plugins.slapd",
    "tests.plugins.search_server",
    "tests.plugins.elasticsearch",
    "tests.plugins.opensearch",
    "tests.plugins.nginx",
    "tests.plugins.samba",
]

import os  # noqa: E402 - after pytest_plugins, which pytest reads first
import shutil  # noqa: E402 - after pytest_plugins, which pytest reads first
import tempfile  # noqa: E402 - after pytest_plugins, which pytest reads first

import pytest  # noqa: E402 - after pytest_plugins, which pytest reads first


def pytest_configure(config):
    """The folders above a source root count for access, as the kernel checks them on the
    way in. pytest's shared temporary root is forced to 0700 by every session that starts
    (which would hide every test share from every user but the owner, at random moments
    when sessions overlap), so each session gets its own traversable root instead."""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        parent = tempfile.mkdtemp(prefix="aktenlotse-pytest-")
        os.chmod(parent, 0o755)
        config.option.basetemp = os.path.join(parent, "t")
        config._aktenlotse_temp_parent = parent


def pytest_unconfigure(config):
    parent = getattr(config, "_aktenlotse_temp_parent", None)
    if parent:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def traversable_temp_folders(tmp_path_factory):
    """Every folder pytest makes (0700 by default) is traversable, like the folders above a
    real share; a test that wants a closed folder closes one itself."""
    base = tmp_path_factory.getbasetemp()
    if base.stat().st_uid == os.geteuid():
        os.chmod(base, 0o755)
    factory = type(tmp_path_factory)
    original = factory.mktemp

    def mktemp(self, basename: str, numbered: bool = True):
        path = original(self, basename, numbered)
        os.chmod(path, 0o755)
        return path

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factory, "mktemp", mktemp)
        yield
