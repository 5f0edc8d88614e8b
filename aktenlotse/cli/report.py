"""`aktenlotse report permissions --output FILE.xlsx`: the Berechtigungsbericht."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aktenlotse.cli.access import directory_for
from aktenlotse.core.config import load_config
from aktenlotse.services.access_explain import AccessQueryError
from aktenlotse.services.permissions_report import DEFAULT_DEPTH, report_for
from aktenlotse.services.permissions_xlsx import write_xlsx


def configure(p: argparse.ArgumentParser) -> None:
    """The reports of `report` (permissions)."""
    reports = p.add_subparsers(metavar="REPORT")
    perm = reports.add_parser("permissions", help="who may read each folder, open folders, broken inheritance")
    perm.add_argument("--output", required=True, help="the Excel file to write (.xlsx)")
    perm.add_argument(
        "--depth", type=int, default=DEFAULT_DEPTH, help=f"folder levels below each root ({DEFAULT_DEPTH})"
    )
    perm.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    perm.add_argument("--json", action="store_true", help="also print the folders as JSON")
    perm.set_defaults(func=cmd_permissions)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    """`aktenlotse report` without a report: its help, exit code 2."""
    parser.print_help()
    return 2


def cmd_permissions(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.suffix.lower() != ".xlsx":
        print("Fehler: --output muss eine .xlsx-Datei sein.", file=sys.stderr)
        return 2
    if not output.parent.is_dir():
        print(f"Fehler: Ordner {output.parent} gibt es nicht.", file=sys.stderr)
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
