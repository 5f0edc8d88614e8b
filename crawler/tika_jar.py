"""The pinned Apache Tika server jar: where it is cached and how `aktenlotse setup` gets it.

The crawl never downloads anything: it only calls `tika_jar_path` and, if the jar is
missing, `require_tika_jar` fails with a message telling the admin to run
`aktenlotse setup` (which calls `fetch_tika_jar`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import requests

from aktenlotse.core.cache_dir import default_cache_dir

TIKA_VERSION = "3.2.2"
TIKA_JAR_NAME = f"tika-server-standard-{TIKA_VERSION}.jar"
TIKA_JAR_SHA256 = "04bcb61826403957cfab93cb1e14d4c305fbeb949475f031b0b73dab7e976995"
TIKA_JAR_URL = f"https://repo1.maven.org/maven2/org/apache/tika/tika-server-standard/{TIKA_VERSION}/{TIKA_JAR_NAME}"

_CHUNK = 1 << 20


class TikaSetupError(OSError):
    """The Tika server cannot be provided (jar missing or bad, download failed, no Java).

    An OSError: like a missing file, it is a problem of the machine, not of a document,
    and callers that report OSErrors as one-line messages report this one too."""


def tika_jar_path(cache_dir: Path | None = None) -> Path:
    """Where the pinned jar lives (it may not exist yet); without `cache_dir` the default
    cache (aktenlotse.core.cache_dir: $AKTENLOTSE_CACHE_DIR or ~/.cache/aktenlotse)."""
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return base / "tika" / TIKA_JAR_NAME


def require_tika_jar(jar: Path | None = None) -> Path:
    """The jar to run at crawl time; a clear error if it was never fetched."""
    path = Path(jar) if jar is not None else tika_jar_path()
    if not path.is_file():
        raise TikaSetupError(
            f"Tika-Server nicht gefunden: {path}. Bitte einmal `aktenlotse setup` ausführen "
            "(lädt Apache Tika von Maven Central in den Cache)."
        )
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def fetch_tika_jar(cache_dir: Path | None = None, *, timeout_s: float = 60.0) -> Path:
    """Download the pinned jar once into the cache and return its path.

    Streams to a temp file beside the target, checks the sha256, then renames atomically,
    so a half-finished or tampered download never looks like a valid jar. A jar that is
    already there is trusted only if its checksum matches (a bad one is replaced).
    """
    target = tika_jar_path(cache_dir)
    if target.is_file():
        if _sha256(target) == TIKA_JAR_SHA256:
            return target
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tika-", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            try:
                with requests.get(TIKA_JAR_URL, stream=True, timeout=timeout_s) as resp:
                    resp.raise_for_status()
                    for block in resp.iter_content(_CHUNK):
                        out.write(block)
                        h.update(block)
            except requests.RequestException as exc:
                raise TikaSetupError(f"Download von {TIKA_JAR_URL} fehlgeschlagen: {exc}") from exc
        digest = h.hexdigest()
        if digest != TIKA_JAR_SHA256:
            raise TikaSetupError(
                f"Prüfsumme von {TIKA_JAR_URL} stimmt nicht (erwartet {TIKA_JAR_SHA256}, "
                f"erhalten {digest}); Download verworfen."
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
