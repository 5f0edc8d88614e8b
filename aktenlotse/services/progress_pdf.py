"""The progress report as a PDF (reportlab): the key figures, a chart and a table per
Fachbereich, the review's progress over the weeks, the new DMS news."""

from __future__ import annotations

import time
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from aktenlotse.services.progress_report import ProgressReport, summary_lines
from aktenlotse.services.review_forecast import TABLE_COLUMNS, Department, table_rows

DECIDED, SURE, OPEN = colors.HexColor("#2e7d32"), colors.HexColor("#9ccc65"), colors.HexColor("#ef6c00")
CHART_DEPARTMENTS = 12  # the chart shows the first ones of the roll-out order; the table all


def write_pdf(report: ProgressReport, target: Path) -> None:
    """Write the report to `target` (OSError when it cannot be written)."""
    styles = getSampleStyleSheet()
    made = time.strftime("%d.%m.%Y", time.localtime(report.made_at))
    story: list[Flowable] = [Paragraph(f"Fortschritt der DMS-Einführung – Stand {made}", styles["Title"])]
    story += [Paragraph(_escape(line), styles["BodyText"]) for line in summary_lines(report)]
    departments = report.forecast.departments
    if departments:
        story += [Spacer(1, 0.4 * cm), Paragraph("Fachbereiche (vorgeschlagene Reihenfolge)", styles["Heading2"])]
        story += [
            _department_chart(departments[:CHART_DEPARTMENTS]),
            Spacer(1, 0.3 * cm),
            _department_table(report),
        ]
    if report.forecast.weekly_decisions:
        story += [Paragraph("Entschiedene Dokumente im Verlauf", styles["Heading2"]), _progress_chart(report)]
    SimpleDocTemplate(
        str(target), pagesize=A4, title=f"Aktenlotse Fortschrittsbericht {made}", author="Aktenlotse", lang="de"
    ).build(story)


def _escape(text: str) -> str:
    # Paragraph reads a small markup language: names of folders and pages are text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _department_chart(departments: list[Department]) -> Drawing:
    drawing = Drawing(17 * cm, 7 * cm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 1.5 * cm, 2.2 * cm, 12 * cm, 4.3 * cm
    chart.data = [
        [d.decided for d in departments],
        [d.confident for d in departments],
        [d.needs_person for d in departments],
    ]
    chart.categoryAxis.categoryNames = [d.name[:14] for d in departments]
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.categoryAxis.style = "stacked"
    for index, color in enumerate((DECIDED, SURE, OPEN)):
        chart.bars[index].fillColor = color
    legend = Legend()
    legend.x, legend.y = 14 * cm, 6 * cm
    legend.colorNamePairs = [(DECIDED, "entschieden"), (SURE, "sicherer Vorschlag"), (OPEN, "für Menschen")]
    legend.fontSize = 7
    drawing.add(chart)
    drawing.add(legend)
    drawing.add(String(0, 6.6 * cm, "Dokumente", fontSize=7))
    return drawing


def _department_table(report: ProgressReport) -> Table:
    header, rows = list(TABLE_COLUMNS), [list(row) for row in table_rows(report.forecast)]
    table = Table([header, *rows], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e0e0e0")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def _progress_chart(report: ProgressReport) -> Drawing:
    weeks = report.forecast.weekly_decisions
    total, points = 0, []
    for index, (_, count) in enumerate(weeks):
        total += count
        points.append((index, total))
    drawing = Drawing(17 * cm, 6 * cm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 1.5 * cm, 1.5 * cm, 14 * cm, 4 * cm
    plot.data = [points if len(points) > 1 else [(0, 0), *points]]
    plot.lines[0].strokeColor = DECIDED
    plot.xValueAxis.valueSteps = list(range(len(weeks)))
    plot.xValueAxis.labelTextFormat = lambda value: weeks[int(value)][0] if 0 <= int(value) < len(weeks) else ""
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    drawing.add(plot)
    drawing.add(String(0, 5.6 * cm, "Entschiedene Dokumente (Summe) je Kalenderwoche", fontSize=7))
    return drawing
