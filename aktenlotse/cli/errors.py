"""`aktenlotse errors`: list the files that could not be crawled."""

from __future__ import annotations

import argparse
import json

from aktenlotse.cli.common import config_of
from aktenlotse.services.admin import current_errors


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `errors`."""
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=cmd_errors)


def cmd_errors(args: argparse.Namespace) -> int:
    """The current error records of the state database (none before the first crawl)."""
    config = config_of(args)
    if not config.state_db.exists():
        print("[]" if args.json else "Noch kein Crawl gelaufen.")
        return 0
    errors = current_errors(config)
    if args.json:
        print(json.dumps(errors, ensure_ascii=False, indent=2))
        return 0
    if not errors:
        print("Keine Fehler.")
    for error in errors:
        print(f"{error['kind']:<12} {error['source']}:{error['path']}  {error['message']}")
    return 0
