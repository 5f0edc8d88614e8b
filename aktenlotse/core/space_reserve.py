"""A small ballast file in the data directory, given up when the disk is full.

A crawl that fills the disk must still be able to close its run as failed with the reason
(else it would stay "running" forever); the few pages that needs come from this file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

RESERVE_NAME = ".platzreserve"
RESERVE_BYTES = 512 * 1024


def ensure_reserve(data_dir: Path) -> None:
    """Create the ballast file unless it is there; silently skipped when there is no
    room (then there is nothing to give back, but the caller still works)."""
    path = data_dir / RESERVE_NAME
    try:
        if path.exists() and path.stat().st_size >= RESERVE_BYTES:
            return
        with open(path, "wb") as reserve:
            reserve.write(b"\0" * RESERVE_BYTES)
            reserve.flush()
            os.fsync(reserve.fileno())  # blocks really taken, not promised
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def release_reserve(data_dir: Path) -> bool:
    """Free the ballast file; True when there was one to free."""
    try:
        (data_dir / RESERVE_NAME).unlink()
        return True
    except OSError:
        return False
