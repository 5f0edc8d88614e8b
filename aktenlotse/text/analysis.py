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

import gzip
import json
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

# --- character folding -------------------------------------------------------------

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NOT_TOKEN_CHAR = re.compile(r"[^a-z0-9]+")


def fold(word: str) -> str:
    """Lower-case, fold German umlauts/ß, strip other accents; drop anything outside [a-z0-9]."""
    folded = word.lower().translate(_UMLAUTS)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    if not folded.isalnum():
        folded = _NOT_TOKEN_CHAR.sub("", folded)
    return folded


# --- stop words --------------------------------------------------------------------

# spaCy's list contains a few nouns that matter in a town's files ("Recht", "Jahr");
# they stay searchable.
_KEPT_FROM_STOP_LIST = frozenset(
    {
        "recht",
        "rechte",
        "rechten",
        "rechter",
        "rechtes",
        "jahr",
        "jahre",
        "jahren",
        "teil",
        "ende",
        "zeit",
        "tage",
        "tagen",
        "mittel",
        "dasein",
        "einmaleins",
    }
)


def _load_stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(fold(w) for w in STOP_WORDS if w not in _KEPT_FROM_STOP_LIST)


# --- exact tokens: Aktenzeichen and legal references ---------------------------------

# "§ 34 BauGB", "§§ 34, 35 BauGB", "§ 13a Abs. 2 Satz 1 BauGB", "Art. 6 DSGVO".
# A law's abbreviation has at least two capitals (BauGB, GG, VwVfG, GemO, DSGVO).
_LEGAL_REF = re.compile(
    r"(?P<kind>§§?|\bArt\.|\bArtikel)\s*"
    r"(?P<nums>\d+[a-z]?(?:\s*(?:,|und|bis|-|–)\s*\d+[a-z]?)*)"
    r"(?:\s+(?:Abs\.?|Absatz)\s*\d+[a-z]?)?"
    r"(?:\s+(?:S\.|Satz)\s*\d+)?"
    r"(?:\s+(?:Nr\.?|Nummer)\s*\d+[a-z]?)?"
    r"(?:\s+(?P<law>[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*))?"
)
_LEGAL_NUM = re.compile(r"\d+[a-z]?")

# "Az.: 20 14 03", "Aktenzeichen III/2-4711": a label makes space-separated groups one token.
_LABELLED_AZ = re.compile(
    r"\b(?:Az|AZ|Aktenzeichen|Gz|GZ|Geschäftszeichen|Gesch\.-Z)\.?\s*:?\s*"
    r"(?P<az>(?:[A-Za-z]{1,6}[./-]?)?\d[\w./-]*(?:[ \t]+\d[\w./-]*)*)"
)
# "632.10-2023/145", "12.03.2024", "III/2-4711" without label: digit groups joined by . - /
_PLAIN_AZ = re.compile(r"\b(?:[A-Za-z]{1,6}[./-])?\d+(?:[./-]\d+)+\b")
_DIGIT = re.compile(r"\d")


def _az_token(raw: str) -> str:
    return "_".join(filter(None, _NOT_TOKEN_CHAR.split(raw.lower().translate(_UMLAUTS))))


@dataclass(frozen=True)
class ExactToken:
    """An Aktenzeichen or legal reference found in text: span, its main token and extras."""

    start: int
    end: int
    token: str
    extra: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.token, *self.extra)


def find_exact_tokens(text: str) -> list[ExactToken]:
    """Aktenzeichen and legal references in `text`, in order of appearance, non-overlapping."""
    found: list[ExactToken] = []
    if "§" in text or "Art" in text:
        for m in _LEGAL_REF.finditer(text):
            kind = "p" if m.group("kind").startswith("§") else "art"
            law = fold(m.group("law")) if m.group("law") else ""
            nums = _LEGAL_NUM.findall(m.group("nums"))
            end = m.end() if law else m.end("nums")
            tokens = []
            for n in nums:
                tokens.append(f"{kind}{n}_{law}" if law else f"{kind}{n}")
                if law:
                    tokens.append(f"{kind}{n}")
            if tokens:
                found.append(ExactToken(m.start(), end, tokens[0], tuple(tokens[1:])))
    if _DIGIT.search(text):
        taken = [(t.start, t.end) for t in found]
        for m in _LABELLED_AZ.finditer(text):
            raw = m.group("az").rstrip("./-")
            token = _az_token(raw)
            end = m.start("az") + len(raw)
            # The span starts at the label so that a query "Az.: 20 14 03" is one term.
            if token and not _overlaps(taken, m.start(), end):
                found.append(ExactToken(m.start(), end, token, _az_prefixes(token)))
                taken.append((m.start(), end))
        for m in _PLAIN_AZ.finditer(text):
            if _overlaps(taken, m.start(), m.end()):
                continue
            token = _az_token(m.group())
            found.append(ExactToken(m.start(), m.end(), token, _az_prefixes(token)))
        found.sort(key=lambda t: t.start)
    return found


def _az_prefixes(token: str) -> tuple[str, ...]:
    # "632_10_2023_145" also as 632_10 and 632_10_2023: the leading groups are the file
    # plan class, which people search for on its own.
    groups = token.split("_")
    return tuple("_".join(groups[:k]) for k in range(2, len(groups)))


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


# --- the lexicon (lemma table + derived noun/verb sets) ---------------------------------


class GermanLexicon:
    """spaCy's German lookup lemma table, folded, plus the noun and verb sets the
    compound splitter uses as vocabulary. Built once per process (about a second)."""

    def __init__(self) -> None:
        path = resources.files("spacy_lookups_data") / "data" / "de_lemma_lookup.json.gz"
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
            table: dict[str, str] = json.load(f)
        lemmas: dict[str, str | tuple[str, ...]] = {}
        nouns: set[str] = set()
        words: set[str] = set()
        for form, lemma in table.items():
            folded_form, folded_lemma = fold(form), fold(lemma)
            if not folded_form or not folded_lemma:
                continue
            words.add(folded_lemma)
            if lemma[:1].isupper():
                nouns.add(folded_lemma)
            if folded_form == folded_lemma:
                continue
            known = lemmas.get(folded_form)
            if known is None:
                lemmas[folded_form] = folded_lemma
            elif isinstance(known, str):
                if known != folded_lemma:
                    lemmas[folded_form] = (known, folded_lemma)
            elif folded_lemma not in known:
                lemmas[folded_form] = (*known, folded_lemma)
        nouns.update(_EXTRA_NOUNS)
        self.lemmas = lemmas
        self.nouns = frozenset(nouns)
        self.words = frozenset(words) | self.nouns
        self.stop_words = _load_stop_words()

    def lemmas_of(self, folded: str) -> tuple[str, ...]:
        """Lemmas of a folded form ('' tuple when the form is its own lemma or unknown)."""
        known = self.lemmas.get(folded)
        if known is None:
            return ()
        return (known,) if isinstance(known, str) else known

    def noun_lemma(self, folded: str) -> str | None:
        """The noun lemma of a folded form, or None when it is not a (known) noun form."""
        for lemma in self.lemmas_of(folded):
            if lemma in self.nouns:
                return lemma
        if folded in self.nouns:
            return folded
        # Nouns on -ung are productive and often missing from the table ("Versorgung");
        # accept them when the verb they come from is known ("versorgen").
        stem = folded[:-2] if folded.endswith("ungen") else folded
        if stem.endswith("ung") and len(stem) >= 6:
            verb = stem[:-3]
            if verb + "en" in self.words or verb + "n" in self.words:
                return stem
        return None

    def verb_stem(self, folded: str) -> str | None:
        """The infinitive when `folded` is a verb stem used as a compound head ("wohn" -> "wohnen")."""
        if len(folded) >= 4 and folded + "en" in self.words:
            return folded + "en"
        return None


# Frequent words of municipal files that the general lemma table lacks.
_EXTRA_NOUNS = frozenset(
    {
        "versorgung",
        "satzung",
        "genehmigung",
        "verwaltung",
        "ordnung",
        "planung",
        "sitzung",
        "beteiligung",
        "erschliessung",
        "gebuehr",
        "bescheid",
        "antrag",
        "aktenplan",
        "bebauungsplan",
        "flaechennutzungsplan",
        "baugenehmigung",
        "verordnung",
        "vorlage",
    }
)

# Derivational endings that look like nouns but are no compound parts ("Erb|schaft").
_NOT_A_TAIL = frozenset(
    {"schaft", "schaften", "heit", "heiten", "keit", "keiten", "tum", "ling", "nis", "ung", "ungen"}
)
# Linking elements between compound parts, most specific first.
_FUGEN = ("es", "en", "er", "s", "n", "e")
_MIN_PART = 3
_MIN_COMPOUND = 6
_MAX_DEPTH = 4


@dataclass(frozen=True)
class Compound:
    """A split compound: `lemma` of the whole, `leaves` (lemmas of the smallest parts,
    in order), `inner` (lemmas of intermediate compounds such as "hundesteuer")."""

    lemma: str
    leaves: tuple[str, ...]
    inner: tuple[str, ...] = ()


def split_compound(lexicon: GermanLexicon, folded: str, depth: int = 0) -> Compound | None:
    """Split a folded word into known parts, or None.

    The tail must be a known noun form (the head of a German compound is its last part);
    the rest is a known noun or verb stem, optionally with a linking element (Fuge), or
    itself a compound. Among possible splits the longest tail wins, but a head ending in
    "s" (Fugen-s) beats a tail that merely starts with "s" ("Arbeits|amt", not "Arbeit|samt").
    """
    if len(folded) < _MIN_COMPOUND or depth > _MAX_DEPTH:
        return None
    best: tuple[int, Compound] | None = None
    stop = lexicon.stop_words
    for head_len in range(_MIN_PART, len(folded) - _MIN_PART + 1):
        tail = folded[head_len:]
        if tail in _NOT_A_TAIL or tail in stop:
            continue
        tail_lemma = lexicon.noun_lemma(tail)
        if tail_lemma is None:
            continue
        head = folded[:head_len]
        found = _split_head(lexicon, head, depth)
        if found is None:
            continue
        head_text, leaves, inner = found
        score = len(tail) + (2 if head.endswith("s") else 0) + (1 if not inner else 0)
        if best is None or score > best[0]:
            tail_split = split_compound(lexicon, tail_lemma, depth + 1) if len(tail_lemma) >= _MIN_COMPOUND else None
            if tail_split is not None:
                leaves = (*leaves, *tail_split.leaves)
                inner = (*inner, tail_lemma, *tail_split.inner)
            else:
                leaves = (*leaves, tail_lemma)
            best = (score, Compound(head_text + tail_lemma, leaves, inner))
    return best[1] if best else None


def _split_head(lexicon: GermanLexicon, head: str, depth: int) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(head as written, leaf lemmas, intermediate compounds) for a compound head."""
    stop = lexicon.stop_words
    candidates = [(head, "")]
    for fuge in _FUGEN:
        if head.endswith(fuge) and len(head) - len(fuge) >= _MIN_PART:
            candidates.append((head[: -len(fuge)], fuge))
    for word, fuge in candidates:
        if word in stop:
            continue
        lemma = lexicon.noun_lemma(word)
        if lemma is not None:
            return head, (lemma,), ()
    for word, fuge in candidates:
        if word in stop:
            continue
        verb = lexicon.verb_stem(word)
        if verb is not None and not fuge:
            return head, (verb,), ()
    for word, fuge in candidates:
        inner = split_compound(lexicon, word, depth + 1)
        if inner is not None:
            return head, inner.leaves, (inner.lemma, *inner.inner)
    return None


# --- the analyzer -----------------------------------------------------------------------

# Letters/digits, optionally joined by hyphens ("Bau-Antrag", "E-Mail").
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_MAX_TOKEN_LEN = 60

_lexicon: GermanLexicon | None = None
_lexicon_lock = threading.Lock()


def shared_lexicon() -> GermanLexicon:
    """The process-wide lexicon, loaded on first use."""
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                _lexicon = GermanLexicon()
    return _lexicon


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
