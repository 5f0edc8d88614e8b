"""A search as URL parameters, so that a link or a reload shows the same result page.

The parameters are German words (`q`, `modus`, `sortierung`, `seite`, one per facet) and
carry only what the user typed or picked: what the link shows is decided again for whoever
opens it, through the same search as the user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_TEXT = 10_000  # the search box's own limit
MAX_VALUES = 50  # per facet; a link with more is cut, not refused
MODES = ("fulltext", "semantic", "hybrid")
SORT_PARAMS = {"relevance": "relevanz", "date": "datum"}
FACET_PARAMS = {
    "folder": "ordner",
    "file_type": "typ",
    "year": "jahr",
    "source": "ablage",
    "keywords": "schlagwort",
    "aktenplan": "aktenplan",
}


@dataclass(frozen=True)
class SearchLink:
    """What a search page shows: words, mode (None: the page's default), sort, facet values, page (from 0)."""

    text: str = ""
    mode: str | None = None
    sort: str = "relevance"
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 0


def _first(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = params.get(name) or []
    return values[0] if values else ""


def link_from_params(params: Mapping[str, Sequence[str]]) -> SearchLink:
    """The search a URL asks for; anything unknown or malformed falls back to the default
    (a link is typed or edited by people, and a bad one must still open the page)."""
    mode = _first(params, "modus")
    sort = next((key for key, word in SORT_PARAMS.items() if word == _first(params, "sortierung")), "relevance")
    page_text = _first(params, "seite")
    page = int(page_text) - 1 if page_text.isdigit() and 0 < int(page_text) < 10_000 else 0
    filters = {
        name: list(dict.fromkeys(v for v in params.get(word, []) if v))[:MAX_VALUES]
        for name, word in FACET_PARAMS.items()
        if params.get(word)
    }
    return SearchLink(
        text=_first(params, "q")[:MAX_TEXT],
        mode=mode if mode in MODES else None,
        sort=sort,
        filters={name: values for name, values in filters.items() if values},
        page=page,
    )


def params_from_link(link: SearchLink) -> dict[str, list[str]]:
    """The URL parameters of a search (defaults left out, so an empty search is a bare URL)."""
    if not link.text.strip():
        return {}
    params: dict[str, list[str]] = {"q": [link.text]}
    if link.mode in MODES:
        params["modus"] = [link.mode]
    if link.sort != "relevance":
        params["sortierung"] = [SORT_PARAMS[link.sort]]
    for name, word in FACET_PARAMS.items():
        values = link.filters.get(name) or []
        if values:
            params[word] = [str(v) for v in values]
    if link.page > 0:
        params["seite"] = [str(link.page + 1)]
    return params
