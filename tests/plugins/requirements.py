"""A real service a test needs is missing: skip on a developer's machine, fail in CI.

CI (.ci/run) sets AKTENLOTSE_REQUIRE_SERVICES=1, so that a missing install step in
scripts/setup.sh turns the build red instead of hiding behind "skipped"."""

import os

import pytest

REQUIRE_ENV = "AKTENLOTSE_REQUIRE_SERVICES"


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def missing_service(reason: str) -> None:
    """Skip (or, in CI, fail) the calling test because a service or package is missing."""
    if services_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1: a missing service fails)", pytrace=False)
    pytest.skip(reason)
