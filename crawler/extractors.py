"""Choose the Extractor from config (`extractor.kind`); the rest of the code never imports
a concrete extractor."""

from __future__ import annotations

from pathlib import Path

from aktenlotse.crawler.extractor import Extractor
from aktenlotse.crawler.inprocess import InProcessExtractor
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.crawler.tika_jar import tika_jar_path
from aktenlotse.crawler.tika_managed import ManagedTikaServer

EXTRACTOR_KINDS = ("managed", "external", "inprocess")


def make_extractor(
    kind: str,
    *,
    jar: Path | None,
    java: str,
    urls: list[str],
    heap_mb: int,
    task_timeout_s: float,
    log_dir: Path | None,
) -> Extractor:
    """Build (not start) the extractor for `kind`.

    managed: a Tika server on loopback that Aktenlotse starts itself (`jar`, `java`,
    `heap_mb`, `task_timeout_s`, `log_dir`); external: the Tika servers at `urls`;
    inprocess: `iscc-tika`, no Java needed, each worker bounded to `heap_mb` of memory.
    Call `start()` before the first `extract`.
    """
    if kind == "managed":
        server = ManagedTikaServer(
            jar=Path(jar) if jar is not None else tika_jar_path(),
            java=java,
            heap_mb=heap_mb,
            task_timeout_s=task_timeout_s,
            log_dir=log_dir,
        )
        return TikaServerExtractor(managed=server, request_timeout_s=task_timeout_s)
    if kind == "external":
        if not urls:
            raise ValueError('extractor.urls: für extractor.kind = "external" mindestens eine Tika-URL angeben')
        return TikaServerExtractor(urls=list(urls), request_timeout_s=task_timeout_s)
    if kind == "inprocess":
        return InProcessExtractor(memory_mb=heap_mb)
    raise ValueError(f"extractor.kind: unbekannter Wert {kind!r} (erlaubt: {', '.join(EXTRACTOR_KINDS)})")
