"""Writers for real office files (docx, xlsx, pdf, odt, eml, html, txt, broken files).

Used by the tests, the demo data and the benchmarks. The benchmarks write tens of
thousands of files, so the expensive parts (python-docx's package template, reportlab's
font setup) are built once per process and reused; every file written is still a complete,
valid file of its format that Tika and the libraries that made it read back.

python-docx, reportlab and odfpy come with the `demo` extra (the product does not need
them), so they are imported inside the writers that use them: importing this module, as
`aktenlotse.demo.share` does, works without them.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import html as _html
import io
import mimetypes
import re
import zipfile
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from os import PathLike
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

StrPath = str | PathLike[str]

# A fixed creation time keeps generated corpora byte-identical between runs, so that
# content hashes (and thus benchmark and test results) are reproducible.
_FIXED_TIME = _dt.datetime(2024, 3, 1, 9, 30, 0, tzinfo=_dt.UTC)


def _target(path: StrPath) -> Path:
    """The path to write, with its folder created (callers build whole trees)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _x(text: str) -> str:
    """XML-escape text, dropping characters XML 1.0 cannot carry at all."""
    cleaned = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)
    return _xml_escape(cleaned)


# ---------------------------------------------------------------- docx


@functools.lru_cache(maxsize=1)
def _docx_template() -> bytes:
    """python-docx's default package without the two parts every file replaces.

    Building a python-docx Document parses ~800 kB of style XML (~20 ms per file); the
    static parts are identical for every file, so they are zipped once and each new file
    appends only its own document.xml and core.xml (zip append keeps the compressed
    static entries as they are).
    """
    import docx

    src = io.BytesIO()
    docx.Document().save(src)
    # The template's JPEG thumbnail and its Word-2010 stylesWithEffects part are not
    # content; real documents rarely carry them and each costs a parser pass in Tika.
    dropped = ("docProps/thumbnail.jpeg", "word/stylesWithEffects.xml")
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in ("word/document.xml", "docProps/core.xml") + dropped:
                continue
            data = zin.read(info.filename)
            if info.filename == "word/styles.xml":
                data = _lean_styles(data)
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                text = data.decode("utf-8")
                text = re.sub(r'<Relationship [^>]*Target="[^"]*(thumbnail\.jpeg|stylesWithEffects\.xml)"/>', "", text)
                text = re.sub(r'<Override PartName="/word/stylesWithEffects\.xml"[^>]*/>', "", text)
                data = text.encode("utf-8")
            zout.writestr(info, data)
    return out.getvalue()


# The styles a plain Word document actually uses. python-docx's template defines 164
# (mostly table styles, 350 kB of XML), which makes every generated file parse about
# ten times slower than a typical office document.
_KEPT_STYLES = {
    "Normal",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "Title",
    "TitleChar",
    "Subtitle",
    "SubtitleChar",
    "Heading1",
    "Heading1Char",
    "Heading2",
    "Heading2Char",
    "Heading3",
    "Heading3Char",
    "ListParagraph",
    "Header",
    "HeaderChar",
    "Footer",
    "FooterChar",
    "BodyText",
    "BodyTextChar",
    "TableGrid",
}


def _lean_styles(xml: bytes) -> bytes:
    from lxml import etree

    root = etree.fromstring(xml)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for style in root.findall(f"{w}style"):
        if style.get(f"{w}styleId") not in _KEPT_STYLES:
            root.remove(style)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_DOCX_BODY_HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<w:body>"
)
_DOCX_BODY_TAIL = (
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="1417" w:right="1417" w:bottom="1134" w:left="1417" '
    'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>'
)


def _core_xml(title: str, author: str) -> str:
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_x(title)}</dc:title><dc:creator>{_x(author)}</dc:creator>"
        f"<cp:lastModifiedBy>{_x(author)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def write_docx(path: StrPath, title: str, paragraphs: list[str], author: str = "") -> None:
    """A Word document with one paragraph per item and core properties title/author."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_x(p)}</w:t></w:r></w:p>' for p in paragraphs)
    buf = io.BytesIO(_docx_template())
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", _DOCX_BODY_HEAD + body + _DOCX_BODY_TAIL)
        z.writestr("docProps/core.xml", _core_xml(title, author))
    _target(path).write_bytes(buf.getvalue())


# ---------------------------------------------------------------- xlsx


def write_xlsx(path: StrPath, title: str, rows: list[list[object]], author: str = "") -> None:
    """An Excel workbook with one sheet holding `rows`; title/author in its properties."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.worksheets[0]  # the one sheet a new workbook has
    ws.title = "Tabelle1"
    for row in rows:
        ws.append(list(row))
    wb.properties.title = title
    wb.properties.creator = author or None
    wb.properties.lastModifiedBy = author or None
    wb.properties.created = _FIXED_TIME.replace(tzinfo=None)
    wb.properties.modified = _FIXED_TIME.replace(tzinfo=None)
    wb.save(str(_target(path)))


# ---------------------------------------------------------------- pdf

_PDF_FONT = "Helvetica"
_PDF_SIZE = 11
_PDF_LEADING = 14
_PDF_MARGIN = 72


@functools.lru_cache(maxsize=1)
def _pdf_setup() -> tuple[float, float, object]:
    """Page size and a bound width function, looked up once (reportlab font metrics)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return A4[0], A4[1], stringWidth


def _wrap(text: str, width: float, string_width: Any) -> list[str]:
    """Greedy line breaking by summed word widths (one width lookup per distinct word)."""
    space = string_width(" ", _PDF_FONT, _PDF_SIZE)
    widths: dict[str, float] = {}
    lines: list[str] = []
    for raw in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in raw.split(" "):
            w = widths.get(word)
            if w is None:
                w = widths[word] = string_width(word, _PDF_FONT, _PDF_SIZE)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [word], w
            else:
                used += (space if line else 0.0) + w
                line.append(word)
        lines.append(" ".join(line))
    return lines


def write_pdf(
    path: StrPath,
    title: str,
    paragraphs: list[str],
    author: str = "",
    password: str | None = None,
) -> None:
    """A text PDF (Helvetica, A4); a paragraph that is exactly "\\f" starts a new page,
    and text that does not fit flows onto further pages. With `password` the PDF is
    encrypted (RC4 128-bit, the password is needed to open it)."""
    from reportlab.pdfgen import canvas

    page_w, page_h, string_width = _pdf_setup()
    encrypt = None
    if password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(password, ownerPassword=password + "-owner", strength=128)
    c = canvas.Canvas(
        str(_target(path)),
        pagesize=(page_w, page_h),
        encrypt=encrypt,
        invariant=1,  # no timestamps/random ids: identical input -> identical bytes
        pageCompression=0,
    )
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator("Aktenlotse")
    c.setFont(_PDF_FONT, _PDF_SIZE)
    usable = page_w - 2 * _PDF_MARGIN
    y = page_h - _PDF_MARGIN
    for para in paragraphs:
        if para == "\f":
            c.showPage()
            c.setFont(_PDF_FONT, _PDF_SIZE)
            y = page_h - _PDF_MARGIN
            continue
        for line in _wrap(para, usable, string_width):
            if y < _PDF_MARGIN:
                c.showPage()
                c.setFont(_PDF_FONT, _PDF_SIZE)
                y = page_h - _PDF_MARGIN
            c.drawString(_PDF_MARGIN, y, line)
            y -= _PDF_LEADING
        y -= _PDF_LEADING // 2
    c.showPage()
    c.save()


# ---------------------------------------------------------------- odt


def write_odt(path: StrPath, title: str, paragraphs: list[str], author: str = "") -> None:
    """An OpenDocument text with one paragraph per item; title/author in meta.xml."""
    from odf import dc, meta
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text=title))
    if author:
        doc.meta.addElement(dc.Creator(text=author))
    doc.meta.addElement(meta.CreationDate(text=_FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%S")))
    for para in paragraphs:
        doc.text.addElement(P(text=para))
    doc.write(str(_target(path)))


# ---------------------------------------------------------------- eml


def write_eml(
    path: StrPath,
    subject: str,
    body: str,
    sender: str,
    to: str,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> None:
    """An RFC 822 mail (UTF-8 plain-text body) with the given (file name, bytes) attachments."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(_FIXED_TIME)
    digest = hashlib.sha1(f"{subject}\0{sender}\0{to}\0{body}".encode()).hexdigest()[:16]
    msg["Message-ID"] = f"<{digest}@aktenlotse.invalid>"
    msg.set_content(body, charset="utf-8")
    for name, data in attachments:
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    _target(path).write_bytes(msg.as_bytes())


# ---------------------------------------------------------------- html / txt


def write_html(path: StrPath, title: str, paragraphs: list[str]) -> None:
    """A UTF-8 HTML page with <title> and one <p> per item."""
    body = "\n".join(f"<p>{_html.escape(p)}</p>" for p in paragraphs)
    page = (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_html.escape(title)}</title>\n</head>\n<body>\n"
        f"<h1>{_html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )
    _target(path).write_bytes(page.encode("utf-8"))


def write_txt(path: StrPath, text: str, encoding: str = "utf-8") -> None:
    """A plain-text file in the given encoding (e.g. "cp1252" for old Windows files)."""
    _target(path).write_bytes(text.encode(encoding))


# ---------------------------------------------------------------- broken files


def write_corrupt(path: StrPath, like: str = "docx") -> None:
    """Bytes that claim to be a `like` file (right magic, right name) but cannot be parsed.

    docx/xlsx/odt/zip: a real package cut off in the middle of its first entry's data
    (zip header intact, no central directory); pdf: a PDF header followed by garbage.
    """
    like = like.lower().lstrip(".")
    if like in ("docx", "xlsx", "pptx", "odt", "zip"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            content_types = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/></Types>'
            )
            z.writestr("[Content_Types].xml", content_types * 20)
            z.writestr("word/document.xml", "<w:document>" + "kaputt " * 500 + "</w:document>")
        data = buf.getvalue()
        _target(path).write_bytes(data[: max(60, len(data) // 3)])
    elif like == "pdf":
        _target(path).write_bytes(
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R"
            + bytes(range(256)) * 4
            + b"\nxref\n0 1\nnonsense\n%%EOF\n"
        )
    else:
        raise ValueError(f"write_corrupt: unknown format {like!r} (docx, xlsx, pptx, odt, zip, pdf)")
