"""`aktenlotse report searches [--days N] [--json]`: the search analytics of the portal
(top queries, queries without hits, queries whose results nobody opened), as the
"Suchanalyse" page shows them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aktenlotse.cli.common import UserError
from aktenlotse.core.config import load_config
from aktenlotse.services.search_analytics import AnalyticsError, SearchLog, SearchReport, empty_report
from aktenlotse.stores.appdb import app_db_exists
from aktenlotse.stores.search_log_store import QueryStats

DEFAULT_DAYS = 30


def configure_searches(reports: Any) -> None:
    """Add `searches` to the subcommands of `report`."""
    searches = reports.add_parser("searches", help="Suchanalyse: häufige Suchen, Suchen ohne Treffer, nie geöffnet")
    searches.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"die letzten N Tage ({DEFAULT_DAYS})")
    searches.add_argument("--json", action="store_true", help="als JSON ausgeben")
    searches.set_defaults(func=cmd_searches)


def cmd_searches(args: argparse.Namespace) -> int:
    if args.days < 1:
        print("Fehler: --days muss mindestens 1 sein.", file=sys.stderr)
        return 2
    config = load_config(args.config)
    retention = config.portal.search_log_days
    report = _report(config.data_dir, retention, args.days)
    if args.json:
        print(json.dumps(report_json(report, retention), ensure_ascii=False, indent=2))
    else:
        print("\n".join(report_lines(report, retention)))
    return 0


def _report(data_dir: Path, retention_days: int, days: int) -> SearchReport:
    """The report; an empty one without creating the app database when there is none yet."""
    if not app_db_exists(data_dir):
        return empty_report(days)
    search_log = SearchLog(data_dir, retention_days)
    try:
        return search_log.report(days)
    except AnalyticsError as error:
        raise UserError(error.message) from None
    finally:
        search_log.close()


def _stats_json(stats: list[QueryStats]) -> list[dict[str, Any]]:
    return [stat.__dict__ for stat in stats]


def report_json(report: SearchReport, retention_days: int) -> dict[str, Any]:
    """The report as JSON-ready data (days as ISO dates)."""
    return {
        "days": report.days,
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "retention_days": retention_days,
        "searches": report.searches,
        "top": _stats_json(report.top),
        "zero_hits": _stats_json(report.zero_hits),
        "unopened": _stats_json(report.unopened),
    }


def report_lines(report: SearchReport, retention_days: int) -> list[str]:
    """The report as German text lines for the terminal."""
    period = f"{report.since:%d.%m.%Y} bis {report.until:%d.%m.%Y}"
    lines = [f"Suchanalyse {period}: {report.searches} Suchen"]
    if retention_days == 0:
        lines.append("Suchen werden nicht protokolliert (portal.search_log_days = 0).")
    sections = (
        (
            "Häufigste Suchen",
            report.top,
            lambda s: f"{s.searches}×, bis {s.max_hits} Treffer, {s.opened_searches}× geöffnet",
        ),
        ("Suchen ohne Treffer", report.zero_hits, lambda s: f"{s.zero_hit_searches}× ohne Treffer"),
        ("Treffer, aber nie geöffnet", report.unopened, lambda s: f"{s.searches}×, bis {s.max_hits} Treffer"),
    )
    for title, stats, describe in sections:
        lines += ["", f"{title}:"]
        lines += [f"  {stat.query}  ({describe(stat)})" for stat in stats] or ["  keine"]
    return lines
