#!/usr/bin/env bash
# The static checks CI runs before the tests (scripts/test.sh) and pre-commit runs before a
# commit: ruff (lint and format), mypy, and the import rules (import-linter). Every check
# runs, so one run shows all findings; the exit code is 1 when any of them failed, and the
# last line names the ones that did.
# Needs .venv with the `test` extra (scripts/setup.sh --test).
set -uo pipefail
cd "$(dirname "$0")/.."
# From a plain checkout: the root on the path, so aktenlotse.<stage> resolves through the
# links in aktenlotse/ exactly as in the installed package.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

failed=()
run_check() {
    local name=$1
    shift
    echo "== $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

run_check "ruff check" .venv/bin/ruff check .
run_check "ruff format" .venv/bin/ruff format --check .
run_check "mypy" .venv/bin/mypy
run_check "import rules" .venv/bin/lint-imports

if [ "${#failed[@]}" -gt 0 ]; then
    joined=$(printf ', %s' "${failed[@]}")
    echo "Static checks failed: ${joined:2} (see the findings above)" >&2
    exit 1
fi
echo "Static checks passed: ruff check, ruff format, mypy, import rules"
