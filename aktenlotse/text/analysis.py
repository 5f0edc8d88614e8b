"""German analysis: text -> the token stream that every backend indexes.

Tokens are lower-case ASCII (`[a-z0-9_]+`): umlauts and ß are folded (ä -> ae, ß -> ss)
so that a query typed without umlauts finds the document with them. Each word yields
its folded surface form, its lemma(s) from spaCy's German lookup table, and for
compounds the compound's own lemma, its intermediate compounds and its leaf parts
("Hundesteuersatzungen" -> hundesteuersatzungen, hundesteuersatzung, hundesteuer,
satzung, hund, steuer). Aktenzeichen and legal references become single exact tokens
(`632.10-2023/145` -> 632_10_2023_145, `§ 34 BauGB` -> p34_baugb).

The crawl runs this for every document while Tika extracts on the same cores, so the hot
path is a compiled regex plus a per-word cache; the lemma table is loaded once per
process, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from aktenlotse.core.process_wide import ProcessWide
from aktenlotse.text.exact_tokens import ExactToken, find_exact_tokens
from aktenlotse.text.folding import fold
from aktenlotse.text.lexicon import GermanLexicon, split_compound

# Callers import the folding and exact-token rules from here, beside the analyzer that applies them.
__all__ = [
    "ExactToken",
    "GermanAnalyzer",
    "GermanLexicon",
    "WordAnalysis",
    "find_exact_tokens",
    "fold",
    "shared_lexicon",
]

# --- the analyzer -----------------------------------------------------------------------

# Letters/digits, optionally joined by hyphens ("Bau-Antrag", "E-Mail").
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_MAX_TOKEN_LEN = 60

_lexicon = ProcessWide(GermanLexicon)


def shared_lexicon() -> GermanLexicon:
    """The process-wide lexicon, loaded on first use."""
    return _lexicon.get()


@dataclass(frozen=True)
class WordAnalysis:
    """What one surface word contributes. `primary` are its own forms (surface, lemmas,
    compound lemma); `parts` its compound parts, intermediate compounds included.
    All empty for a stop word."""

    primary: tuple[str, ...]
    parts: tuple[str, ...] = ()
    leaves: tuple[str, ...] = ()  # the smallest parts only (a subset of `parts`)

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.primary + self.parts

    @property
    def is_stop(self) -> bool:
        return not self.primary


_STOP = WordAnalysis(())


class GermanAnalyzer:
    """Turns German text into index tokens; see the module docstring for what they are.

    Thread-safe. `cache_size` bounds the per-word cache (cleared when full: the words
    of a town's files repeat a lot, so a simple bound beats an LRU's bookkeeping).
    """

    def __init__(self, lexicon: GermanLexicon | None = None, cache_size: int = 200_000):
        self._lexicon = lexicon
        self._cache: dict[str, WordAnalysis] = {}
        self._token_cache: dict[str, tuple[str, ...]] = {}
        self._cache_size = cache_size

    @property
    def lexicon(self) -> GermanLexicon:
        if self._lexicon is None:
            self._lexicon = shared_lexicon()
        return self._lexicon

    # -- whole texts --

    def analyze(self, text: str) -> list[str]:
        """Index tokens of `text`, in text order (exact tokens after the words)."""
        if not text:
            return []
        cache = self._token_cache
        out: list[str] = []
        extend = out.extend
        for word in _WORD.findall(text):
            tokens = cache.get(word)
            if tokens is None:
                tokens = self._word_tokens(word)
            extend(tokens)
        for exact in find_exact_tokens(text):
            extend(exact.tokens)
        return out

    def terms(self, text: str) -> str:
        """`analyze` joined by spaces: the form `Document.terms` / `title_terms` take."""
        return " ".join(self.analyze(text))

    def iter_words(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, word) for every word the analyzer would look at."""
        for m in _WORD.finditer(text):
            yield m.start(), m.end(), m.group()

    # -- single words --

    def analyze_word(self, word: str) -> WordAnalysis:
        """The analysis of one surface word (cached)."""
        known = self._cache.get(word)
        if known is None:
            known = self._analyze_uncached(word)
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
                self._token_cache.clear()
            self._cache[word] = known
        return known

    def analyze_query_word(self, word: str) -> WordAnalysis:
        """Same as `analyze_word`; a query word is analysed exactly like an indexed one
        so that both sides meet on the same tokens."""
        return self.analyze_word(word)

    def is_stop_word(self, word: str) -> bool:
        return fold(word) in self.lexicon.stop_words

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        tokens = self.analyze_word(word).tokens
        self._token_cache[word] = tokens
        return tokens

    def _analyze_uncached(self, word: str) -> WordAnalysis:
        if "-" in word:
            return self._analyze_hyphenated(word)
        folded = fold(word)
        if len(folded) > _MAX_TOKEN_LEN or not folded:
            return _STOP
        if folded.isdigit():
            return WordAnalysis((folded,))
        if len(folded) < 2 or folded in self.lexicon.stop_words:
            return _STOP
        return self._analyze_folded(folded)

    def _analyze_folded(self, folded: str) -> WordAnalysis:
        lex = self.lexicon
        primary = [folded]
        lemmas = lex.lemmas_of(folded)
        primary.extend(lemmas)
        if not lemmas:
            guessed = _guess_lemma(folded)
            if guessed:
                primary.append(guessed)
        parts: list[str] = []
        compound = None
        if folded.isalpha():
            compound = split_compound(lex, folded)
            if compound is not None:
                primary.append(compound.lemma)
                parts.extend(compound.inner)
                parts.extend(compound.leaves)
        primary_unique = tuple(dict.fromkeys(primary))
        parts_unique = tuple(p for p in dict.fromkeys(parts) if p not in primary_unique)
        leaves = tuple(dict.fromkeys(compound.leaves)) if compound is not None else ()
        return WordAnalysis(primary_unique, parts_unique, leaves)

    def _analyze_hyphenated(self, word: str) -> WordAnalysis:
        # "Bau-Antrag": each piece as a word of its own, plus the joined form as a whole
        # so that it meets "Bauantrag" written without hyphen.
        pieces = [p for p in word.split("-") if p]
        primary: list[str] = []
        parts: list[str] = []
        leaves: tuple[str, ...] = ()
        if all(p.isalpha() for p in pieces):
            joined = fold("".join(pieces))
            if 2 <= len(joined) <= _MAX_TOKEN_LEN:
                whole = self._analyze_folded(joined)
                primary.extend(whole.primary)
                parts.extend(whole.parts)
                leaves = whole.leaves
        for piece in pieces:
            analysis = self.analyze_word(piece)
            parts.extend(analysis.tokens)
        if not primary and not parts:
            return _STOP
        if not primary:
            primary, parts = parts[:1], parts[1:]
        primary_unique = tuple(dict.fromkeys(primary))
        parts_unique = tuple(p for p in dict.fromkeys(parts) if p not in primary_unique)
        if not leaves and len(pieces) > 1:
            leaves = tuple(self.analyze_word(p).primary[-1] for p in pieces if not self.analyze_word(p).is_stop)
        return WordAnalysis(primary_unique, parts_unique, leaves)


# Plural endings of productive noun classes the table often lacks.
_PLURAL_SUFFIXES = (("ungen", 2), ("heiten", 2), ("keiten", 2), ("schaften", 2), ("ionen", 2), ("taeten", 2))


def _guess_lemma(folded: str) -> str | None:
    for suffix, cut in _PLURAL_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix) + 2:
            return folded[:-cut]
    return None
