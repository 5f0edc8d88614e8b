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
MODE_LABELS = {"fulltext": "Volltext", "semantic": "Semantisch", "hybrid": "Hybrid"}


def type_icon(file_type: str, kind: str = "file") -> str:
    """The icon of a hit: wiki page, attachment, or by file type."""
    if kind == "wiki":
        return "📰"
    if kind == "attachment":
        return "📎"
    return TYPE_ICONS.get((file_type or "").lower(), "📄")


def human_size(size: int) -> str:
    """A size as German users read it (1,5 MB)."""
    value = float(size or 0)
    for unit in ("Byte", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.0f}" if unit == "Byte" else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


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
