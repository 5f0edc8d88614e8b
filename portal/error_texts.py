"""The crawl's error records as the admin page shows them: a German message for each, the
text of the parser or the system (a Java exception from Tika, an errno) only as technical
detail beside it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aktenlotse.core.records import ERROR_KINDS

# What an admin should know about each kind of error, when the stored message is a raw
# exception text (English, with Java class names) instead of one of our own sentences.
KIND_MESSAGES = {
    "corrupt": "Die Datei ist beschädigt oder nicht im erwarteten Format; ihr Text konnte nicht gelesen werden.",
    "encrypted": "Die Datei ist verschlüsselt oder mit einem Passwort geschützt; ihr Text ist nicht lesbar.",
    "timeout": "Das Lesen der Datei dauerte länger als erlaubt und wurde abgebrochen.",
    "too_large": "Die Datei ist zu groß, um ihren Text zu lesen.",
    "unsupported": "Für dieses Dateiformat gibt es kein Leseprogramm.",
    "no_text": "Diese Datei enthält keinen Text (z. B. Bild, Audio, Programm).",
    "unreadable": "Die Datei konnte nicht geöffnet werden (fehlende Rechte oder nicht mehr vorhanden).",
    "server": "Der Dienst zum Lesen der Dateien (Tika) war nicht erreichbar oder ist abgestürzt.",
    "partial": "Nur ein Teil des Textes konnte gelesen werden.",
    "unavailable": "Die Ablage war beim Crawl nicht erreichbar.",
}
UNKNOWN_KIND_MESSAGE = "Die Datei konnte nicht verarbeitet werden."
# Signs of a text written by a parser or the system, not by us: a Java class name
# (org.apache.tika.exception.TikaException), a CamelCase …Exception/…Error, an errno, a
# Python traceback or iscc-tika's ParseError(…).
_TECHNICAL = re.compile(
    r"\b(?:[a-z][a-z0-9_]*\.){2,}[A-Z]\w*"
    r"|\b[A-Z]\w*(?:Exception|Error)\b"
    r"|\[Errno \d+\]"
    r"|Traceback \(most recent call last\)"
)


@dataclass(frozen=True)
class ShownError:
    """One error record on the admin page: the kind and message in German, the raw text
    of the parser or system (empty when the message is already ours)."""

    kind: str
    message: str
    detail: str


def is_technical(message: str) -> bool:
    """Whether `message` is a raw exception text rather than one of our German sentences."""
    return bool(_TECHNICAL.search(message or ""))


def kind_label(kind: str) -> str:
    """The kind of an error record in German; an unknown kind is shown as it is stored."""
    return ERROR_KINDS.get(kind, kind)


def shown_error(kind: str, message: str | None) -> ShownError:
    """What the admin page shows of an error record (nothing of it is lost: a raw text is
    kept as the detail)."""
    text = (message or "").strip()
    if text and not is_technical(text):
        return ShownError(kind_label(kind), text, "")
    return ShownError(kind_label(kind), KIND_MESSAGES.get(kind, UNKNOWN_KIND_MESSAGE), text)
