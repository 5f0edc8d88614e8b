#!/usr/bin/env bash
# Sets up Aktenlotse on a fresh Debian machine: system packages (only what is missing),
# a virtual environment in .venv, the Python packages, and the pinned Tika server jar
# (downloaded once into ~/.cache/aktenlotse, checksum checked).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# `--test`: also what the test suite starts for real (OpenLDAP, headless Chromium).
with_tests=0
if [ "${1:-}" = "--test" ]; then with_tests=1; shift; fi

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c "import venv, ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
command -v getfacl >/dev/null 2>&1 || missing+=(acl)
if [ "$with_tests" -eq 1 ]; then
    command -v slapd >/dev/null 2>&1 || missing+=(slapd)
    command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/pip install -q -e '.[test]'
.venv/bin/aktenlotse setup
