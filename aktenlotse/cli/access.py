"""`aktenlotse access explain USER PATH` and `aktenlotse access who PATH` ("Zugriff prüfen")."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from aktenlotse.cli.common import add_action, print_report
from aktenlotse.core.config import Config, load_config
from aktenlotse.identity.configured import configured_directory
from aktenlotse.identity.users import Directory
from aktenlotse.services.access_explain import (
    AccessQueryError,
    explain,
    explanation_dict,
    explanation_lines,
    readers_dict,
    who_may_read,
)


def configure(p: argparse.ArgumentParser) -> None:
    """The actions of `access` (explain, who)."""
    access = p.add_subparsers(metavar="ACTION")
    e = add_action(
        access,
        "explain",
        cmd_explain,
        "a user's principals, each check on the way to PATH, the decision",
        with_json=True,
    )
    e.add_argument("user")
    e.add_argument("path", help="SOURCE:relative/path, the displayed path (\\\\server\\share\\…) or a local path")
    w = add_action(access, "who", cmd_who, "the directory users and groups that may read PATH", with_json=True)
    w.add_argument("path")
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    """`aktenlotse access` without an action: its help, exit code 2."""
    parser.print_help()
    return 2


def directory_for(config: Config) -> Directory:
    """The directory the portal logs in against, used with its service account."""
    # The directory's log lines are for the portal's log; here the German error line is all.
    logging.getLogger("aktenlotse.auth").addHandler(logging.NullHandler())
    return configured_directory(config.auth)


def cmd_explain(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        explanation = explain(config, directory_for(config), args.user, args.path)
    except AccessQueryError as exc:
        print(f"Fehler: {exc.message}", file=sys.stderr)
        return exc.code
    return print_report(explanation, explanation_dict, explanation_lines, as_json=args.json)


def cmd_who(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        readers = who_may_read(config, directory_for(config), args.path)
    except AccessQueryError as exc:
        print(f"Fehler: {exc.message}", file=sys.stderr)
        return exc.code
    if args.json:
        print(json.dumps(readers_dict(readers), ensure_ascii=False, indent=2))
        return 0
    print(f"Pfad: {readers.target.display_path}")
    rows = (
        [("Gruppe", g) for g in readers.groups]
        + [("Prinzipal", p) for p in readers.other_principals]
        + [("Benutzer", u) for u in readers.users]
    )
    if not rows:
        print("Niemand aus dem Verzeichnis darf lesen.")
        return 0
    width = max(len(kind) for kind, _ in rows)
    print(f"{'Art'.ljust(width)}  Name")
    for kind, name in rows:
        print(f"{kind.ljust(width)}  {name}")
    return 0
