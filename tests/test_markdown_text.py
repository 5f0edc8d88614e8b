"""User-controlled strings rendered as literal text by Markdown: checked by the escaping
rule itself and by rendering with markdown-it-py (CommonMark plus the tables and
strikethrough of GitHub Markdown, which Streamlit renders too). The real Streamlit page is
checked in tests/test_portal_browser.py."""

import html
import importlib.util

import pytest

from aktenlotse.portal import markdown_text as md

HOSTILE = [
    "[Klick](https://example.org) x.pdf",
    "![bild](https://example.org/x.png)",
    "**fett** _schräg_ ~~weg~~ `code`",
    "# Überschrift",
    "1. Liste",
    "- Punkt",
    "> Zitat",
    "<script>alert(1)</script>",
    "<https://example.org>",
    ":red[rot] :smile: $x^2$",
    "a | b | c",
    "Zeile\n\n# neu",
    "\\[schon escaped\\]",
    "Bauamt\\632\\Antrag (2023).docx",
    "https://example.org/x www.example.org post@example.org",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_escapes_every_markdown_character(value):
    escaped = md.text(value)
    assert "\n" not in escaped
    # Every ASCII punctuation character is preceded by a backslash that is not itself escaped.
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            assert i + 1 < len(escaped) and not escaped[i + 1].isalnum(), escaped
            i += 2
            continue
        assert (
            escaped[i].isalnum()
            or escaped[i] in " äöüÄÖÜß^" + md.JOINER
            or ord(escaped[i]) > 127
            or escaped[i].isspace()
        ), escaped
        i += 1


@pytest.mark.parametrize("value", HOSTILE)
def test_text_renders_as_the_literal_text(value):
    markdown_it = pytest.importorskip("markdown_it")
    parser = markdown_it.MarkdownIt("commonmark", {"linkify": True}).enable("table").enable("strikethrough")
    if importlib.util.find_spec("linkify_it"):
        parser.enable("linkify")  # GitHub's bare-URL links, as Streamlit renders them
    rendered = parser.render(md.text(value))
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    assert "<strong>" not in rendered and "<em>" not in rendered and "<code>" not in rendered
    assert "<h1>" not in rendered and "<ol>" not in rendered and "<ul>" not in rendered and "<table>" not in rendered
    body = rendered.strip().removeprefix("<p>").removesuffix("</p>")
    assert html.unescape(body).replace(md.JOINER, "") == " ".join(value.split())
    for start in ("https://", "www.", "post@"):
        assert start not in html.unescape(body)  # no bare link for GitHub Markdown to find


def test_snippet_keeps_only_mark():
    snippet = "Die <mark>Hundesteuer</mark> &lt;b&gt;dick&lt;/b&gt; [Link](https://example.org) <b>roh</b> <mark>x"
    out = md.snippet_html(snippet)
    assert out.count("<mark>") == 2 and out.count("</mark>") == 2  # the unclosed one is closed
    assert "<b>" not in out and "[" not in out and "(" not in out
    assert "&lt;b&gt;roh&lt;/b&gt;" in out and "&lt;b&gt;dick&lt;/b&gt;" in out
    assert (
        html.unescape(out.replace("<mark>", "").replace("</mark>", ""))
        == "Die Hundesteuer <b>dick</b> [Link](https://example.org) <b>roh</b> x"
    )
    assert md.snippet_html("</mark>frei") == "frei"
    assert md.snippet_html("") == ""
