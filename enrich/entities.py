"""Rule-based entities of municipal documents.

Compiled regexes over a capped prefix of the text (see `nlp.MAX_ENRICH_CHARS`): Aktenzeichen,
legal references, dates, money amounts, Flurstück/Gemarkung, street addresses, IBAN (checksum
validated), phone numbers, e-mail addresses and person-data markers (Geburtsdatum, Diagnose,
Sozialleistung …). When a trained German spaCy pipeline is installed, `find_entities(...,
use_model=True)` adds its PER/LOC/ORG names.

Labels: AKTENZEICHEN, RECHTSNORM, DATUM, BETRAG, FLURSTUECK, GEMARKUNG, ADRESSE, IBAN,
TELEFON, EMAIL, PERSONENDATEN, and PER/LOC/ORG from a trained model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aktenlotse.enrich.nlp import MAX_ENRICH_CHARS, cap, load_pipeline

_MONTHS = (
    "Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember|"
    "Jan\\.|Feb\\.|Mär\\.|Apr\\.|Jun\\.|Jul\\.|Aug\\.|Sep\\.|Sept\\.|Okt\\.|Nov\\.|Dez\\."
)

_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")),
    (
        "AKTENZEICHEN",
        re.compile(
            r"\b(?:Az|AZ|Aktenzeichen|Gz|GZ|Geschäftszeichen|Unser Zeichen|Ihr Zeichen)\.?\s*:?\s*"
            r"((?:[A-Za-z]{1,6}[./ -]?)?\d[\w./-]*(?:[ ]\d[\w./-]*)*)"
        ),
    ),
    ("AKTENZEICHEN", re.compile(r"(?<![\w.,/-])\d{2,4}(?:\.\d{1,4})+-\d{4}/\d{1,6}(?![\w])")),
    (
        "RECHTSNORM",
        re.compile(
            r"(?:§§?|\bArt\.|\bArtikel)\s*\d+[a-z]?(?:\s*(?:,|und|bis|-|–)\s*\d+[a-z]?)*"
            r"(?:\s+(?:Abs\.?|Absatz)\s*\d+[a-z]?)?(?:\s+(?:S\.|Satz)\s*\d+)?(?:\s+(?:Nr\.?|Nummer)\s*\d+[a-z]?)?"
            r"(?:\s+[A-ZÄÖÜ][A-Za-zÄÖÜäöü]*[A-ZÄÖÜ][A-Za-zÄÖÜäöü-]*)?"
        ),
    ),
    (
        "DATUM",
        re.compile(
            r"\b(?:0?[1-9]|[12]\d|3[01])\.\s?(?:0?[1-9]|1[0-2])\.\s?(?:19|20)?\d{2}\b"
            r"|\b(?:0?[1-9]|[12]\d|3[01])\.\s?(?:" + _MONTHS + r")\s+(?:19|20)\d{2}\b"
            r"|\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"
        ),
    ),
    (
        "BETRAG",
        re.compile(
            r"(?:€|EUR)\s?\d{1,3}(?:\.\d{3})*(?:,\d{1,2}|,-{1,2})?(?!\d)"
            r"|\b\d{1,3}(?:\.\d{3})*(?:,\d{1,2}|,-{1,2})?\s?(?:€|EUR\b|Euro\b)"
            r"|\b\d+(?:,\d+)?\s?(?:Mio\.|Millionen|Tsd\.)\s?(?:€|EUR\b|Euro\b)"
        ),
    ),
    (
        "FLURSTUECK",
        re.compile(
            r"\b(?:Flurstücke?|Flurst\.|Flst\.|Flurstücksnummer)\s*(?:Nr\.?\s*)?"
            r"\d+(?:/\d+)?(?:\s*(?:,|und)\s*\d+(?:/\d+)?)*"
        ),
    ),
    ("GEMARKUNG", re.compile(r"\bGemarkung\s+[A-ZÄÖÜ][\wäöüß-]+(?:\s[A-ZÄÖÜ][\wäöüß-]+)?")),
    (
        "ADRESSE",
        re.compile(
            r"\b[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|markt|steig|chaussee)"
            r"\s\d{1,4}\s?[a-z]?\b(?:,\s*\d{5}\s[A-ZÄÖÜ][\wäöüß-]+)?"
            r"|\b(?:Am|An der|Im|In der|Auf der|Zum|Zur)\s[A-ZÄÖÜ][\wäöüß-]+\s\d{1,4}[a-z]?,"
            r"\s*\d{5}\s[A-ZÄÖÜ][\wäöüß-]+"
        ),
    ),
    (
        "TELEFON",
        re.compile(
            r"(?:(?:Tel\.?|Telefon|Fax|Mobil|Handy)\s*:?\s*)"
            r"(?:\+49|0049|0)[\s/-]?\(?\d{2,5}\)?[\s/-]?\d{2,}(?:[\s-]?\d{1,})*"
            r"|(?<![\w.])\+49[\s-]?\(?0?\)?\d{2,5}[\s/-]?\d{3,}(?:[\s-]?\d{1,})*"
        ),
    ),
    (
        "PERSONENDATEN",
        re.compile(
            r"\b(?:Geburtsdatum|Geburtstag|Geburtsort|geb\.\s?am|geboren am|geb\.(?=\s*\d)|Sozialversicherungsnummer|"
            r"Rentenversicherungsnummer|Steuer-?ID|Steueridentifikationsnummer|Personalausweisnummer|Ausweisnummer|"
            r"Krankenversicherungsnummer|Krankheit(?:en)?|Erkrankung(?:en)?|Diagnose[n]?|Befund(?:e)?|"
            r"ärztliche[snm]? Attest|"
            r"Attest|Arbeitsunfähigkeit(?:sbescheinigung)?|Schwerbehinderung|Behinderungsgrad|Grad der Behinderung|"
            r"Pflegegrad|Sozialhilfe|Bürgergeld|Arbeitslosengeld|Grundsicherung|Wohngeld|Asylbewerberleistung(?:en)?|"
            r"Sozialleistung(?:en)?|Religionszugehörigkeit|Konfession|Vorstrafe[n]?|Führungszeugnis|Gewerkschaftszugehörigkeit|"
            r"Schwangerschaft|Therapie|Medikation)(?!\w)",
            re.IGNORECASE,
        ),
    ),
]

_IBAN_LENGTHS = {
    "DE": 22,
    "AT": 20,
    "CH": 21,
    "NL": 18,
    "FR": 27,
    "IT": 27,
    "ES": 24,
    "BE": 16,
    "LU": 20,
    "PL": 28,
    "CZ": 24,
    "DK": 18,
    "GB": 22,
    "IE": 22,
    "LI": 21,
}


def iban_valid(raw: str) -> bool:
    """ISO 13616 check: country length (when known) and mod-97 == 1."""
    iban = raw.replace(" ", "").upper()
    if len(iban) < 15 or len(iban) > 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


@dataclass(frozen=True)
class Entity:
    """One entity found in text: label, the text as written, character span."""

    label: str
    text: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str]:
        return {"label": self.label, "text": self.text}


def find_entities(text: str, max_chars: int = MAX_ENRICH_CHARS, use_model: bool = False) -> list[Entity]:
    """Entities in the first `max_chars` characters of `text`, in order, non-overlapping
    (earlier rules win: an e-mail is not also a date, an Aktenzeichen not also a Betrag)."""
    text = cap(text, max_chars)
    if not text.strip():
        return []
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for label, pattern in _RULES:
        for m in pattern.finditer(text):
            start, end = m.span()
            value = m.group().strip().rstrip(".,;:")
            if label == "IBAN" and not iban_valid(value):
                continue
            if label == "AKTENZEICHEN" and m.groups() and m.group(1):
                value = m.group().strip().rstrip(".,;:-/")
            if any(s < end and start < e for s, e in taken):
                continue
            found.append(Entity(label, value, start, end))
            taken.append((start, end))
    if use_model:
        found.extend(_model_entities(text, taken))
    found.sort(key=lambda e: e.start)
    return found


def _model_entities(text: str, taken: list[tuple[int, int]]) -> list[Entity]:
    nlp, trained = load_pipeline()
    if not trained:
        return []
    out = []
    for ent in nlp(text[:20_000]).ents:
        if ent.label_ in ("PER", "LOC", "ORG") and not any(s < ent.end_char and ent.start_char < e for s, e in taken):
            out.append(Entity(ent.label_, ent.text, ent.start_char, ent.end_char))
    return out


def compact(entities: list[Entity], per_label: int = 20) -> list[dict[str, str]]:
    """Unique {label, text} dicts, at most `per_label` per label (what `doc.extra` stores)."""
    seen: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    out = []
    for e in entities:
        key = (e.label, e.text)
        if key in seen or counts.get(e.label, 0) >= per_label:
            continue
        seen.add(key)
        counts[e.label] = counts.get(e.label, 0) + 1
        out.append(e.as_dict())
    return out
