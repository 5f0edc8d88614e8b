#!/usr/bin/env bash
# Removes an Aktenlotse server installation made by scripts/install.sh: the systemd units,
# /opt/aktenlotse and the service user. Config (/etc/aktenlotse), data (/var/lib/aktenlotse)
# and cache (/var/cache/aktenlotse) stay unless --purge is given.
# Options: --root DIR, --user NAME (as for install.sh), --purge
set -euo pipefail
# shellcheck source=scripts/install_common.sh
source "$(dirname "$0")/install_common.sh"

purge=0
install_options --purge purge 1 2,5 "$@"
units=(aktenlotse-portal.service aktenlotse-crawl.service aktenlotse-crawl.timer
       aktenlotse-report.service aktenlotse-report.timer)
if systemd_here; then
    systemctl disable --now "${units[@]}" 2>/dev/null || true
fi
for unit in "${units[@]}"; do
    rm -f "$root/etc/systemd/system/$unit"
done
if systemd_here; then
    systemctl daemon-reload
fi
rm -rf "$root/opt/aktenlotse"
if getent passwd "$user" >/dev/null; then
    userdel "$user"
fi
if [ "$purge" -eq 1 ]; then
    rm -rf "$root/etc/aktenlotse" "$root/var/lib/aktenlotse" "$root/var/cache/aktenlotse"
    echo "Aktenlotse entfernt, samt Konfiguration, Daten und Cache."
else
    echo "Aktenlotse entfernt. Behalten: $root/etc/aktenlotse, $root/var/lib/aktenlotse, $root/var/cache/aktenlotse (--purge löscht sie)."
fi
