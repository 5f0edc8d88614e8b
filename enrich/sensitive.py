"""Flags for personal and sensitive data, with the reason, so admins can find such files
(e.g. personal data lying in folders everybody can open)."""

from __future__ import annotations

import re

from aktenlotse.enrich.entities import Entity

_HEALTH = re.compile(
    r"krank|erkrank|diagnose|befund|attest|arbeitsunfähig|therapie|medikation|schwangerschaft|"
    r"behinderung|pflegegrad",
    re.IGNORECASE,
)
_SOCIAL = re.compile(
    r"sozialhilfe|bürgergeld|arbeitslosengeld|grundsicherung|wohngeld|asylbewerberleistung|"
    r"sozialleistung",
    re.IGNORECASE,
)
_BIRTH = re.compile(r"geburt|^geb\b|geboren", re.IGNORECASE)
_IDS = re.compile(r"versicherungsnummer|steuer-?id|steueridentifikation|ausweisnummer", re.IGNORECASE)
_SPECIAL = re.compile(r"religion|konfession|gewerkschaft|vorstrafe|führungszeugnis", re.IGNORECASE)

#: reason code -> German text shown to admins
REASONS = {
    "iban": "Bankverbindung (IBAN)",
    "geburtsdatum": "Geburtsdatum",
    "gesundheit": "Gesundheitsdaten (Art. 9 DSGVO)",
    "sozialdaten": "Sozialdaten (§ 35 SGB I)",
    "kennnummer": "persönliche Kennnummer (Versicherungs-, Steuer- oder Ausweisnummer)",
    "besondere_kategorie": "besondere Kategorie personenbezogener Daten (Religion, Gewerkschaft, Vorstrafen)",
}


def sensitive_flags(entities: list[Entity], text: str = "") -> list[str]:
    """Reason codes (keys of REASONS) for a document's entities; empty when nothing sensitive.

    A birth date needs a marker ("geb.", "Geburtsdatum") with a date within 40 characters,
    so that ordinary dates do not count."""
    reasons: list[str] = []

    def add(code: str) -> None:
        if code not in reasons:
            reasons.append(code)

    dates = [e for e in entities if e.label == "DATUM"]
    for e in entities:
        if e.label == "IBAN":
            add("iban")
        elif e.label == "PERSONENDATEN":
            word = e.text
            if _BIRTH.search(word):
                if any(0 <= d.start - e.end <= 40 for d in dates):
                    add("geburtsdatum")
            elif _HEALTH.search(word):
                add("gesundheit")
            elif _SOCIAL.search(word):
                add("sozialdaten")
            elif _IDS.search(word):
                add("kennnummer")
            elif _SPECIAL.search(word):
                add("besondere_kategorie")
    return reasons


def describe(reasons: list[str]) -> list[str]:
    return [REASONS.get(r, r) for r in reasons]
