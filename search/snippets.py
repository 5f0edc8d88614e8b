"""Result snippets: a short window of a document's original text around the best cluster
of matched words, matched words wrapped in <mark>…</mark>, everything else escaped HTML.

Matching analyses each original word the way the index does and compares tokens, so
"Anträge" is marked for the query "Antrag" and "Bauantrag" for "Antrag".
"""

from __future__ import annotations

import html
import re

from aktenlotse.search.query_parser import ParsedQuery
from aktenlotse.text.analysis import _WORD, GermanAnalyzer, find_exact_tokens

SNIPPET_CHARS = 240
PREVIEW_CHARS = 2000  # the start of a document a text preview shows
# Beyond this many characters a snippet is not worth the scan (a 2-million-character
# document would cost the whole query's time budget).
SCAN_CHARS = 200_000
_SPACE = re.compile(r"\s+")
_LINE_SPACE = re.compile(r"[^\S\n]+")  # runs of blanks and tabs, not line breaks
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
# Tokens only `find_exact_tokens` produces: p34_baugb, art5, 632_10_2023_145.
_EXACT_QUERY_TOKEN = re.compile(r"(?:p|art)\d|.*_")


def make_snippet(
    text: str,
    parsed: ParsedQuery,
    analyzer: GermanAnalyzer,
    width: int = SNIPPET_CHARS,
    scan_chars: int = SCAN_CHARS,
    decided: dict[str, str | None] | None = None,
) -> str:
    """An HTML snippet of `text` for `parsed` (pure: same input, same output).
    `decided` may be shared by the snippets of one query's hits (see `find_matches`)."""
    scanned = text[:scan_chars]
    matches = find_matches(scanned, parsed, analyzer, decided)
    start, end = _best_window(scanned, matches, width)
    return _render(scanned, matches, start, end, truncated_after=end < len(text))


def find_matches(
    text: str, parsed: ParsedQuery, analyzer: GermanAnalyzer, decided: dict[str, str | None] | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, key) of every word in `text` that the query matches; key names the
    matched word's form so that distinct words can be counted. `decided` caches the
    verdict per surface word; it is only valid for one `parsed`."""
    if parsed.is_empty:
        return []
    words, parts, prefixes = parsed.highlight_tokens()
    wanted = words | parts
    matches: list[tuple[int, int, str]] = []
    exact_spans: list[tuple[int, int]] = []
    # Exact tokens (legal references, Aktenzeichen) cost a scan of their own; only a
    # query that has one can match one.
    if any(_EXACT_QUERY_TOKEN.match(token) for token in words):
        for exact in find_exact_tokens(text):
            if words.intersection(exact.tokens):
                matches.append((exact.start, exact.end, exact.token))
                exact_spans.append((exact.start, exact.end))
    # The words of a document repeat: decide each distinct word once.
    if decided is None:
        decided = {}
    for m in _WORD.finditer(text):
        word = m.group()
        if word in decided:
            key = decided[word]
        else:
            analysis = analyzer.analyze_word(word)
            key = None
            if not analysis.is_stop and (
                not wanted.isdisjoint(analysis.primary)
                or not words.isdisjoint(analysis.parts)
                or any(token.startswith(prefix) for prefix in prefixes for token in analysis.primary)
            ):
                key = analysis.primary[-1]
            decided[word] = key
        if key is not None:
            start = m.start()
            if not exact_spans or not any(s <= start < e for s, e in exact_spans):
                matches.append((start, m.end(), key))
    matches.sort()
    return matches


def _best_window(text: str, matches: list[tuple[int, int, str]], width: int) -> tuple[int, int]:
    if not matches:
        return 0, _word_end(text, min(len(text), width))
    best = (0, 0, 0)  # (distinct words, matches, index of first match)
    right = 0
    for left in range(len(matches)):
        right = max(right, left)
        while right + 1 < len(matches) and matches[right + 1][1] - matches[left][0] <= width:
            right += 1
        window = matches[left : right + 1]
        score = (len({key for _, _, key in window}), len(window), -left)
        if score > best:
            best = score
    first = -best[2]
    last = first
    while last + 1 < len(matches) and matches[last + 1][1] - matches[first][0] <= width:
        last += 1
    cluster_start, cluster_end = matches[first][0], matches[last][1]
    slack = max(0, width - (cluster_end - cluster_start))
    start = max(0, cluster_start - slack // 3)
    end = min(len(text), max(cluster_end, start + width))
    return _word_start(text, start, cluster_start), _word_end(text, end)


def _word_start(text: str, start: int, limit: int) -> int:
    # Do not begin in the middle of a word.
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, limit)
    return space + 1 if space != -1 else start


def _word_end(text: str, end: int) -> int:
    if end >= len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", max(0, end - 30), end)
    return space if space != -1 else end


def _render(text: str, matches: list[tuple[int, int, str]], start: int, end: int, truncated_after: bool) -> str:
    pieces: list[str] = ["… "] if start > 0 else []
    position = start
    for m_start, m_end, _ in matches:
        if m_start < position or m_end > end:
            continue
        pieces.append(_escape(text[position:m_start]))
        pieces.append(f"<mark>{_escape(text[m_start:m_end])}</mark>")
        position = m_end
    pieces.append(_escape(text[position:end]))
    if truncated_after:
        pieces.append(" …")
    return "".join(pieces).strip()


def _escape(fragment: str) -> str:
    return html.escape(_SPACE.sub(" ", fragment), quote=True)


def make_preview(
    text: str,
    parsed: ParsedQuery,
    analyzer: GermanAnalyzer,
    chars: int = PREVIEW_CHARS,
    decided: dict[str, str | None] | None = None,
) -> str:
    """The start of `text` (up to `chars`, cut at a word's end, " …" when there is more)
    with the words `parsed` matches in <mark>…</mark>, everything else escaped HTML like a
    snippet; line breaks stay (at most one empty line in a row), other spaces are folded."""
    text = _BLANK_LINES.sub("\n\n", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    end = _word_end(text, min(len(text), chars))
    head = text[:end]
    pieces: list[str] = []
    position = 0
    for m_start, m_end, _ in find_matches(head, parsed, analyzer, decided):
        if m_start < position:
            continue
        pieces.append(_escape_lines(head[position:m_start]))
        pieces.append(f"<mark>{_escape_lines(head[m_start:m_end])}</mark>")
        position = m_end
    pieces.append(_escape_lines(head[position:]))
    if end < len(text):
        pieces.append(" …")
    return "".join(pieces).strip()


def _escape_lines(fragment: str) -> str:
    return html.escape(_LINE_SPACE.sub(" ", fragment), quote=True)
