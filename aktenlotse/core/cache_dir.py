"""Where Aktenlotse keeps what it downloads or derives once (the Tika jar, model caches).

A developer's checkout uses ~/.cache/aktenlotse; a server installation points it at
/var/cache/aktenlotse (env AKTENLOTSE_CACHE_DIR in the systemd units, or `cache_dir` in
the config file), so that the service user finds the jar root fetched at install time.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "AKTENLOTSE_CACHE_DIR"
# The older name, still read so that existing setups and benchmark caches keep working.
LEGACY_CACHE_ENV = "AKTENLOTSE_CACHE"


def default_cache_dir() -> Path:
    """$AKTENLOTSE_CACHE_DIR, else $AKTENLOTSE_CACHE, else ~/.cache/aktenlotse."""
    env = os.environ.get(CACHE_DIR_ENV) or os.environ.get(LEGACY_CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "aktenlotse"
