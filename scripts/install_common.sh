# Sourced by scripts/install.sh and scripts/uninstall.sh, not run on its own: the options
# both take, the check that they run as root, and whether systemd is to be called.

# install_options FLAG VAR VALUE HELP_LINES ARGS...: reads --root DIR (into root, without
# its trailing slash; default /) and --user NAME (into user; default aktenlotse) from ARGS,
# and the calling script's own flag FLAG, which sets the variable VAR to VALUE; -h/--help
# prints the lines HELP_LINES (sed's form, e.g. 2,6) of the calling script. Exits on an
# unknown option or when not run as root.
install_options() {
    local flag=$1 var=$2 value=$3 help=$4 name
    name="$(basename "$0")"
    shift 4
    root="/"
    user="aktenlotse"
    while [ $# -gt 0 ]; do
        case "$1" in
            --root) root="$2"; shift 2 ;;
            --user) user="$2"; shift 2 ;;
            "$flag") printf -v "$var" '%s' "$value"; shift ;;
            -h|--help) sed -n "${help}p" "$0"; exit 0 ;;
            *) echo "$name: unbekannte Option $1 (siehe --help)" >&2; exit 2 ;;
        esac
    done
    if [ "$(id -u)" -ne 0 ]; then
        echo "$name: bitte als root ausführen (sudo scripts/$name)" >&2
        exit 1
    fi
    root="${root%/}"
}

# systemd_here: true when the installation is into / of a machine that runs systemd (only
# then are units enabled, started or reloaded).
systemd_here() {
    [ -z "$root" ] && [ -d /run/systemd/system ]
}
