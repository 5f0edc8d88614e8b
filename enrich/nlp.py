"""German NLP for enrichment: one shared analyzer, an optional spaCy pipeline, text caps.

The hot path (run inline during the crawl) does not run a spaCy pipeline over the text:
lemmas and compound parts come from `aktenlotse.text.analysis.GermanAnalyzer` (spaCy's
German lookup table, cached per word) and entities from compiled rules (`entities`).
`load_pipeline()` gives the spaCy pipeline for callers that want one: a trained German
pipeline (`de_core_news_lg/md/sm`) when installed, else blank German with the lookup
lemmatizer. When a trained pipeline is installed, `entities` adds its person/place/
organisation names (on a capped prefix of the text).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aktenlotse.core.process_wide import ProcessWide
from aktenlotse.text.analysis import GermanAnalyzer, WordAnalysis, find_exact_tokens, fold

#: Characters of a document that enrichment reads (a 500-page PDF is not scanned whole:
#: keywords, entities and class suggestions are decided by its beginning).
MAX_ENRICH_CHARS = 100_000

TRAINED_PIPELINES = ("de_core_news_lg", "de_core_news_md", "de_core_news_sm")

_analyzer = ProcessWide(GermanAnalyzer)


def analyzer() -> GermanAnalyzer:
    """The process-wide German analyzer (lexicon loaded once)."""
    return _analyzer.get()


def cap(text: str, max_chars: int = MAX_ENRICH_CHARS) -> str:
    """At most `max_chars` characters, cut at a whitespace when one is near."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars - 200, max_chars)
    return text[: cut if cut > 0 else max_chars]


def lemma_tokens(text: str, max_chars: int = MAX_ENRICH_CHARS) -> list[str]:
    """Index tokens (surface, lemmas, compound parts, exact tokens) of the capped text."""
    return analyzer().analyze(cap(text, max_chars))


def content_lemmas(text: str, max_chars: int = MAX_ENRICH_CHARS) -> list[str]:
    """Lemma-level tokens for classification: each word's lemma and its compound parts.

    Surface forms are left out where a lemma exists, so "Schulen" and "Schule" meet."""
    a = analyzer()
    out: list[str] = []
    for word in _words(cap(text, max_chars)):
        analysis = a.analyze_word(word)
        if analysis.is_stop:
            continue
        primary = analysis.primary
        out.append(primary[-1] if len(primary) > 1 else primary[0])
        out.extend(analysis.parts)
    return out


def _words(text: str) -> Iterator[str]:
    for _, _, word in analyzer().iter_words(text):
        yield word


def word_analyses(text: str) -> Iterator[tuple[str, WordAnalysis]]:
    """(surface word, analysis) for every word of `text` (no cap applied)."""
    a = analyzer()
    for _, _, word in a.iter_words(text):
        yield word, a.analyze_word(word)


def legal_reference_laws(text: str, max_chars: int = MAX_ENRICH_CHARS) -> list[str]:
    """Folded law abbreviations of the legal references in `text` ("§ 34 BauGB" -> "baugb")."""
    laws = []
    for exact in find_exact_tokens(cap(text, max_chars)):
        token = exact.token
        if (token.startswith("p") or token.startswith("art")) and "_" in token and not token[0].isdigit():
            laws.append(token.split("_", 1)[1])
    return laws


def load_pipeline() -> tuple[Any, bool]:
    """A trained German spaCy pipeline when installed, else blank German + lookup lemmas.

    Loaded once per process. Returns (nlp, trained: bool)."""
    return _pipeline.get()


def _load_pipeline() -> tuple[Any, bool]:
    import spacy  # heavy (~1 s); only texts that need lemmas or entities load it

    for name in TRAINED_PIPELINES:
        try:
            return spacy.load(name, disable=["parser"]), True
        except (OSError, ImportError):
            continue
    nlp = spacy.blank("de")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except Exception:  # lookup tables missing: tokens without lemmas still work
        pass
    return nlp, False


_pipeline = ProcessWide(_load_pipeline)


def trained_pipeline_available() -> bool:
    return load_pipeline()[1]


__all__ = [
    "MAX_ENRICH_CHARS",
    "analyzer",
    "cap",
    "lemma_tokens",
    "content_lemmas",
    "word_analyses",
    "legal_reference_laws",
    "load_pipeline",
    "trained_pipeline_available",
    "fold",
]
