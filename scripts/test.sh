#!/usr/bin/env bash
# Sets up everything the tests need on a fresh machine, runs the static checks
# (scripts/checks.sh) and then the whole test suite.
# Extra arguments go to pytest (e.g. `scripts/test.sh -m tika_server`).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test || { echo "setup failed" >&2; exit 1; }

# Findings of ruff, mypy or the import rules fail the run before a test starts (they are
# cheaper to read than a failing test, and CI must not pass with them).
bash scripts/checks.sh || { echo "static checks failed: no tests run" >&2; exit 1; }

mkdir -p test-artifacts
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    # pytest's "no tests collected": for the full suite that means something is broken.
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
