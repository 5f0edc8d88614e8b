#!/usr/bin/env bash
# Installs (or upgrades in place) Aktenlotse as a server service on Debian 12/13, as root:
#   system user aktenlotse, code in /opt/aktenlotse (own venv, the package installed from a
#   wheel built from this checkout), config /etc/aktenlotse/aktenlotse.toml (created once,
#   never overwritten), data /var/lib/aktenlotse, Tika jar and model caches
#   /var/cache/aktenlotse, systemd units from deploy/ (logs go to the journal).
# Running it again upgrades: new code, venv updated, config kept, data migrated.
#
# Options:
#   --root DIR     install everything below DIR instead of / (paths in the units follow;
#                  for tests and chroots). systemctl is only called for --root /.
#   --user NAME    service account (default aktenlotse)
#   --no-packages  do not install missing Debian packages
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/install_common.sh
source "$src/scripts/install_common.sh"

packages=1
install_options --no-packages packages 0 2,13 "$@"

opt="$root/opt/aktenlotse"
etc="$root/etc/aktenlotse"
data="$root/var/lib/aktenlotse"
cache="$root/var/cache/aktenlotse"
units="$root/etc/systemd/system"
venv="$opt/venv"

# What the product needs at run time (the test-only packages are setup.sh --test's job).
if [ "$packages" -eq 1 ]; then
    missing=()
    for pkg in python3 python3-venv tesseract-ocr tesseract-ocr-deu acl; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    # Java 17 on Debian 12, 21 on Debian 13: the distribution's default headless JRE.
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "Debian-Pakete werden installiert: ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
fi

if ! getent passwd "$user" >/dev/null; then
    echo "Systembenutzer $user wird angelegt"
    useradd --system --user-group --home-dir "$data" --no-create-home \
        --shell /usr/sbin/nologin --comment "Aktenlotse" "$user"
fi
group="$(id -gn "$user")"

install -d -m 755 "$opt"
install -d -m 750 -o root -g "$group" "$etc"
install -d -m 750 -o "$user" -g "$group" "$data"
install -d -m 755 -o "$user" -g "$group" "$cache"
install -d -m 755 "$units"

# The code: a wheel built from a clean copy of the checkout (no editable install that
# points back into it; the checkout can be deleted afterwards).
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
tar -C "$src" --exclude=./.venv --exclude=./.git --exclude='*.egg-info' --exclude=./build \
    --exclude=./test-artifacts --exclude='__pycache__' -cf - . | tar -C "$build" -xf -
# Debian's own Python: the service user cannot run an interpreter under root's home (pyenv).
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$venv/bin/python" -m pip wheel -q --no-deps -w "$build/wheel" "$build" 2>"$build/wheel.log" \
    || { cat "$build/wheel.log" >&2; exit 1; }
wheel="$(ls "$build"/wheel/aktenlotse-*.whl)"
"$venv/bin/python" -m pip install -q "$wheel"
# Same version number as the installed one on an upgrade: replace the code regardless.
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"
install -m 644 "$src/README.md" "$opt/README.md"
rm -rf "$opt/deploy" && cp -r "$src/deploy" "$opt/deploy"

cli="$venv/bin/aktenlotse"
config="$etc/aktenlotse.toml"
if [ ! -e "$config" ]; then
    "$cli" init "$config" >/dev/null
    # The example's data_dir is relative to the file; a server keeps it in /var/lib.
    sed -i "s|^data_dir = \"data\".*|data_dir = \"$data\"\ncache_dir = \"$cache\"|" "$config"
    grep -q "^data_dir = \"$data\"" "$config" || { echo "install.sh: data_dir in $config nicht gesetzt" >&2; exit 1; }
    echo "Konfiguration angelegt: $config (Quellen und [auth] eintragen, dann: aktenlotse doctor)"
fi
chown root:"$group" "$config"
chmod 640 "$config"
secrets="$etc/secrets"
if [ ! -e "$secrets" ]; then
    printf '%s\n' "# Secrets for the Aktenlotse units (systemd reads this file as root)." \
        "#AKTENLOTSE_LDAP_BIND_PASSWORD=" "#AKTENLOTSE_SMB_USER=" "#AKTENLOTSE_SMB_PASSWORD=" > "$secrets"
fi
chown root:root "$secrets"
chmod 600 "$secrets"

# The Tika jar: reuse one that setup.sh fetched for the installing user (the checksum is
# checked by `aktenlotse setup` either way), else download it once.
if compgen -G "$HOME/.cache/aktenlotse/tika/tika-server-standard-*.jar" >/dev/null; then
    install -d -m 755 -o "$user" -g "$group" "$cache/tika"
    for jar in "$HOME"/.cache/aktenlotse/tika/tika-server-standard-*.jar; do
        [ -e "$cache/tika/$(basename "$jar")" ] || cp "$jar" "$cache/tika/"
    done
fi
AKTENLOTSE_CACHE_DIR="$cache" "$cli" --config "$config" setup
# A reinstalled user may have a new uid: the data must stay the service's.
chown -R "$user":"$group" "$data" "$cache"

for unit in "$src"/deploy/*.service "$src"/deploy/*.timer; do
    sed -e "s|/opt/aktenlotse|$opt|g" -e "s|/etc/aktenlotse|$etc|g" -e "s|/var/lib/aktenlotse|$data|g" \
        -e "s|/var/cache/aktenlotse|$cache|g" -e "s|^User=aktenlotse$|User=$user|" \
        -e "s|^Group=aktenlotse$|Group=$group|" "$unit" > "$units/$(basename "$unit")"
    chmod 644 "$units/$(basename "$unit")"
done

# Migrate the data directory: opening the state DB and the index upgrades their schema.
if [ -e "$data/state.sqlite" ]; then
    runuser -u "$user" -- env AKTENLOTSE_CONFIG="$config" AKTENLOTSE_CACHE_DIR="$cache" HOME="$data" \
        "$cli" status >/dev/null
fi

if systemd_here; then
    systemctl daemon-reload
    systemctl enable --now aktenlotse-crawl.timer aktenlotse-report.timer
    systemctl enable aktenlotse-portal.service
    systemctl try-restart aktenlotse-portal.service
    echo "Portal starten: systemctl start aktenlotse-portal (Protokoll: journalctl -u aktenlotse-portal)"
fi
echo "Aktenlotse installiert: $opt (Konfiguration $config, Daten $data)"
echo "Prüfen: sudo -u $user AKTENLOTSE_CONFIG=$config $cli doctor"
