"""Small display helpers for result lists (pure functions, German formats)."""

from __future__ import annotations

import datetime as dt

from aktenlotse.core.records import RUN_STATUS_LABELS

# Material icons, drawn from the icon font Streamlit serves itself: emoji would depend on
# the client's fonts (without an emoji font they are empty boxes).
DOCUMENT_ICON = ":material/description:"
TEXT_ICON = ":material/article:"
SHEET_ICON = ":material/table_chart:"
SLIDES_ICON = ":material/slideshow:"
MAIL_ICON = ":material/mail:"
IMAGE_ICON = ":material/image:"
WIKI_ICON = ":material/newspaper:"
ATTACHMENT_ICON = ":material/attach_file:"
TYPE_ICONS = {
    "pdf": ":material/picture_as_pdf:",
    "doc": DOCUMENT_ICON,
    "docx": DOCUMENT_ICON,
    "odt": DOCUMENT_ICON,
    "rtf": DOCUMENT_ICON,
    "txt": TEXT_ICON,
    "md": TEXT_ICON,
    "xls": SHEET_ICON,
    "xlsx": SHEET_ICON,
    "ods": SHEET_ICON,
    "csv": SHEET_ICON,
    "ppt": SLIDES_ICON,
    "pptx": SLIDES_ICON,
    "odp": SLIDES_ICON,
    "eml": MAIL_ICON,
    "msg": MAIL_ICON,
    "htm": ":material/public:",
    "html": ":material/public:",
    "zip": ":material/folder_zip:",
    "jpg": IMAGE_ICON,
    "jpeg": IMAGE_ICON,
    "png": IMAGE_ICON,
    "tif": IMAGE_ICON,
    "tiff": IMAGE_ICON,
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


def run_status_label(status: str | None) -> str:
    """A crawl run's state in German; an unknown state is shown as it is stored."""
    return RUN_STATUS_LABELS.get(status or "", status or "")


def type_icon(file_type: str, kind: str = "file") -> str:
    """The icon of a hit: wiki page, attachment, or by file type."""
    if kind == "wiki":
        return WIKI_ICON
    if kind == "attachment":
        return ATTACHMENT_ICON
    return TYPE_ICONS.get((file_type or "").lower(), DOCUMENT_ICON)


def containing_folder(path: str) -> str:
    """The folder a file lies in, in the same notation ("\\\\rathaus\\daten\\Bauamt\\a.docx" ->
    "\\\\rathaus\\daten\\Bauamt"; "Bauamt/a.docx" -> "Bauamt"); "" for a file at the top."""
    cut = max(path.rfind("\\"), path.rfind("/"))
    folder = path[:cut] if cut > 0 else ""
    return "" if folder.strip("\\/") == "" else folder


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
