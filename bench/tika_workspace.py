"""The setting every extraction benchmark runs in: a temporary work folder and a managed
Tika server logging into it, both stopped and removed when the benchmark ends (also on a
failed run)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aktenlotse.crawler.tika_jar import fetch_tika_jar
from aktenlotse.crawler.tika_managed import ManagedTikaServer


@contextlib.contextmanager
def tika_workspace(prefix: str, **server_options: Any) -> Iterator[tuple[Path, ManagedTikaServer]]:
    """A fresh work folder (named with `prefix`) and a started Tika server; both gone afterwards.

    `server_options` go to `ManagedTikaServer` (e.g. `heap_mb`).
    """
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        server = ManagedTikaServer(fetch_tika_jar(), log_dir=work, **server_options)
        server.start()
        try:
            yield work, server
        finally:
            server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
