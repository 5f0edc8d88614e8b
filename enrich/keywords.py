"""Keywords (Verschlagwortung): a handful of meaningful German nouns per document.

Candidates are nouns (capitalised words) reduced to their lemma; a compound counts for
itself and gives a smaller share to its parts ("Baugenehmigungen" -> Baugenehmigung, and a
little for Genehmigung), so that a document about many kinds of "…genehmigung" surfaces
the shared part. Stop words and office boilerplate (Seite, Anlage, Sehr geehrte …) are
dropped. Scores are tf × idf: the crawl uses a neutral idf that prefers longer, more
specific words (each document is enriched on its own, in any order, so no corpus
statistics exist when it is read); a caller holding a corpus can pass an idf table
(`build_document_frequencies`). Keywords that match the Aktenplan's keyword
list are preferred and spelled as the plan spells them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from aktenlotse.enrich.nlp import MAX_ENRICH_CHARS, analyzer, cap, fold
from aktenlotse.text.calendar_words import MONTHS, WEEKDAYS

# Words that occur in almost every office document and say nothing about its subject.
BOILERPLATE = frozenset(
    fold(w)
    for w in [
        "Seite",
        "Seiten",
        "Anlage",
        "Anlagen",
        "Datum",
        "Absatz",
        "Satz",
        "Nummer",
        "Nr",
        "Herr",
        "Herrn",
        "Frau",
        "Damen",
        "Herren",
        "Gruß",
        "Grüße",
        "Anrede",
        "Telefon",
        "Telefax",
        "Fax",
        "Mail",
        "E-Mail",
        "Email",
        "Internet",
        "Bearbeiter",
        "Bearbeiterin",
        "Zimmer",
        "Sprechzeit",
        "Sprechzeiten",
        "Postfach",
        "Anschrift",
        "Betreff",
        "Bezug",
        "Az",
        "Aktenzeichen",
        "Zeichen",
        "Schreiben",
        "Mitteilung",
        "Kenntnis",
        "Kenntnisnahme",
        "Rückfragen",
        "Fragen",
        "Hinweis",
        "Hinweise",
        "Information",
        "Informationen",
        "Unterschrift",
        "Auftrag",
        "Vertretung",
        "Dank",
        "Uhr",
        "Tag",
        "Tage",
        "Jahr",
        "Jahre",
        "Monat",
        "Monate",
        "Woche",
        "Wochen",
        "Stand",
        "Fassung",
        "Version",
        "Inhalt",
        "Inhaltsverzeichnis",
        "Abs",
        "Art",
        "Artikel",
        "Buchstabe",
        "Punkt",
        "Punkte",
        "Ziffer",
        "Teil",
        "Teile",
        "Fall",
        "Fälle",
        "Rahmen",
        "Grundlage",
        "Grundlagen",
        "Sinne",
        "Regel",
        "Weise",
        "Art",
        "Zweck",
        "Zwecke",
        "Verfügung",
        "Bekanntmachung",
        "Geltung",
        "Kraft",
        "Inkrafttreten",
        "Text",
        "Abschnitt",
        "Kapitel",
        "Liste",
        "Beispiel",
        "Angabe",
        "Angaben",
        "Prozent",
        "Euro",
        "EUR",
        "Freistaat",
        "Sachsen",
        "BEHÖRDE",
        "Behörde",
        "Stelle",
        "Stellen",
        "Tabelle",
        "Spalte",
        "Zeile",
        "Vorschrift",
        "Vorschriften",
        "Vorbemerkung",
        *MONTHS,
        *WEEKDAYS,
    ]
)

MAX_CANDIDATE_LEN = 40


@dataclass
class DocumentFrequencies:
    """How many documents contain each lemma: the idf table for keyword scoring."""

    n_docs: int = 0
    df: Counter = field(default_factory=Counter)

    def add(self, lemmas: Iterable[str]) -> None:
        """Count one document with these lemmas."""
        self.n_docs += 1
        self.df.update(set(lemmas))

    def idf(self, lemma: str) -> float:
        """Smoothed inverse document frequency of `lemma`."""
        return math.log((self.n_docs + 1) / (self.df.get(lemma, 0) + 1)) + 1.0


def build_document_frequencies(texts: Iterable[str]) -> DocumentFrequencies:
    """An idf table from a corpus (e.g. the indexed documents)."""
    table = DocumentFrequencies()
    for text in texts:
        table.add(c.lemma for c in _candidates(text).values())
    return table


@dataclass
class _Candidate:
    lemma: str
    count: float = 0.0
    surfaces: Counter = field(default_factory=Counter)
    first: int = 0
    compound: bool = False


def _candidates(text: str, max_chars: int = MAX_ENRICH_CHARS) -> dict[str, _Candidate]:
    a = analyzer()
    lex = a.lexicon
    found: dict[str, _Candidate] = {}
    position = 0
    for _, _, word in a.iter_words(cap(text, max_chars)):
        position += 1
        if not word[:1].isupper() or len(word) < 3 or len(word) > MAX_CANDIDATE_LEN or word.isupper() and len(word) > 5:
            continue
        if any(ch.isdigit() for ch in word):
            continue
        analysis = a.analyze_word(word)
        if analysis.is_stop:
            continue
        folded = analysis.primary[0]
        lemma = lex.noun_lemma(folded) or (analysis.primary[-1] if len(analysis.primary) > 1 else folded)
        if lemma in BOILERPLATE or folded in BOILERPLATE or lemma in lex.stop_words:
            continue
        cand = found.get(lemma)
        if cand is None:
            cand = found[lemma] = _Candidate(lemma, first=position, compound=bool(analysis.leaves))
        cand.count += 1.0
        cand.surfaces[word] += 1
        # compound parts get a share: documents about many "…genehmigungen" are about Genehmigung
        for leaf in analysis.leaves[-1:]:
            if leaf != lemma and leaf not in BOILERPLATE and len(leaf) >= 4 and leaf in lex.nouns:
                part = found.get(leaf)
                if part is None:
                    part = found[leaf] = _Candidate(leaf, first=position)
                part.count += 0.34
    return found


def _display(c: _Candidate) -> str:
    for surface, _ in c.surfaces.most_common():
        if fold(surface) == c.lemma:
            return surface
    if c.surfaces:
        surface = c.surfaces.most_common(1)[0][0]
        if any(ch in surface for ch in "äöüß"):
            restored = c.lemma.replace("ae", "ä").replace("oe", "ö").replace("ue", "ü")
            return restored[:1].upper() + restored[1:]
    return c.lemma[:1].upper() + c.lemma[1:]


class KeywordExtractor:
    """`extract(text) -> list[str]`: the top keywords of one document.

    `plan_keywords`: the Aktenplan's keywords (as written); matching ones are preferred."""

    def __init__(
        self, frequencies: DocumentFrequencies | None = None, plan_keywords: Iterable[str] = (), top_n: int = 6
    ):
        self.frequencies = frequencies if frequencies and frequencies.n_docs >= 20 else None
        self.top_n = top_n
        self.plan: dict[str, str] = {}
        a = analyzer()
        for kw in plan_keywords:
            words = kw.split()
            if len(words) != 1:
                continue
            analysis = a.analyze_word(kw)
            if analysis.is_stop:
                continue
            lemma = a.lexicon.noun_lemma(analysis.primary[0]) or analysis.primary[-1]
            self.plan.setdefault(lemma, kw)

    def extract(self, text: str, title: str = "") -> list[str]:
        if not text.strip() and not title.strip():
            return []
        found = _candidates(text)
        for lemma, cand in _candidates(title).items():
            known = found.setdefault(lemma, cand) if lemma not in found else found[lemma]
            known.count += 2.0  # title words count extra
        if not found:
            return []
        scored = []
        for c in found.values():
            if c.count < 1 and c.lemma not in self.plan:
                continue
            tf = 1.0 + math.log(c.count) if c.count >= 1 else c.count
            if self.frequencies is not None:
                idf = self.frequencies.idf(c.lemma)
            else:
                idf = 1.0 + min(len(c.lemma), 16) / 8.0 + (0.5 if c.compound else 0.0)
            score = tf * idf
            if c.lemma in self.plan:
                score *= 1.5
            # early mention (subject lines) counts a little
            score *= 1.0 + 0.3 / (1.0 + c.first / 50.0)
            scored.append((score, c))
        scored.sort(key=lambda item: (-item[0], item[1].first))
        out: list[str] = []
        seen: set[str] = set()
        for _, c in scored:
            name = self.plan.get(c.lemma) or _display(c)
            key = fold(name)
            if key in seen:
                continue
            seen.add(key)
            out.append(name)
            if len(out) >= self.top_n:
                break
        return out
