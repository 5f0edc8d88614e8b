"""`aktenlotse aktenplan`: import, list and show the file plan (audit and folds: `aktenplan_care`)."""

from __future__ import annotations

import argparse
import json
import sys

from aktenlotse.cli import aktenplan_care
from aktenlotse.cli.common import add_action
from aktenlotse.core.config import load_config
from aktenlotse.enrich.aktenplan import MAX_LEVELS, AktenplanError
from aktenlotse.stores.aktenplan_store import AktenplanStore, load_current_plan


def configure(parser: argparse.ArgumentParser) -> None:
    """The actions of `aktenplan` (import, list, show, and the care actions)."""
    asub = parser.add_subparsers(metavar="ACTION")
    p = add_action(
        asub, "import", cmd_import, "import a CSV or XLSX file (columns code/Kennziffer, title/Bezeichnung, …)"
    )
    p.add_argument("file")
    p.add_argument(
        "--keep-levels",
        action="store_true",
        help="keep classes deeper than level 3 (for `aktenplan audit` to fold them one by one)",
    )
    p = add_action(asub, "list", cmd_list, "list the classes of the current plan")
    p.add_argument("--level", type=int, choices=(1, 2, 3), help="only this level")
    p.add_argument("--json", action="store_true")
    p = add_action(asub, "show", cmd_show, "show one class with its path, description and keywords", with_json=True)
    p.add_argument("code")
    aktenplan_care.configure(asub)


def cmd_import(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    with AktenplanStore(config.data_dir) as store:
        try:
            result = store.import_file(args.file, None if args.keep_levels else MAX_LEVELS)
        except AktenplanError as exc:
            print(f"Fehler: {exc}", file=sys.stderr)
            return 1
    for warning in result.warnings:
        print(f"Hinweis: {warning}", file=sys.stderr)
    if result.unchanged:
        print(f"Aktenplan unverändert (Version {result.version}, {result.n_classes} Klassen).")
    else:
        print(f"Aktenplan importiert: Version {result.version}, {result.n_classes} Klassen.")
    return 0


def _plan(args: argparse.Namespace):
    config = load_config(args.config)
    plan = load_current_plan(config.data_dir)
    if plan is None:
        print("Fehler: noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI)", file=sys.stderr)
    return plan


def cmd_list(args: argparse.Namespace) -> int:
    plan = _plan(args)
    if plan is None:
        return 1
    classes = [c for c in plan.classes.values() if args.level is None or c.level == args.level]
    if args.json:
        print(
            json.dumps(
                [{"code": c.code, "title": c.title, "parent": c.parent, "level": c.level} for c in classes],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    for c in classes:
        indent = "" if args.level else "  " * (c.level - 1)
        print(f"{indent}{c.code}  {c.title}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    plan = _plan(args)
    if plan is None:
        return 1
    cls = plan.get(args.code)
    if cls is None:
        print(f"Fehler: Kennziffer {args.code} nicht im Aktenplan", file=sys.stderr)
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "code": cls.code,
                    "title": cls.title,
                    "parent": cls.parent,
                    "level": cls.level,
                    "description": cls.description,
                    "keywords": list(cls.keywords),
                    "path": [a.code for a in plan.ancestors(cls.code)],
                    "children": [c.code for c in plan.children(cls.code)],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(" > ".join(f"{a.code} {a.title}" for a in plan.ancestors(cls.code)))
    print(f"Ebene: {cls.level}")
    if cls.description:
        print(f"Beschreibung: {cls.description}")
    if cls.keywords:
        print(f"Schlagworte: {', '.join(cls.keywords)}")
    children = plan.children(cls.code)
    if children:
        print("Untergruppen:")
        for c in children:
            print(f"  {c.code}  {c.title}")
    return 0
