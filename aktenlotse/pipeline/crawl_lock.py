"""One crawl at a time per data directory (a nightly timer and the admin's button must
not write the same state at once). The lock is an flock: it vanishes with its process,
also after kill -9."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aktenlotse.core.config import ConfigError

LOCK_NAME = "crawl.lock"


class CrawlRunning(ConfigError):
    """Another crawl holds the lock."""


@contextmanager
def crawl_lock(data_dir: Path) -> Iterator[None]:
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held (and locked) for the whole context
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise CrawlRunning(
            "Ein Crawl läuft bereits für dieses Datenverzeichnis; bitte warten, bis er fertig ist."
        ) from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def crawl_running(data_dir: Path) -> bool:
    path = data_dir / LOCK_NAME
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
