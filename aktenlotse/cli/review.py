"""`aktenlotse review export|train|status|forecast`: the AG DMS review from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aktenlotse.cli.common import UserError, add_action, config_of, print_report
from aktenlotse.core.config import Config
from aktenlotse.pipeline.app import open_backend
from aktenlotse.services.migration_export import export_migration_list
from aktenlotse.services.review import ReviewError, ReviewStore, progress
from aktenlotse.services.review_forecast import CONFIDENT_AT, forecast_dict, forecast_for, forecast_lines
from aktenlotse.services.review_training import train_from_decisions
from aktenlotse.stores.statedb import StateDB
from aktenlotse.xdomea.schema import SchemaError
from aktenlotse.xdomea.service import HandoverError, Scope, export_aktenplan, export_handover


def configure(parser: argparse.ArgumentParser) -> None:
    """The actions of `review` (export, train, status, forecast)."""
    review = parser.add_subparsers(metavar="WHAT")
    p = add_action(
        review, "export", cmd_export, "write the migration list, or hand the decided documents to the DMS (xdomea)"
    )
    p.add_argument(
        "--format",
        choices=("csv", "xlsx", "xdomea", "xdomea-aktenplan"),
        default="xlsx",
        help="xdomea: Abgabe.Abgabe.0401 ZIP; xdomea-aktenplan: the Aktenplan alone (0301)",
    )
    p.add_argument("--output", help="file to write (default: migrationsliste.FORMAT; for xdomea a folder or .zip)")
    p.add_argument("--source", help="xdomea: only this source")
    p.add_argument("--folder", help="xdomea: only below this folder (relative to the source root)")
    p.add_argument("--with-files", action="store_true", help="xdomea: put the primary files into the ZIP")
    add_action(review, "train", cmd_train, "retrain the Aktenplan model from the decisions")
    add_action(review, "status", cmd_status, "how many documents and folders are decided", with_json=True)
    p = add_action(
        review,
        "forecast",
        cmd_forecast,
        "migration forecast per Fachbereich: work left, pace, roll-out order",
        with_json=True,
    )
    p.add_argument(
        "--confident-at",
        type=float,
        default=CONFIDENT_AT,
        help=f"a suggestion at least this sure needs no person (default {CONFIDENT_AT})",
    )


def cmd_export(args: argparse.Namespace) -> int:
    config = config_of(args)
    if args.format.startswith("xdomea"):
        return _export_xdomea(args, config)
    if not config.state_db.exists():
        print("Fehler: noch kein Crawl gelaufen (aktenlotse crawl)")
        return 1
    target = Path(args.output or f"migrationsliste.{args.format}")
    rows = export_migration_list(config, target, args.format, roles={"admin"})  # the console is the admin's
    print(f"Migrationsliste geschrieben: {target} ({rows} Zeilen)")
    return 0


def _export_xdomea(args: argparse.Namespace, config: Config) -> int:
    output = Path(args.output or ".")
    try:
        if args.format == "xdomea-aktenplan":
            target = export_aktenplan(config, output)
            print(f"Aktenplan als xdomea 0301 geschrieben: {target}")
            return 0
        scope = Scope(source=args.source, folder=(args.folder or "").strip("/") or None)
        report = export_handover(config, output, scope, with_files=args.with_files)
    except (HandoverError, SchemaError) as error:
        print(f"Fehler: {error.message}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"Fehler: {output} kann nicht geschrieben werden ({error.strerror or error})", file=sys.stderr)
        return 1
    print(f"xdomea-Abgabe geschrieben: {report.zip_path}")
    print(report.summary())
    if report.list_path is not None:
        print(f"Nicht oder geändert übergebene Dokumente: {report.list_path}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    config = config_of(args)
    backend = open_backend(config)
    try:
        # The shell of the server is the admin's: the command runs with the admin role.
        report = train_from_decisions(config, backend, "cli", {"admin"})
    except ReviewError as error:
        raise UserError(error.message) from None
    finally:
        backend.close()
    learned = f"Gelernt aus {report.n_decisions} Entscheidungen"
    if report.heldout_top1 is None:
        print(f"{learned}.")
    else:
        top1, top3 = report.heldout_top1, report.heldout_top3
        print(f"{learned}; zurückgehalten {report.n_heldout}: Top 1 {top1:.1%}, Top 3 {top3:.1%}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    config = config_of(args)
    state, store = StateDB(config.state_db), ReviewStore(config.data_dir)
    try:
        figures = progress(state, store)
    finally:
        store.close()
        state.close()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(
            f"Dokumente entschieden: {figures['documents_decided']} von {figures['documents']}; "
            f"Ordner vollständig: {figures['folders_decided']} von {figures['folders']}"
        )
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    config = config_of(args)
    if not config.state_db.exists():
        print("Fehler: noch kein Crawl gelaufen (aktenlotse crawl)", file=sys.stderr)
        return 1
    if not 0.0 <= args.confident_at <= 1.0:
        print("Fehler: --confident-at muss zwischen 0 und 1 liegen", file=sys.stderr)
        return 2
    backend = open_backend(config)
    try:
        # The shell of the server is the admin's: the command runs with the admin role.
        forecast = forecast_for(config, backend, {"admin"}, args.confident_at)
    finally:
        backend.close()
    assert forecast is not None  # the state database exists (checked above)
    return print_report(forecast, forecast_dict, forecast_lines, as_json=args.json)
