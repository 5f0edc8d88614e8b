#!/usr/bin/env bash
# Removes an Aktenlotse server installation made by scripts/install.sh: the systemd units,
# /opt/aktenlotse and the service user. Config (/etc/aktenlotse), data (/var/lib/aktenlotse)
# and cache (/var/cache/aktenlotse) stay unless --purge is given.
# Options: --root DIR, --user NAME (as for install.sh), --purge
set -euo pipefail
root="/"
user="aktenlotse"
purge=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root="$2"; shift 2 ;;
        --user) user="$2"; shift 2 ;;
        --purge) purge=1; shift ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "uninstall.sh: unbekannte Option $1 (siehe --help)" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" -ne 0 ]; then
    echo "uninstall.sh: bitte als root ausführen" >&2
    exit 1
fi
root="${root%/}"
units=(aktenlotse-portal.service aktenlotse-crawl.service aktenlotse-crawl.timer
       aktenlotse-report.service aktenlotse-report.timer)
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now "${units[@]}" 2>/dev/null || true
fi
for unit in "${units[@]}"; do
    rm -f "$root/etc/systemd/system/$unit"
done
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
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
