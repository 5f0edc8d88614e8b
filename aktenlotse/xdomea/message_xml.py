"""Building blocks of xdomea 3.0.0 messages: the header (Kopf), the Aktenplan, one
Dokument, safe text and file names. Pure functions that return lxml elements; the
export writes them one by one into an `etree.xmlfile` stream."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass

from lxml import etree

from aktenlotse import __version__
from aktenlotse.enrich.aktenplan import Aktenplan

NS = "urn:xoev-de:xdomea:schema:3.0.0"
NSMAP = {"xdomea": NS}
PRODUCT = "Aktenlotse"
# Stable ids: the same folder or file gets the same xdomea id in every export.
ID_NAMESPACE = uuid.UUID("6f1d4a52-3c2e-4e57-9d0b-5a7f0c9e2b11")
# Codeliste "Dateiformat" (urn:xoev-de:xdomea:codeliste:dateiformat), version 1.0.
FORMAT_LIST_VERSION = "1.0"
FORMAT_CODES = {
    "bmp": "001",
    "csv": "002",
    "doc": "003",
    "eml": "006",
    "htm": "007",
    "html": "008",
    "jpe": "009",
    "jpeg": "010",
    "jpg": "011",
    "msg": "012",
    "odp": "013",
    "ods": "014",
    "odt": "015",
    "otp": "016",
    "ots": "017",
    "pdf": "018",
    "png": "019",
    "ppt": "020",
    "ps": "021",
    "rtf": "022",
    "tif": "023",
    "tiff": "024",
    "wps": "025",
    "xlc": "026",
    "xlm": "027",
    "xls": "028",
    "xlw": "029",
    "xml": "030",
    "xsd": "031",
    "dot": "032",
    "pot": "033",
    "xlt": "034",
    "docx": "035",
    "xlsx": "036",
    "pptx": "037",
    "dotx": "038",
    "xltx": "039",
    "potx": "040",
    "dtd": "041",
    "mpp": "042",
    "ott": "043",
    "txt": "045",
}
FORMAT_OTHER = "100"  # "Sonstiges": the extension goes into SonstigerName
# Neither XML 1.0 nor a receiving DMS accepts these (control characters, lone surrogates).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Not allowed in file names on Windows (where the DMS import usually runs) nor in a ZIP path.
_NAME_INVALID = re.compile(r'[\x00-\x1f<>:"/\\|?*\ud800-\udfff]')
MAX_NAME_CHARS = 120


def q(tag: str) -> str:
    """The qualified name of an xdomea element."""
    return f"{{{NS}}}{tag}"


def xml_text(value: object) -> str:
    """Text that XML can carry: invalid characters become U+FFFD (nothing silently vanishes)."""
    return _XML_INVALID.sub("\ufffd", str(value))


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "\x1f".join(xml_text(p) for p in parts)))


def safe_file_name(name: str) -> str:
    """A name valid in a ZIP and on Windows: forbidden characters and undecodable bytes
    become '_', trailing dots/spaces go, the stem is shortened (the extension kept)."""
    cleaned = _NAME_INVALID.sub("_", unicodedata.normalize("NFC", name)).rstrip(" .") or "datei"
    if len(cleaned) > MAX_NAME_CHARS:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            cleaned = stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            cleaned = cleaned[:MAX_NAME_CHARS]
    return cleaned


def sub(parent: etree._Element, tag: str, text: object | None = None, **attrib: str) -> etree._Element:
    """Append an xdomea child (with text when given)."""
    child = etree.SubElement(parent, q(tag), attrib)
    if text is not None:
        child.text = xml_text(text)
    return child


def code_element(parent: etree._Element, tag: str, code: str, name: str | None = None, **attrib: str) -> etree._Element:
    """A code-list value: `code`/`name` children are unqualified in the XÖV code type."""
    element = sub(parent, tag, **attrib)
    etree.SubElement(element, "code").text = code
    if name:
        etree.SubElement(element, "name").text = xml_text(name)
    return element


def iso_datetime(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).replace(microsecond=0).isoformat()


def iso_date(value: str | float | None) -> str | None:
    """YYYY-MM-DD from an ISO string or a timestamp, None when it cannot be read."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return dt.date.fromtimestamp(value).isoformat()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups())).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Party:
    """Sender or receiver of a message (an authority and, optionally, a unit)."""

    institution: str
    unit: str = ""


def kopf(
    message_type: str,
    process_id: str,
    sender: Party,
    receiver: Party,
    note: str = "",
    import_confirmation: bool = False,
) -> etree._Element:
    """The header of a 0401 (with Importbestaetigung) or 0301 message."""
    root = etree.Element(q("Kopf"), nsmap=NSMAP)
    sub(root, "ProzessID", process_id)
    code_element(root, "Nachrichtentyp", message_type)
    sub(root, "Erstellungszeitpunkt", dt.datetime.now().replace(microsecond=0).isoformat())
    for tag, party in (("Absender", sender), ("Empfaenger", receiver)):
        contact = sub(root, tag)
        sub(sub(contact, "Institution"), "Name", party.institution)
        if party.unit:
            sub(sub(contact, "Organisationseinheit"), "Name", party.unit)
    system = sub(root, "SendendesSystem")
    sub(system, "Produktname", PRODUCT)
    sub(system, "Version", __version__)
    if note:
        sub(root, "Hinweis", note)
    if import_confirmation:
        sub(root, "Importbestaetigung", "1")  # fixed to 1 by the schema for 0401
    sub(root, "Empfangsbestaetigung", "1")
    return root


def aktenplan_element(plan: Aktenplan, version: str, name: str, retention_years: int, disposal: str) -> etree._Element:
    """The plan as nested `Einheit`s (main group > group > sub-group)."""
    root = etree.Element(q("Aktenplan"), nsmap=NSMAP)
    sub(root, "Bezeichnung", name)
    sub(root, "Version", version)

    def unit(parent: etree._Element, code: str) -> None:
        cls = plan.classes[code]
        element = sub(parent, "Einheit")
        sub(element, "Kennzeichen", cls.code)
        sub(element, "Inhaltsangabe", cls.title)
        if cls.description:
            sub(element, "BetreffKurz", cls.description)
        code_element(sub(element, "Aussonderungsart"), "Aussonderungsart", disposal)
        sub(element, "Stillgelegt", "0")
        sub(sub(element, "Aufbewahrungsdauer"), "AnzahlJahre", str(retention_years))
        for child in plan.children(code):
            unit(element, child.code)

    for top in plan.children(None):
        unit(root, top.code)
    return root


def format_of(file_name: str) -> tuple[str, str | None]:
    """(Dateiformat code, SonstigerName) for a file name."""
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    code = FORMAT_CODES.get(ext)
    return (code, None) if code else (FORMAT_OTHER, ext or "unbekannt")


@dataclass(frozen=True)
class DocumentMeta:
    """What the export knows about one document."""

    id: str
    title: str
    file_name: str  # original name on the share
    zip_name: str  # `<uuid>_<safe name>` as the standard asks
    unc_path: str
    content_hash: str
    size: int
    modified: float
    created: str | None
    author: str | None
    code: str
    class_title: str
    reviewer: str
    decided_at: float
    decision_label: str
    comment: str


def dokument_element(meta: DocumentMeta) -> etree._Element:
    """One `Dokument` with its metadata, the review decision as history, one primary file."""
    root = etree.Element(q("Dokument"), nsmap=NSMAP)
    sub(sub(root, "Identifikation"), "ID", meta.id)
    general = sub(root, "AllgemeineMetadaten")
    sub(general, "Betreff", meta.title or meta.file_name)
    sub(general, "Bemerkung", f"Ursprungsort: {meta.unc_path}")
    unit = sub(general, "Aktenplaneinheit")
    sub(unit, "Kennzeichen", meta.code)
    if meta.class_title:
        sub(unit, "Inhaltsangabe", meta.class_title)
    written = iso_date(meta.created) or iso_date(meta.modified)
    if written:
        sub(root, "DatumDesSchreibens", written)
    if meta.author:
        sub(root, "Bearbeiter", meta.author)
    history = sub(root, "HistorienProtokollInformation")
    sub(history, "MetadatumName", "Aktenplaneinheit")
    sub(history, "MetadatumNeuerWert", meta.code)
    sub(history, "Akteur", meta.reviewer)
    sub(history, "DatumUhrzeit", iso_datetime(meta.decided_at))
    if meta.comment:
        sub(history, "Bemerkung", meta.comment)
    sub(history, "Aktion", f"Aktenplan-Prüfung: {meta.decision_label}")
    version = sub(root, "Version")
    sub(version, "Nummer", "1")
    fmt = sub(version, "Format")
    code, other = format_of(meta.file_name)
    code_element(
        fmt, "Name", code, listURI="urn:xoev-de:xdomea:codeliste:dateiformat", listVersionID=FORMAT_LIST_VERSION
    )
    if other:
        sub(fmt, "SonstigerName", other)
    sub(fmt, "Version", "")
    primary = sub(fmt, "Primaerdokument")
    sub(primary, "Dateiname", meta.zip_name)
    sub(primary, "DateinameOriginal", meta.file_name)
    if meta.author:
        sub(primary, "Ersteller", meta.author)
    sub(primary, "DatumUhrzeit", iso_datetime(meta.modified))
    extension = sub(root, "AnwendungsspezifischeErweiterung")
    sub(extension, "Kennung", "aktenlotse")
    sub(extension, "Name", PRODUCT)
    for name, value in (
        ("Ursprungsort", meta.unc_path),
        ("Inhalts-Hash (BLAKE2b-128)", meta.content_hash),
        ("Größe (Byte)", str(meta.size)),
    ):
        field = sub(extension, "Feld")
        sub(field, "Name", name)
        sub(field, "Wert", value)
    return root


def container_head(
    tag: str, object_id: str, subject: str, unc_path: str, code: str | None, class_title: str
) -> list[etree._Element]:
    """The leading children of an `Akte` or `Vorgang` (before its content)."""
    ident = etree.Element(q("Identifikation"), nsmap=NSMAP)
    sub(ident, "ID", object_id)
    general = etree.Element(q("AllgemeineMetadaten"), nsmap=NSMAP)
    sub(general, "Betreff", subject)
    if code:
        sub(general, "Kennzeichen", code)
    sub(general, "Bemerkung", f"Ursprungsort: {unc_path}")
    if code:
        unit = sub(general, "Aktenplaneinheit")
        sub(unit, "Kennzeichen", code)
        if class_title:
            sub(unit, "Inhaltsangabe", class_title)
    head = [ident, general]
    if tag == "Akte":
        typ = etree.Element(q("Typ"), nsmap=NSMAP)
        typ.text = "Sachakte"
        head.append(typ)
    return head
