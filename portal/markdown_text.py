"""User-controlled strings made safe for Streamlit's Markdown.

File names, titles, paths, keywords, facet values, wiki titles, names from the directory
and the user's own query come from people who may write anything, e.g. a file called
`[Klick](https://example.org) x.pdf`. Everything the portal renders as Markdown (markdown,
caption, header, expander, button and download labels) goes through `text`; snippets,
which are HTML with `<mark>`, through `snippet_html`. One module, so that no page escapes
its own way.
"""

from __future__ import annotations

import html
import re
import string

# CommonMark lets every ASCII punctuation character be escaped with a backslash; escaping
# all of them also covers Streamlit's own syntax (`:red[…]`, `:emoji:`, `$math$`). GitHub
# Markdown still turns a bare "https://…", "www.…" or "x@y.de" into a link after escapes
# (and character references) are resolved, so an invisible word joiner is put where the
# link detection would need those characters to touch.
_PUNCTUATION = frozenset(string.punctuation)
JOINER = "\u2060"
_AUTOLINK_STARTS = re.compile(r"(:)(?=//)|(@)|(?<=www)(\.)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_MARK = re.compile(r"(</?mark>)")
# Inside an HTML block Markdown is not parsed and backslashes would show; entities are
# shown as the character by the browser and never form Markdown syntax either way.
_ENTITIES = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()!|~$:+-="}


def text(value: object) -> str:
    """`value` as literal text in Markdown: every punctuation character escaped, line
    breaks folded to spaces (a new line could start a heading, list or table)."""
    flat = _WHITESPACE.sub(" ", str(value if value is not None else ""))
    flat = _AUTOLINK_STARTS.sub(lambda m: m.group(1) + JOINER if m.group(1) else JOINER + m.group(0), flat)
    return "".join("\\" + c if c in _PUNCTUATION else c for c in flat)


def snippet_html(snippet: str) -> str:
    """A backend snippet (escaped text with `<mark>…</mark>`) re-escaped for an HTML block
    in Markdown: only `<mark>` survives as markup, everything else is shown as written."""
    pieces = []
    for piece in _MARK.split(snippet or ""):
        if piece in ("<mark>", "</mark>"):
            pieces.append(piece)
        else:
            plain = _WHITESPACE.sub(" ", html.unescape(piece))
            pieces.append("".join(_ENTITIES.get(c, c) for c in html.escape(plain, quote=True)))
    return _balanced("".join(pieces))


def preview_html(preview: str) -> str:
    """A backend text preview (`snippets.make_preview`: escaped text with `<mark>` and
    line breaks) for an HTML block in Markdown: each line as `snippet_html` makes it,
    lines joined by <br> (a line break inside the block could end it)."""
    return "<br>".join(snippet_html(line) for line in (preview or "").split("\n"))


def _balanced(markup: str) -> str:
    """Close an unclosed <mark> and drop stray </mark>, so nothing leaks past the snippet."""
    out, open_ = [], False
    for piece in _MARK.split(markup):
        if piece == "<mark>":
            if open_:
                continue
            open_ = True
        elif piece == "</mark>":
            if not open_:
                continue
            open_ = False
        out.append(piece)
    if open_:
        out.append("</mark>")
    return "".join(out)
