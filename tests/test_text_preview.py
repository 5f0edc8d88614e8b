"""The text preview of a hit: the start of the text with the query's words marked, read
as the user (a document the user may not read has no preview)."""

import pytest

from aktenlotse.enrich.nlp import analyzer
from aktenlotse.portal.markdown_text import preview_html
from aktenlotse.search.query_parser import parse_query
from aktenlotse.search.snippets import PREVIEW_CHARS, make_preview
from aktenlotse.services.search import text_preview
from tests.conformance_corpus import BAUAMT, EVERYONE, embedded_corpus


def preview(text: str, query: str, **kwargs) -> str:
    return make_preview(text, parse_query(query, analyzer()), analyzer(), **kwargs)


def test_query_words_are_marked_in_their_forms():
    shown = preview("Die Anträge zum Bauantrag liegen vor.\nEin Antrag fehlt.", "Antrag")
    assert shown == "Die <mark>Anträge</mark> zum <mark>Bauantrag</mark> liegen vor.\nEin <mark>Antrag</mark> fehlt."


def test_the_start_is_cut_at_a_word_end_and_says_that_more_follows():
    text = ("Wort " * 1000) + "Antrag"
    shown = preview(text, "Antrag")
    assert shown.endswith(" …") and "<mark>" not in shown  # the match lies beyond the preview
    assert len(shown) <= PREVIEW_CHARS + 2 and shown[:-2].endswith("Wort")
    assert preview("kurz", "x") == "kurz"


def test_markup_is_escaped_and_line_breaks_kept_without_runs_of_empty_lines():
    shown = preview("<b>Antrag</b>\r\n\r\n\r\n\tzweite   Zeile", "Antrag")
    assert shown == "&lt;b&gt;<mark>Antrag</mark>&lt;/b&gt;\n\nzweite Zeile"
    html = preview_html(shown)
    assert "\n" not in html and html.count("<br>") == 2
    assert "<mark>Antrag</mark>" in html and "<b>" not in html


@pytest.fixture
def backend(tmp_path):
    with embedded_corpus(tmp_path / "index.sqlite") as index:
        yield index


def test_the_preview_is_read_as_the_user(backend):
    shown = text_preview(backend, "intern-1", BAUAMT, "Sonnenhang")
    assert shown is not None and "<mark>Sonnenhang</mark>" in shown
    assert shown.startswith("Vertraulicher Vermerk zum Projekt") and "Grundstücksankauf" in shown
    assert text_preview(backend, "intern-1", EVERYONE, "Sonnenhang") is None  # not readable: nothing
    assert text_preview(backend, "gibt-es-nicht", BAUAMT, "Sonnenhang") is None
