"""The files of the benchmark corpus: one writer per file type, with the text drawn from
`bench.corpus_text`, and a fast XLSX writer (the workbooks are most of the writing time)."""

from __future__ import annotations

import functools
import html
import io
import random
import re
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from aktenlotse.demo import filemakers
from bench.corpus_text import PEOPLE, Department, paragraphs, safe_name, table_rows


class _XlsxTemplate:
    """Workbooks from one openpyxl-made template with only the sheet and properties replaced.

    openpyxl needs ~15 ms per small workbook; the benchmark writes thousands, and all
    parts but the sheet and core.xml are identical, so they are zipped once per process.
    """

    _TITLE, _AUTHOR = "TITEL-PLATZHALTER", "AUTOR-PLATZHALTER"
    _SHEET = "xl/worksheets/sheet1.xml"
    _CORE = "docProps/core.xml"
    _STAMP = (2024, 3, 1, 9, 30, 0)

    def __init__(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "vorlage.xlsx"
            filemakers.write_xlsx(path, self._TITLE, [["x"]], author=self._AUTHOR)
            with zipfile.ZipFile(path) as z:
                parts = {info.filename: z.read(info) for info in z.infolist()}
        sheet = parts.pop(self._SHEET).decode("utf-8")
        head, rest = sheet.split("<dimension", 1)
        self.sheet_head = head
        self.sheet_mid = rest[rest.index("<sheetViews") : rest.index("<sheetData>")]
        self.sheet_tail = rest[rest.index("</sheetData>") + len("</sheetData>") :]
        core = parts.pop(self._CORE).decode("utf-8")
        core = re.sub(r"(<dcterms:modified\b[^>]*>)[^<]*", r"\g<1>2024-03-01T09:30:00Z", core)
        self.core = core
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(zipfile.ZipInfo(name, self._STAMP), data, zipfile.ZIP_DEFLATED)
        self.static = buf.getvalue()

    def write(self, path: Path, title: str, rows: list[list[object]], author: str) -> None:
        xml_rows = []
        for r, row in enumerate(rows, start=1):
            cells = []
            for c, value in enumerate(row):
                ref = f"{chr(65 + c)}{r}"
                if isinstance(value, (int, float)):
                    cells.append(f'<c r="{ref}" t="n"><v>{value}</v></c>')
                else:
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{xml_escape(str(value))}</t></is></c>')
            xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        last = f"{chr(64 + max(len(row) for row in rows))}{len(rows)}"
        sheet = (
            f'{self.sheet_head}<dimension ref="A1:{last}"/>{self.sheet_mid}'
            f"<sheetData>{''.join(xml_rows)}</sheetData>{self.sheet_tail}"
        )
        core = self.core.replace(self._TITLE, xml_escape(title)).replace(self._AUTHOR, xml_escape(author))
        buf = io.BytesIO(self.static)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
            z.writestr(zipfile.ZipInfo(self._SHEET, self._STAMP), sheet, zipfile.ZIP_DEFLATED)
            z.writestr(zipfile.ZipInfo(self._CORE, self._STAMP), core, zipfile.ZIP_DEFLATED)
        path.write_bytes(buf.getvalue())


@functools.lru_cache(maxsize=1)
def _xlsx_template() -> _XlsxTemplate:
    return _XlsxTemplate()


def write_file(target: Path, kind: str, title: str, rng: random.Random, dep: Department, year: int) -> None:
    if kind == "txt":
        text = title + "\n\n" + "\n\n".join(paragraphs(rng, dep, year)) + "\n"
        # Some plain-text files come from old Windows tools.
        encoding = "cp1252" if rng.random() < 0.1 else "utf-8"
        target.write_bytes(text.encode(encoding, errors="replace"))
    elif kind == "html":
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(rng, dep, year))
        page = (
            f'<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"{body}\n</body>\n</html>\n"
        )
        target.write_bytes(page.encode("utf-8"))
    elif kind == "docx":
        filemakers.write_docx(target, title, paragraphs(rng, dep, year), author=rng.choice(PEOPLE))
    elif kind == "odt":
        filemakers.write_odt(target, title, paragraphs(rng, dep, year), author=rng.choice(PEOPLE))
    elif kind == "pdf":
        filemakers.write_pdf(target, title, paragraphs(rng, dep, year), author=dep.name)
    elif kind == "xlsx":
        _xlsx_template().write(target, title, table_rows(rng, dep, year), author=dep.name)
    elif kind == "eml":
        mailbox = dep.name.lower().replace("ä", "ae").replace("ü", "ue").replace("ö", "oe")
        attachments: list[tuple[str, bytes]] = []
        if rng.random() < 0.3:
            rows = table_rows(rng, dep, year)
            csv = "\r\n".join(";".join(str(c) for c in row) for row in rows).encode("utf-8")
            attachments.append((f"{safe_name(title)}.csv", csv))
        body = (
            "Guten Tag,\n\n"
            + "\n\n".join(paragraphs(rng, dep, year))
            + "\n\nMit freundlichen Grüßen\n"
            + rng.choice(PEOPLE)
        )
        filemakers.write_eml(
            target,
            title,
            body,
            f"{mailbox}@stadt-hohenbrueck.example",
            "poststelle@stadt-hohenbrueck.example",
            attachments,
        )
    else:
        raise ValueError(kind)
