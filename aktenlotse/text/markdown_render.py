"""Markdown to safe HTML for wiki pages.

Raw HTML in the Markdown is not rendered (markdown-it with html off escapes it), and the
result is sanitised again with nh3 (ammonia): no scripts, no event handlers, no
`javascript:` links, whatever an author types. Images uploaded to the wiki are
referenced as `wiki-image:<id>` and turned into data URLs only after sanitising.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt

IMAGE_SCHEME = "wiki-image:"
_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)
_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
_IMAGE_SRC = re.compile(r'src="wiki-image:([0-9]+)"')


def render_markdown(text: str, image_loader: Callable[[int], tuple[str, bytes] | None] | None = None) -> str:
    """Safe HTML for `text`. `image_loader(id) -> (mime, bytes)` resolves uploaded images."""
    html = _md.render(text or "")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "wiki-image"},
        link_rel="noopener noreferrer",
    )
    if image_loader is None:
        return clean

    def to_data_url(match: re.Match) -> str:
        image = image_loader(int(match.group(1)))
        if image is None:
            return 'src=""'
        mime, data = image
        return f'src="data:{mime};base64,{base64.b64encode(data).decode("ascii")}"'

    return _IMAGE_SRC.sub(to_data_url, clean)


_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|blockquote|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


def markdown_plain_text(text: str) -> str:
    """The words of a Markdown text without its markup ("## Titel" -> "Titel", "**x**" -> "x"),
    one line per block: what a search index and its snippets should see of a wiki page."""
    rendered = _BLOCK_END.sub("\n", _md.render(text))
    plain = html.unescape(nh3.clean(rendered, tags=set()))
    return "\n".join(line.strip() for line in plain.splitlines() if line.strip())
