"""The German lexicon (spaCy's lookup lemma table, folded, with the noun and verb sets derived
from it) and the compound splitter that uses it as vocabulary."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib import resources

from aktenlotse.text.folding import fold, load_stop_words

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
        self.stop_words = load_stop_words()

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
    for word, _fuge in candidates:
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
    for word, _fuge in candidates:
        inner = split_compound(lexicon, word, depth + 1)
        if inner is not None:
            return head, inner.leaves, (inner.lemma, *inner.inner)
    return None
