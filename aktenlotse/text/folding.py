"""Character folding (ä -> ae, ß -> ss, lower case ASCII) and the German stop words, folded:
the two rules every token of the index and every query word go through."""

from __future__ import annotations

import re
import unicodedata

# --- character folding -------------------------------------------------------------

UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
NOT_TOKEN_CHAR = re.compile(r"[^a-z0-9]+")


def fold(word: str) -> str:
    """Lower-case, fold German umlauts/ß, strip other accents; drop anything outside [a-z0-9]."""
    folded = word.lower().translate(UMLAUTS)
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")
    if not folded.isalnum():
        folded = NOT_TOKEN_CHAR.sub("", folded)
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


def load_stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(fold(w) for w in STOP_WORDS if w not in _KEPT_FROM_STOP_LIST)
