"""Small display helpers for result lists (pure functions, German formats)."""

from __future__ import annotations

import datetime as dt

TYPE_ICONS = {
    "pdf": "📕",
    "doc": "📘",
    "docx": "📘",
    "odt": "📘",
    "rtf": "📘",
    "txt": "📄",
    "md": "📄",
    "xls": "📗",
    "xlsx": "📗",
    "ods": "📗",
    "csv": "📗",
    "ppt": "📙",
    "pptx": "📙",
    "odp": "📙",
    "eml": "✉️",
    "msg": "✉️",
    "htm": "🌐",
    "html": "🌐",
    "zip": "🗜️",
    "jpg": "🖼️",
    "jpeg": "🖼️",
    "png": "🖼️",
    "tif": "🖼️",
    "tiff": "🖼️",
}
# The roles as the sidebar names them (the config's role names are English identifiers).
ROLE_LABELS = {
    "employee": "Beschäftigte",
    "digitallotse": "Digitallotse",
    "ag_dms": "AG DMS",
    "admin": "Administration",
}
MODE_LABELS = {"fulltext": "Volltext", "semantic": "Semantisch", "hybrid": "Hybrid"}


def role_labels(roles: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """The user's roles in German, in a fixed order (an unknown role keeps its name)."""
    known = [label for role, label in ROLE_LABELS.items() if role in roles]
    return ", ".join([*known, *sorted(r for r in roles if r not in ROLE_LABELS)])


def type_icon(file_type: str, kind: str = "file") -> str:
    """The icon of a hit: wiki page, attachment, or by file type."""
    if kind == "wiki":
        return "📰"
    if kind == "attachment":
        return "📎"
    return TYPE_ICONS.get((file_type or "").lower(), "📄")


def german_date(iso: str | None) -> str:
    """An ISO date as TT.MM.JJJJ (the first ten characters when it does not parse)."""
    if not iso:
        return ""
    try:
        return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%d.%m.%Y")
    except ValueError:
        return iso[:10]


def facet_label(value: str, count: int) -> str:
    """A facet value with its count."""
    return f"{value} ({count})"
