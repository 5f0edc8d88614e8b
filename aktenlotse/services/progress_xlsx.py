"""The progress report as an Excel workbook (openpyxl): the key figures, one sheet per
table with a chart (Fachbereiche, Verlauf), the new DMS news."""

from __future__ import annotations

import time
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from aktenlotse.services.progress_report import ProgressReport, summary_lines


def write_xlsx(report: ProgressReport, target: Path) -> None:
    """Write the report to `target` (OSError when it cannot be written)."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has its first sheet
    summary.title = "Zusammenfassung"
    for line in summary_lines(report):
        summary.append([line])
    summary.column_dimensions["A"].width = 120
    _departments(book.create_sheet("Fachbereiche"), report)
    _progress(book.create_sheet("Verlauf"), report)
    news = book.create_sheet("DMS-News")
    news.append(["Titel", "Autor", "Datum"])
    for item in report.news:
        news.append([item.title, item.author, time.strftime("%d.%m.%Y", time.localtime(item.at))])
    book.save(target)


def _departments(sheet: Worksheet, report: ProgressReport) -> None:
    sheet.append(
        [
            "Fachbereich",
            "Dateien",
            "Byte",
            "Dubletten",
            "alt",
            "entschieden",
            "sicher",
            "für Menschen",
            "Stunden",
            "Wochen",
        ]
    )
    for d in report.forecast.departments:
        sheet.append(
            [
                d.name,
                d.files,
                d.bytes,
                d.duplicates,
                d.stale,
                d.decided,
                d.confident,
                d.needs_person,
                None if d.person_hours is None else round(d.person_hours, 1),
                None if d.weeks is None else round(d.weeks, 1),
            ]
        )
    sheet.column_dimensions["A"].width = 30
    rows = len(report.forecast.departments)
    if not rows:
        return
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
    chart.title, chart.y_axis.title = "Dokumente je Fachbereich", "Dokumente"
    chart.add_data(Reference(sheet, min_col=6, max_col=8, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, "L2")


def _progress(sheet: Worksheet, report: ProgressReport) -> None:
    sheet.append(["Kalenderwoche", "entschieden", "Summe"])
    total = 0
    for week, count in report.forecast.weekly_decisions:
        total += count
        sheet.append([week, count, total])
    rows = len(report.forecast.weekly_decisions)
    if not rows:
        return
    chart = LineChart()
    chart.title, chart.y_axis.title, chart.x_axis.title = "Entschiedene Dokumente", "Dokumente", "Kalenderwoche"
    chart.add_data(Reference(sheet, min_col=3, min_row=1, max_row=rows + 1), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows + 1))
    sheet.add_chart(chart, "E2")
