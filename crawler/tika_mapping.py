"""Tika's recursive metadata (`/rmeta/text`, the same list the in-process parser gives) mapped
to `Extracted`: title, dates, language, the tree of embedded documents, and which of them keep
text. Shared by the server and the in-process extractor so both give the same fields."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aktenlotse.core.records import Extracted, ExtractionError
from aktenlotse.crawler.content_types import no_parser_error

# ---------------------------------------------------------------- shared mapping

# Embedded items that are not documents of their own: renderings, macros, versions and a
# mail's alternative (HTML) body repeat what the parent already says; they are skipped with
# everything inside them. Attachments and archive members carry no type or ATTACHMENT.
_SKIPPED_EMBEDDED = {"RENDERING", "MACRO", "ALTERNATE_FORMAT", "VERSION"}
# Inline objects and thumbnails are mostly pictures, but an inline object can be a whole
# document (a PDF embedded in a spreadsheet): kept when they carry text, and what is inside
# one without text is kept under its parent.
_KEPT_WITH_TEXT = {"INLINE", "THUMBNAIL"}

_STOPWORDS: dict[str, frozenset[str]] = {
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "ein",
            "eine",
            "einer",
            "mit",
            "für",
            "auf",
            "den",
            "dem",
            "des",
            "sich",
            "von",
            "zu",
            "wird",
            "wurde",
            "werden",
            "im",
            "bei",
            "auch",
            "als",
            "nach",
            "oder",
            "wir",
            "sie",
            "ihr",
            "sind",
            "über",
            "aus",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "not",
            "with",
            "for",
            "on",
            "of",
            "to",
            "in",
            "that",
            "this",
            "be",
            "was",
            "were",
            "by",
            "from",
            "or",
            "as",
            "it",
            "at",
            "have",
            "has",
            "which",
            "an",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "pas",
            "une",
            "des",
            "du",
            "pour",
            "dans",
            "que",
            "qui",
            "sur",
            "avec",
            "au",
            "ce",
            "sont",
            "par",
            "il",
            "elle",
            "nous",
            "vous",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "niet",
            "van",
            "voor",
            "op",
            "met",
            "dat",
            "zijn",
            "worden",
            "wordt",
            "ook",
            "bij",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "è",
            "non",
            "di",
            "per",
            "con",
            "che",
            "una",
            "sono",
            "del",
            "della",
            "nel",
            "alla",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "es",
            "no",
            "de",
            "para",
            "con",
            "que",
            "una",
            "son",
            "del",
            "por",
            "en",
            "se",
            "al",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """A cheap stop-word vote over the first words (ISO 639-1), or None if unsure.

    Good enough to tell German from English/French/... in administrative documents; a
    full language detector is not worth a second round trip per file.
    """
    counts = dict.fromkeys(_STOPWORDS, 0)
    words = 0
    for m in _WORD.finditer(text, 0, min(len(text), 5000)):
        w = m.group().lower()
        words += 1
        for lang, stop in _STOPWORDS.items():
            if w in stop:
                counts[lang] += 1
        if words >= 400:
            break
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= 2 and top >= 1.5 * second and top >= 0.05 * words:
        return best
    return None


def _first(meta: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = next((v for v in value if v not in (None, "")), None)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _language(meta: Mapping[str, Any], text: str) -> str | None:
    declared = _first(meta, "language", "dc:language", "Content-Language")
    if declared:
        primary = re.split(r"[-_,; ]", declared.lower(), maxsplit=1)[0]
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    return guess_language(text)


def _clean_text(text: str) -> str:
    # Tika's text handler emits one newline per XHTML block element of the head and the
    # layout; leading/trailing runs are noise.
    return text.strip()


def extracted_from_metadata(meta: Mapping[str, Any], text: str, max_text_chars: int) -> Extracted:
    """Map one Tika metadata record (+ its text) to an `Extracted` (no children)."""
    text = _clean_text(text)
    truncated = len(text) > max_text_chars or _flag(meta, "X-TIKA:EXCEPTION:write_limit_reached")
    text = text[:max_text_chars]
    content_type = _first(meta, "Content-Type")
    if content_type:
        content_type = content_type.split(";", 1)[0].strip().lower()
    return Extracted(
        text=text,
        title=_first(meta, "dc:title", "title"),
        author=_first(meta, "dc:creator", "meta:author", "Author", "creator"),
        created=_iso(_first(meta, "dcterms:created", "meta:creation-date", "Creation-Date")),
        modified=_iso(_first(meta, "dcterms:modified", "Last-Modified", "modified")),
        language=_language(meta, text),
        content_type=content_type,
        pages=_int(_first(meta, "xmpTPg:NPages", "meta:page-count", "Page-Count")),
        truncated=truncated,
    )


def error_kind(detail: str) -> str:
    """The ExtractionError kind for a Tika exception text (stack trace or message)."""
    if "EncryptedDocumentException" in detail:
        return "encrypted"
    if "UnsupportedFormatException" in detail:
        return "unsupported"
    return "corrupt"


def first_line(detail: str) -> str:
    line = detail.strip().splitlines()[0] if detail.strip() else ""
    return line[:300]


def _only_empty_parser(meta: Mapping[str, Any]) -> bool:
    parsers = meta.get("X-TIKA:Parsed-By")
    if isinstance(parsers, str):
        parsers = [parsers]
    if not parsers:
        return False
    return all(p.endswith("EmptyParser") for p in parsers)


def tree_from_rmeta(
    records: Sequence[Mapping[str, Any]], max_text_chars: int, max_members: int | None = None
) -> Extracted:
    """Build the container + nested children from Tika's recursive metadata list.

    Tika lists embedded documents depth-first but children before their parents, so
    items are nested by their embedded id path ("/1/2" is a child of "/1"), which,
    unlike resource names, is unique.

    A parse error after some text (an XFA form, an XML with an undeclared entity, a
    damaged archive whose first members are readable) keeps that text with a warning;
    only a file that yielded no text at all is an error.
    """
    if not records:
        # Tika does this when X-Tika-Timeout-Millis exceeds its taskTimeoutMillis.
        raise ExtractionError("server", "Tika lieferte kein Ergebnis (leere Liste)")
    container = records[0]
    exc = _first(container, "X-TIKA:EXCEPTION:container_exception")
    if _only_empty_parser(container) and not exc:
        raise no_parser_error(_first(container, "Content-Type"))
    root = _tree(container, records[1:], max_text_chars)
    if exc:
        if not _has_text(root) or error_kind(exc) == "encrypted":
            raise ExtractionError(error_kind(exc), first_line(exc))
        root.warning = f"Nur teilweise gelesen: {first_line(exc)}"
    warnings = [root.warning] if root.warning else []
    if _flag(container, "X-TIKA:EXCEPTION:embedded_resource_limit_reached"):
        root.truncated = True
        warnings.append(f"Nur die ersten {max_members or 'n'} eingebetteten Dokumente gelesen")
    if any(_flag(rec, "X-TIKA:EXCEPTION:write_limit_reached") for rec in records):
        root.truncated = True
        warnings.append("Textmenge je Datei erreicht, weitere Inhalte nicht gelesen")
    root.warning = "; ".join(warnings) or None
    return root


def _flag(meta: Mapping[str, Any], key: str) -> bool:
    return str(_first(meta, key) or "").lower() == "true"


def _has_text(item: Extracted) -> bool:
    return bool(item.text.strip()) or any(_has_text(child) for child in item.children)


def _tree(container: Mapping[str, Any], embedded: Sequence[Mapping[str, Any]], max_text_chars: int) -> Extracted:
    root = extracted_from_metadata(container, _first(container, "X-TIKA:content") or "", max_text_chars)
    nodes: dict[str, Extracted | None] = {"": root}
    keyed = []
    for rec in embedded:
        path = _first(rec, "X-TIKA:embedded_id_path") or _first(rec, "X-TIKA:embedded_resource_path") or ""
        keyed.append((_path_key(path), path, rec))
    # Parents before children, siblings in order of appearance (ids count up).
    keyed.sort(key=lambda t: t[0])
    for _, path, rec in keyed:
        parent_path = path.rsplit("/", 1)[0] if "/" in path else ""
        parent = nodes.get(parent_path, root)
        resource_type = _first(rec, "embeddedResourceType")
        if parent is None or resource_type in _SKIPPED_EMBEDDED:
            nodes[path] = None  # skipped, and so is everything inside it
            continue
        text = _first(rec, "X-TIKA:content") or ""
        if resource_type in _KEPT_WITH_TEXT and not text.strip():
            nodes[path] = parent  # a picture: whatever it holds belongs to its parent
            continue
        child = extracted_from_metadata(rec, text, max_text_chars)
        child.name = _first(rec, "resourceName")
        parent.children.append(child)
        nodes[path] = child
    return root


def _path_key(path: str) -> tuple[int, tuple[tuple[int, str], ...]]:
    parts = [p for p in path.split("/") if p]
    return len(parts), tuple((int(p), "") if p.isdigit() else (0, p) for p in parts)
