"""The regular report to the AG Digitalisierung: review progress and the forecast per
Fachbereich, duplicates and stale volume, and the new DMS news of the wiki. The figures are
gathered here; `progress_pdf` and `progress_xlsx` lay them out, `report_mail` sends them.

The most frequent searches without hits of the same 14 days come from the search log
(`search_analytics`); with the log switched off the report says so instead of leaving the
line out silently.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from aktenlotse.core.config import Config
from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.search.backend import Backend
from aktenlotse.services.overview import STALE_YEARS, Overview, overview_for
from aktenlotse.services.review_forecast import Forecast, forecast_for, forecast_lines
from aktenlotse.services.search_analytics import SearchLog
from aktenlotse.services.wiki import WikiStore
from aktenlotse.stores.wiki_store import Revision
from aktenlotse.text.sizes import human_size

NEWS_DAYS = 14
NO_SEARCH_ANALYTICS = "Suchanfragen werden nicht erfasst; eine Liste der Suchen ohne Treffer gibt es daher nicht."
ZERO_HIT_LINES = 5


class ReportError(UserFacingError):
    """The report cannot be made or sent; `message` is German."""


@dataclass
class ProgressReport:
    made_at: float
    forecast: Forecast
    overview: Overview  # the files, duplicates and stale volume the report quotes
    news: list[Revision] = field(default_factory=list)  # the DMS news pages of the last NEWS_DAYS
    searches_note: str = NO_SEARCH_ANALYTICS

    @property
    def decided(self) -> int:
        return sum(d.decided for d in self.forecast.departments)


def build_progress_report(
    config: Config, backend: Backend, roles: Iterable[str], now: float | None = None
) -> ProgressReport:
    """The report's figures (`roles` must include a DMS role); ReportError before the first crawl."""
    roles = tuple(roles)
    now = time.time() if now is None else now
    overview = overview_for(config, backend, roles)
    forecast = forecast_for(config, backend, roles)
    if overview is None or forecast is None:
        raise ReportError("Noch kein Crawl gelaufen: es gibt noch nichts zu berichten (aktenlotse crawl).")
    wiki = WikiStore(config.data_dir)
    try:
        since = now - NEWS_DAYS * 86400
        news = [page for page in wiki.pages(category="DMS-News") if page.at >= since]
    finally:
        wiki.close()
    return ProgressReport(now, forecast, overview, news, searches_note=_zero_hit_note(config))


def _zero_hit_note(config: Config) -> str:
    """The most frequent searches without hits of the last NEWS_DAYS days, as one sentence."""
    if config.portal.search_log_days == 0:
        return NO_SEARCH_ANALYTICS
    search_log = SearchLog(config.data_dir, config.portal.search_log_days)
    try:
        zero_hits = search_log.report(NEWS_DAYS, rows=ZERO_HIT_LINES).zero_hits
    finally:
        search_log.close()
    listed = ", ".join(f"„{s.query}“ ({s.zero_hit_searches}×)" for s in zero_hits) or "keine"
    return f"Häufigste Suchen ohne Treffer der letzten {NEWS_DAYS} Tage: {listed}."


def summary_lines(report: ProgressReport) -> list[str]:
    """The report's key figures as German sentences (the PDF's first page, the mail text)."""
    forecast, overview = report.forecast, report.overview
    open_for_people = sum(d.needs_person for d in forecast.departments)
    sure = sum(d.confident for d in forecast.departments)
    lines = [
        f"Stand {time.strftime('%d.%m.%Y %H:%M', time.localtime(report.made_at))}: {overview.total} Dateien, "
        f"{report.decided} entschieden, {sure} mit sicherem Vorschlag, {open_for_people} für Menschen offen.",
        forecast_lines(forecast)[0],
    ]
    if forecast.person_hours is not None:
        weeks = forecast.person_hours / forecast.weekly_hours if forecast.weekly_hours > 0 else None
        lines.append(
            f"Offen insgesamt: {forecast.person_hours:.1f} h Prüfzeit".replace(".", ",")
            + ("" if weeks is None else f", etwa {weeks:.1f} Wochen".replace(".", ","))
            + "."
        )
    lines.append(
        f"Dubletten: {overview.duplicate_files} Dateien ({human_size(overview.wasted_bytes)} mehrfach); "
        f"{overview.stale_files} Dateien {STALE_LABEL} ({human_size(overview.stale_bytes)})."
    )
    news = ", ".join(f"„{n.title}“" for n in report.news) or "keine"
    lines.append(f"Neue DMS-News der letzten {NEWS_DAYS} Tage: {news}.")
    lines.append(report.searches_note)
    return lines


STALE_LABEL = f"seit {STALE_YEARS}+ Jahren unverändert"
