"""`aktenlotse report permissions --output FILE.xlsx`: the Berechtigungsbericht;
`aktenlotse report progress --output FILE.pdf|FILE.xlsx [--mail]`: the progress report
for the AG Digitalisierung; `aktenlotse report searches [--days N] [--json]`: the search
analytics (top, zero-hit and unopened queries)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from aktenlotse.cli.access import directory_for
from aktenlotse.cli.common import UserError
from aktenlotse.cli.search_report import configure_searches
from aktenlotse.core.config import load_config
from aktenlotse.pipeline.app import open_backend
from aktenlotse.services.access_explain import AccessQueryError
from aktenlotse.services.permissions_report import DEFAULT_DEPTH, report_for
from aktenlotse.services.permissions_xlsx import write_xlsx
from aktenlotse.services.progress_pdf import write_pdf
from aktenlotse.services.progress_report import ReportError, build_progress_report, summary_lines
from aktenlotse.services.progress_xlsx import write_xlsx as write_progress_xlsx
from aktenlotse.services.report_mail import send_report


def configure(p: argparse.ArgumentParser) -> None:
    """The reports of `report` (permissions, progress, searches)."""
    reports = p.add_subparsers(metavar="REPORT")
    perm = reports.add_parser("permissions", help="who may read each folder, open folders, broken inheritance")
    perm.add_argument("--output", required=True, help="the Excel file to write (.xlsx)")
    perm.add_argument(
        "--depth", type=int, default=DEFAULT_DEPTH, help=f"folder levels below each root ({DEFAULT_DEPTH})"
    )
    perm.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    perm.add_argument("--json", action="store_true", help="also print the folders as JSON")
    perm.set_defaults(func=cmd_permissions)
    progress = reports.add_parser("progress", help="review progress, forecast and DMS news for the AG Digitalisierung")
    progress.add_argument("--output", required=True, help="the file to write (.pdf or .xlsx)")
    progress.add_argument("--mail", action="store_true", help="also mail it as [report] says (SMTP, STARTTLS)")
    progress.set_defaults(func=cmd_progress)
    configure_searches(reports)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    """`aktenlotse report` without a report: its help, exit code 2."""
    parser.print_help()
    return 2


def _output_problem(output: Path, suffixes: tuple[str, ...]) -> str | None:
    """Why `output` cannot be written as one of `suffixes` (None: it can)."""
    if output.suffix.lower() not in suffixes:
        kinds = " oder ".join(f"{suffix}-" for suffix in suffixes)
        return f"--output muss eine {kinds.removesuffix('-')}-Datei sein."
    if not output.parent.is_dir():
        return f"Ordner {output.parent} gibt es nicht."
    return None


def cmd_permissions(args: argparse.Namespace) -> int:
    output = Path(args.output)
    problem = _output_problem(output, (".xlsx",))
    if problem:
        print(f"Fehler: {problem}", file=sys.stderr)
        return 2
    config = load_config(args.config)
    try:
        # The CLI runs with the service account's config: the caller is an administrator.
        report = report_for(config, directory_for(config), ("admin",), args.depth, args.source)
    except AccessQueryError as exc:
        print(f"Fehler: {exc.message}", file=sys.stderr)
        return exc.code
    try:
        write_xlsx(report, output)
    except OSError as exc:
        print(f"Fehler: {output} kann nicht geschrieben werden ({exc.strerror or exc}).", file=sys.stderr)
        return 1
    unreadable = sum(1 for f in report.folders if f.problem)
    if args.json:
        print(json.dumps([f.__dict__ for f in report.folders], ensure_ascii=False, indent=2))
    print(
        f"Berechtigungsbericht geschrieben: {output} ({len(report.folders)} Ordner, "
        f"{sum(1 for f in report.folders if f.open_to)} offen für alle, {unreadable} nicht lesbar)",
        file=sys.stderr if args.json else sys.stdout,
    )
    return 1 if unreadable else 0


def cmd_progress(args: argparse.Namespace) -> int:
    output = Path(args.output)
    writers = {".pdf": write_pdf, ".xlsx": write_progress_xlsx}
    problem = _output_problem(output, tuple(writers))
    if problem:
        print(f"Fehler: {problem}", file=sys.stderr)
        return 2
    writer = writers[output.suffix.lower()]
    config = load_config(args.config)
    backend = open_backend(config)
    try:
        # The CLI runs with the service account's config: the caller is an administrator.
        report = build_progress_report(config, backend, ("admin",))
        writer(report, output)
        print(f"Fortschrittsbericht geschrieben: {output}")
        if args.mail:
            made = time.strftime("%d.%m.%Y", time.localtime(report.made_at))
            subject = f"Aktenlotse: Fortschritt der DMS-Einführung ({made})"
            send_report(config.report, output, subject, "\n".join(summary_lines(report)))
            print(f"Verschickt an {', '.join(config.report.mail_to)}")
    except ReportError as error:
        raise UserError(error.message) from None
    except OSError as error:
        raise UserError(f"{output} kann nicht geschrieben werden ({error.strerror or error}).") from None
    finally:
        backend.close()
    return 0
