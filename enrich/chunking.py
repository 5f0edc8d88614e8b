"""Text -> overlapping word windows for embedding: the one chunker.

`document_chunks(title, text, config)` is what every encoder input of a document comes
from: the embedding pass (whose chunk vectors serve semantic search and the Aktenplan
suggestion), `Suggester.doc_vector` and `eval classify`, so the evaluation measures the
document vector production uses. Its sizes are `enrich.chunk_words`, `chunk_overlap`,
`chunk_chars` and `max_chunks`.

A chunk is a (start, end) character span of the document's text, so that a semantic hit
can show its best chunk as the snippet. Windows hold `words` words and advance by
`words - overlap`; a short remainder is folded into the last window instead of becoming a
tiny chunk of its own (a 10-word tail embeds badly and wins ties it should not).

Windows are bounded in characters as well (`max_chars`): an encoder's memory grows with
the length of its input, and real files hold base64 blobs and hex dumps of hundreds of
thousands of characters in a few "words". Such noise words are left out of the windows
and of the encoder's input altogether: they carry no meaning, full text still has them.
"""

from __future__ import annotations

import re

from aktenlotse.core.config import EnrichConfig

_WORD = re.compile(r"\S+")
# A 500-page document gives ~2,500 windows of 100 words; beyond `enrich.max_chunks` the rest
# of the text is not embedded (full text still finds it), so one huge file cannot stall a pass.
MAX_CHUNKS = EnrichConfig.max_chunks
MAX_CHUNK_CHARS = EnrichConfig.chunk_chars
# German compounds reach ~70 letters; no word of any language reaches this.
_NOISE_LENGTH = 100
_BLOB = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_HEX = re.compile(r"(?:0x)?[0-9A-Fa-f]{24,}")


def is_noise_word(word: str) -> bool:
    """A 'word' that is data, not language: base64, hex, hashes, very long runs."""
    if len(word) >= _NOISE_LENGTH:
        return True
    if len(word) < 24:
        return False
    if _HEX.fullmatch(word):
        return True
    if _BLOB.fullmatch(word):
        digits = sum(ch.isdigit() for ch in word)
        inner_capitals = sum(ch.isupper() for ch in word[1:])  # a compound has one capital
        return digits >= 2 or inner_capitals >= 3 or "+" in word or "/" in word
    return False


def chunk_spans(
    text: str,
    words: int = EnrichConfig.chunk_words,
    overlap: int = EnrichConfig.chunk_overlap,
    max_chunks: int = MAX_CHUNKS,
    max_chars: int = MAX_CHUNK_CHARS,
) -> list[tuple[int, int]]:
    """(start, end) character spans of word windows over `text`; [] for blank text.

    Each span holds at most `words` words and, unless a single word is longer, at most
    `max_chars` characters; noise words (`is_noise_word`) are skipped, never spanned over
    when they stand at a window's edge."""
    if words < 1:
        raise ValueError("enrich.chunk_words must be at least 1")
    if not 0 <= overlap < words:
        raise ValueError("enrich.chunk_overlap must be at least 0 and smaller than enrich.chunk_words")
    bounds = [(m.start(), m.end()) for m in _WORD.finditer(text) if not is_noise_word(m.group())]
    if not bounds:
        return []
    # Length of the encoder input up to word i (words joined by one space, noise left out).
    cum = [0]
    for start, end in bounds:
        cum.append(cum[-1] + end - start + 1)
    spans: list[tuple[int, int]] = []
    first = 0
    while len(spans) < max_chunks:
        last = _window_end(cum, first, words, max_chars)
        remainder = len(bounds) - last
        # Fold a remainder shorter than a quarter window into this one, if it still fits.
        if remainder == 0 or (remainder < max(1, words // 4) and cum[-1] - cum[first] - 1 <= max_chars):
            spans.append((bounds[first][0], bounds[-1][1]))
            break
        spans.append((bounds[first][0], bounds[last - 1][1]))
        first += max(1, min(words - overlap, last - first - overlap))
    return spans


def _window_end(cum: list[int], first: int, words: int, max_chars: int) -> int:
    """One past the last word of the window starting at `first` (at least one word)."""
    last = min(first + words, len(cum) - 1)
    while last - 1 > first and cum[last] - cum[first] - 1 > max_chars:
        last -= 1
    return last


def chunk_inputs(
    title: str, text: str, spans: list[tuple[int, int]], with_title: bool = True, max_chars: int = MAX_CHUNK_CHARS
) -> list[str]:
    """The strings the encoder sees: each chunk, prefixed with the document title (the
    title says what a statute's paragraph is about; measured in docs/evaluation-search.md),
    without noise words and at most `max_chars` characters of chunk text.
    A document without text but with a title gets one title-only input."""
    title = " ".join(title.split())
    if not spans:
        return [title] if title else []
    prefix = f"{title}\n" if with_title and title else ""
    return [
        prefix + " ".join(w for w in text[start:end].split() if not is_noise_word(w))[:max_chars]
        for start, end in spans
    ]


def document_chunks(
    title: str, text: str, config: EnrichConfig | None = None
) -> tuple[list[tuple[int, int]], list[str]]:
    """The chunk spans of `text` and the encoder inputs for them, sized by `config`
    (default: the configured defaults). A title-only document has no span and one input."""
    config = config or EnrichConfig()
    spans = chunk_spans(text, config.chunk_words, config.chunk_overlap, config.max_chunks, config.chunk_chars)
    return spans, chunk_inputs(title, text, spans, max_chars=config.chunk_chars)
