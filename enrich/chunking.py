"""Text -> overlapping word windows for embedding.

A chunk is a (start, end) character span of the document's text, so that a semantic hit
can show its best chunk as the snippet. Windows hold `words` words and advance by
`words - overlap`; a short remainder is folded into the last window instead of becoming a
tiny chunk of its own (a 10-word tail embeds badly and wins ties it should not).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
# A 500-page document gives ~1,000 windows of 200 words; beyond this many the rest of the
# text is not embedded (full text still finds it).
MAX_CHUNKS = 2000


def chunk_spans(text: str, words: int = 200, overlap: int = 40, max_chunks: int = MAX_CHUNKS) -> list[tuple[int, int]]:
    """(start, end) character spans of word windows over `text`; [] for blank text."""
    if words < 1:
        raise ValueError("enrich.chunk_words must be at least 1")
    if not 0 <= overlap < words:
        raise ValueError("enrich.chunk_overlap must be at least 0 and smaller than enrich.chunk_words")
    bounds = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not bounds:
        return []
    step = words - overlap
    spans: list[tuple[int, int]] = []
    first = 0
    while len(spans) < max_chunks:
        last = first + words
        # Fold a remainder shorter than a quarter window into this one.
        if last >= len(bounds) or len(bounds) - last < max(1, words // 4):
            spans.append((bounds[first][0], bounds[-1][1]))
            break
        spans.append((bounds[first][0], bounds[last - 1][1]))
        first += step
    return spans


def chunk_inputs(title: str, text: str, spans: list[tuple[int, int]], with_title: bool = True) -> list[str]:
    """The strings the encoder sees: each chunk, prefixed with the document title (the
    title says what a statute's paragraph is about; measured in docs/evaluation-search.md).
    A document without text but with a title gets one title-only input."""
    title = " ".join(title.split())
    if not spans:
        return [title] if title else []
    prefix = f"{title}\n" if with_title and title else ""
    return [prefix + " ".join(text[start:end].split()) for start, end in spans]
