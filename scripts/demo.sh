#!/usr/bin/env bash
# Sets up Aktenlotse and runs the demo: a sample town share is built, crawled and searched.
# Extra arguments go to `aktenlotse demo` (e.g. --no-serve, --dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/aktenlotse demo "$@"
