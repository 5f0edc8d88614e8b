"""The user's raw query -> a safe, backend-independent structure (and an FTS5 expression).

Users type words, "quoted phrases", -excluded words and prefix* words. Everything else
(brackets, colons, operators, stray quotes) is not syntax for us: it is dropped, so no
input can make a backend's query language fail. Every word is analysed exactly like the
index (lemma, folded surface, compound parts); stop words are dropped, so questions like
"Wer ist zuständig für die Hundesteuer?" work. Words are alternatives (OR) and BM25
ranks documents with more of them first.

The Elasticsearch backend builds its own query from `ParsedQuery`; `to_fts5` is the
SQLite FTS5 rendering, made only of double-quoted tokens that match [a-z0-9_]+.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aktenlotse.text.analysis import GermanAnalyzer, find_exact_tokens, fold

MAX_QUERY_CHARS = 1000
MAX_TERMS = 40
MIN_PREFIX_CHARS = 3

NOTICE_NOTHING_SEARCHABLE = "Die Suchanfrage enthält keine suchbaren Wörter."
NOTICE_ONLY_EXCLUDED = "Die Suchanfrage enthält nur ausgeschlossene Wörter."
NOTICE_TRUNCATED = f"Die Suchanfrage war zu lang und wurde nach {MAX_QUERY_CHARS} Zeichen gekürzt."
NOTICE_TOO_MANY_WORDS = f"Nur die ersten {MAX_TERMS} Suchbegriffe wurden berücksichtigt."
NOTICE_OPERATORS = "Operatoren wie AND, OR, NOT und NEAR werden nicht unterstützt; alle Wörter werden gesucht."
NOTICE_UNBALANCED_QUOTE = "Ein Anführungszeichen ohne Gegenstück wurde ignoriert."
NOTICE_SHORT_PREFIX = (
    f"Platzhalter * braucht mindestens {MIN_PREFIX_CHARS} Buchstaben davor; das Wort wird ohne * gesucht."
)

_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
# Verbs that carry a question's grammar, not its subject ("Was passiert, wenn …", "Was
# gilt für …", "Wie läuft … ab", "Was bedeutet …"): searched, they rank documents by
# how often a statute says "gilt". Dropped from queries (as lemmas, so every inflected
# form goes) unless nothing else is left; documents keep them in the index.
QUESTION_WORDS = frozenset(
    {
        "passieren",
        "gelten",
        "bedeuten",
        "laufen",
        "geben",
        "stehen",
        "regeln",
        "bekommen",
        "erhalten",
        "unterscheiden",
        "passiert",
        "gilt",
        "bedeutet",
        "gibt",
    }
)
_PHRASE = re.compile(r'"([^"]*)"')
_CHUNK = re.compile(r"\S+")


@dataclass(frozen=True)
class QueryTerm:
    """One searched word. It matches a document containing any of `variants`, or (for a
    compound) all of `parts` together. With `prefix`, `variants[0]` is a prefix."""

    text: str
    variants: tuple[str, ...]
    parts: tuple[str, ...] = ()
    prefix: bool = False


@dataclass(frozen=True)
class QueryPhrase:
    """Words that must stand next to each other, in `terms` order."""

    text: str
    terms: tuple[QueryTerm, ...]


@dataclass(frozen=True)
class ParsedQuery:
    """A query as the backends understand it. `terms` and `phrases` are alternatives
    (ranked by how many match); a document matching any `excluded` term is dropped."""

    terms: tuple[QueryTerm, ...] = ()
    phrases: tuple[QueryPhrase, ...] = ()
    excluded: tuple[QueryTerm, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases

    def positive_terms(self) -> tuple[QueryTerm, ...]:
        """All searched words, from single terms and phrases."""
        return self.terms + tuple(t for p in self.phrases for t in p.terms)

    def highlight_tokens(self) -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
        """(whole-word tokens, compound-part tokens, prefixes) for marking matched words."""
        words: set[str] = set()
        parts: set[str] = set()
        prefixes: list[str] = []
        for term in self.positive_terms():
            if term.prefix:
                prefixes.append(term.variants[0])
            else:
                words.update(term.variants)
            parts.update(term.parts)
        return frozenset(words), frozenset(parts), tuple(prefixes)


def parse_query(text: str, analyzer: GermanAnalyzer) -> ParsedQuery:
    """Parse a raw user query; never raises for any input."""
    notices: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(NOTICE_TRUNCATED)

    phrases: list[QueryPhrase] = []

    def take_phrase(m: re.Match[str]) -> str:
        terms = tuple(t for t, _ in _terms_of(m.group(1), analyzer, notices, allow_prefix=False))
        if len(terms) == 1:
            single_terms.append(terms[0])
        elif terms:
            phrases.append(QueryPhrase(m.group(1).strip(), terms))
        return " "

    single_terms: list[QueryTerm] = []
    rest = _PHRASE.sub(take_phrase, text)
    if '"' in rest:
        rest = rest.replace('"', " ")
        notices.append(NOTICE_UNBALANCED_QUOTE)

    terms: list[QueryTerm] = list(single_terms)
    excluded: list[QueryTerm] = []
    found = _terms_of(rest, analyzer, notices, allow_prefix=True, drop_question_words=True)
    if not any(not is_excluded for _, is_excluded in found) and not terms and not phrases:
        found = _terms_of(rest, analyzer, notices, allow_prefix=True)
    for term, is_excluded in found:
        (excluded if is_excluded else terms).append(term)

    terms = _unique(terms)
    excluded = _unique(excluded)
    if len(terms) + sum(len(p.terms) for p in phrases) > MAX_TERMS:
        terms = terms[:MAX_TERMS]
        phrases = phrases[: max(0, MAX_TERMS - len(terms)) // 2]
        notices.append(NOTICE_TOO_MANY_WORDS)
    if not terms and not phrases:
        notices.append(NOTICE_ONLY_EXCLUDED if excluded else NOTICE_NOTHING_SEARCHABLE)
        return ParsedQuery(notices=tuple(dict.fromkeys(notices)))
    return ParsedQuery(tuple(terms), tuple(phrases), tuple(excluded[:MAX_TERMS]), tuple(dict.fromkeys(notices)))


def _terms_of(
    text: str, analyzer: GermanAnalyzer, notices: list[str], allow_prefix: bool, drop_question_words: bool = False
) -> list[tuple[QueryTerm, bool]]:
    """Terms in `text` with an "excluded" flag, in order. Aktenzeichen and legal
    references become one exact term each; everything else is split into words."""
    found: list[tuple[int, QueryTerm, bool]] = []
    blanked = list(text)
    for exact in find_exact_tokens(text):
        is_excluded = (
            exact.start > 0 and text[exact.start - 1] == "-" and (exact.start == 1 or text[exact.start - 2].isspace())
        )
        found.append((exact.start, QueryTerm(text[exact.start : exact.end], (exact.token,)), is_excluded))
        blanked[exact.start : exact.end] = " " * (exact.end - exact.start)
    rest = "".join(blanked)
    for chunk in _CHUNK.finditer(rest):
        raw = chunk.group()
        if raw in _OPERATORS:
            notices.append(NOTICE_OPERATORS)
            continue
        is_excluded = raw.startswith("-") and len(raw) > 1
        wants_prefix = allow_prefix and raw.endswith("*")
        words = list(analyzer.iter_words(raw))
        for index, (start, _end, word) in enumerate(words):
            is_last = index == len(words) - 1
            term = _term_for_word(word, analyzer, wants_prefix and is_last, notices)
            if (
                term is not None
                and drop_question_words
                and not term.prefix
                and not is_excluded
                and not QUESTION_WORDS.isdisjoint(term.variants)
            ):
                continue
            if term is not None:
                found.append((chunk.start() + start, term, is_excluded))
    found.sort(key=lambda item: item[0])
    return [(term, is_excluded) for _, term, is_excluded in found]


def _term_for_word(word: str, analyzer: GermanAnalyzer, prefix: bool, notices: list[str]) -> QueryTerm | None:
    analysis = analyzer.analyze_query_word(word)
    if prefix:
        stem = analysis.primary[0] if analysis.primary else ""
        if not stem:
            stem = fold(word)
        if len(stem) >= MIN_PREFIX_CHARS:
            return QueryTerm(word, (stem,), prefix=True)
        notices.append(NOTICE_SHORT_PREFIX)
    if analysis.is_stop:
        return None
    # Leaves only: a document with "Hund" and "Steuersatzung" also has hund, steuer, satzung.
    return QueryTerm(word, analysis.primary, analysis.leaves if len(analysis.leaves) >= 2 else ())


def _unique(terms: list[QueryTerm]) -> list[QueryTerm]:
    seen: set[tuple[tuple[str, ...], bool]] = set()
    unique: list[QueryTerm] = []
    for term in terms:
        key = (term.variants, term.prefix)
        if key not in seen:
            seen.add(key)
            unique.append(term)
    return unique
