"""The progress line of `aktenlotse enrich`: bar, done of due, pace and time left in German."""

from __future__ import annotations

import io

from aktenlotse.cli.embed_progress import ProgressLine, progress_line, summary_line, time_left
from aktenlotse.pipeline.embed_pass import EmbedStats


def test_line_shows_bar_counts_pace_and_time_left():
    # 1.234 of 5.678 in 100 s: the 4.444 left take 360 s at that pace.
    stats = EmbedStats(documents=1200, skipped=34, chunks=4200, seconds=100.0, due=5678)
    assert progress_line(stats) == (
        "Einbettungen [##........] 1.234 von 5.678 Dokumenten · 42,0 Abschnitte/s · noch ca. 6 min"
    )


def test_time_left_is_unknown_before_the_first_group():
    line = progress_line(EmbedStats(due=5678))
    assert line == "Einbettungen [..........] 0 von 5.678 Dokumenten · Restzeit noch unbekannt"


def test_nothing_due_has_no_bar():
    line = progress_line(EmbedStats(due=0))
    assert line == "Einbettungen: nichts zu tun"
    assert "[" not in line


def test_bar_is_full_at_the_end_and_stays_full_when_documents_were_added():
    assert progress_line(EmbedStats(documents=1, chunks=3, seconds=2.0, due=1)) == (
        "Einbettungen [##########] 1 von 1 Dokument · 1,5 Abschnitte/s · gleich fertig"
    )
    grown = progress_line(EmbedStats(documents=12, chunks=12, seconds=1.0, due=10), width=4)
    assert grown.startswith("Einbettungen [####] 12 von 12 Dokumenten ·")


def test_time_left_is_in_the_unit_a_reader_plans_with():
    assert time_left(0) == "gleich fertig"
    assert time_left(0.2) == "noch ca. 1 s"
    assert time_left(59.5) == "noch ca. 60 s"
    assert time_left(61) == "noch ca. 1 min" and time_left(91) == "noch ca. 2 min"
    assert time_left(3599) == "noch ca. 1 h"
    assert time_left(2 * 3600 + 4 * 60 + 1) == "noch ca. 2 h 4 min"


def test_progress_line_writes_over_itself_and_ends_the_line_once():
    stream = io.StringIO()
    show = ProgressLine(stream)
    show.finish()
    assert stream.getvalue() == ""  # nothing shown, no empty line
    show(EmbedStats(due=3))
    show(EmbedStats(documents=3, chunks=3, seconds=1.0, due=3))
    show.finish()
    show.finish()
    written = stream.getvalue()
    assert written.count("\r") == 2 and written.endswith("gleich fertig\x1b[K\n")
    assert written.count("\n") == 1


def test_summary_line_writes_german_numbers():
    stats = EmbedStats(model="use-static", documents=1234, chunks=5678, skipped=3, seconds=12.5, complete=True)
    assert summary_line(stats.as_dict()) == (
        "Modell use-static: 1.234 Dokumente, 5.678 Abschnitte eingebettet, 3 übersprungen in 12,5 s "
        "(98,7 Dokumente/s, 454,2 Abschnitte/s); alle Dokumente haben Vektoren."
    )
    waiting = EmbedStats(model="e5-small", documents=1, chunks=2, seconds=1.0, complete=False)
    assert summary_line(waiting.as_dict()).endswith("; weitere Dokumente warten (erneut aufrufen).")
