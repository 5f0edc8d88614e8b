"""In CI a missing service fails the test instead of skipping it."""

import subprocess
import sys

PROBE = (
    "from tests.plugins.requirements import missing_service\n\n"
    "def test_probe():\n    missing_service('slapd missing')\n"
)


def run_probe(tmp_path, env_value):
    (tmp_path / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[1])}
    if env_value is not None:
        env["AKTENLOTSE_REQUIRE_SERVICES"] = env_value
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", str(tmp_path / "test_probe.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


def test_missing_service_skips_for_developers_and_fails_in_ci(tmp_path):
    developer = run_probe(tmp_path, None)
    assert developer.returncode == 0 and "1 skipped" in developer.stdout
    ci = run_probe(tmp_path, "1")
    assert ci.returncode == 1 and "1 failed" in ci.stdout and "slapd missing" in ci.stdout
