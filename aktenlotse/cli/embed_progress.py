"""The progress line of `aktenlotse enrich` on a terminal (a bar, done of due, pace, time left)
and its closing summary line.

`progress_line` is pure (tested on its own); `ProgressLine` only writes it over the
previous one. tqdm (the crawl's bar) is not used here: its counts and times are English
("1,234", "00:03"), and this line is read by German users.
"""

from __future__ import annotations

import math
import shutil
from typing import Any, TextIO

from aktenlotse.pipeline.embed_pass import EmbedStats
from aktenlotse.text.sizes import decimal, grouped

LABEL = "Einbettungen"


def progress_line(stats: EmbedStats, width: int = 10) -> str:
    """One line such as "Einbettungen [#####.....] 1.234 von 5.678 Dokumenten ·
    42,0 Abschnitte/s · noch ca. 3 min"; without a bar when nothing is due."""
    if stats.due <= 0:
        return f"{LABEL}: nichts zu tun"
    # Documents the crawl adds meanwhile are embedded too: the bar then stays full.
    total = max(stats.due, stats.done)
    filled = min(width, width * stats.done // total)
    bar = "#" * filled + "." * (width - filled)
    noun = "Dokument" if total == 1 else "Dokumenten"
    head = f"{LABEL} [{bar}] {grouped(stats.done)} von {grouped(total)} {noun}"
    remaining = stats.remaining_seconds
    if remaining is None:
        return f"{head} · Restzeit noch unbekannt"
    pace = f"{decimal(stats.chunks_per_s)} Abschnitte/s"
    return f"{head} · {pace} · {time_left(remaining)}"


def time_left(seconds: float) -> str:
    """The remaining time in the unit a reader plans with ("noch ca. 3 min"); under a
    minute rounded up, so it never says 0 s while work is left."""
    if seconds <= 0:
        return "gleich fertig"
    if seconds < 60:
        return f"noch ca. {math.ceil(seconds)} s"
    minutes = math.floor(seconds / 60 + 0.5)
    if minutes < 60:
        return f"noch ca. {minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"noch ca. {hours} h {minutes} min" if minutes else f"noch ca. {hours} h"


def summary_line(stats: dict[str, Any]) -> str:
    """What one pass did (`EmbedStats.as_dict`), in German numbers: "Modell use-static:
    1.234 Dokumente, 5.678 Abschnitte eingebettet, 3 übersprungen in 12,5 s (…)"."""
    rest = "alle Dokumente haben Vektoren" if stats["complete"] else "weitere Dokumente warten (erneut aufrufen)"
    return (
        f"Modell {stats['model']}: {grouped(stats['documents'])} Dokumente, "
        f"{grouped(stats['chunks'])} Abschnitte eingebettet, {grouped(stats['skipped'])} übersprungen "
        f"in {decimal(stats['seconds'])} s ({decimal(stats['docs_per_s'])} Dokumente/s, "
        f"{decimal(stats['chunks_per_s'])} Abschnitte/s); {rest}."
    )


def vector_index_progress_line(done: int, total: int, width: int = 10) -> str:
    """ "Vektorindex [#####.....] 250.000 von 500.000 Abschnitten" while it is built."""
    total = max(total, done, 1)
    filled = min(width, width * done // total)
    return f"Vektorindex [{'#' * filled}{'.' * (width - filled)}] {grouped(done)} von {grouped(total)} Abschnitten"


def vector_index_line(built: dict[str, Any]) -> str:
    """What a vector index build did (`Backend.refresh_vector_index`)."""
    return (
        f"Vektorindex neu aufgebaut: {grouped(built['documents'])} Dokumente, "
        f"{grouped(built['chunks'])} Abschnitte (schnelle Suche nach Bedeutung)."
    )


class ProgressLine:
    """Writes each new progress line over the last one on a terminal stream."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.shown = False

    def __call__(self, stats: EmbedStats) -> None:
        self.show(progress_line(stats))

    def show(self, line: str) -> None:
        # A line wider than the terminal wraps, and "\r" would then rewrite only its tail.
        columns = shutil.get_terminal_size().columns
        print(f"\r{line[: max(1, columns - 1)]}\x1b[K", end="", file=self.stream, flush=True)
        self.shown = True

    def finish(self) -> None:
        """End the line, so what follows starts on a line of its own."""
        if self.shown:
            print(file=self.stream, flush=True)
            self.shown = False


class VectorIndexLine:
    """The progress line of a vector index build (`refresh_vector_index`'s callback)."""

    def __init__(self, stream: TextIO):
        self.line = ProgressLine(stream)

    def __call__(self, done: int, total: int) -> None:
        self.line.show(vector_index_progress_line(done, total))

    def finish(self) -> None:
        self.line.finish()
