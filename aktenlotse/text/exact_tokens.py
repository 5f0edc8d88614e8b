"""Aktenzeichen and legal references found in text, each as one exact token
(`632.10-2023/145` -> 632_10_2023_145, `§ 34 BauGB` -> p34_baugb)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aktenlotse.text.folding import NOT_TOKEN_CHAR, UMLAUTS, fold

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
    return "_".join(filter(None, NOT_TOKEN_CHAR.split(raw.lower().translate(UMLAUTS))))


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
