"""`aktenlotse aktenplan audit|fold|undo-fold|versions`: the care of the plan (three levels,
empty and overfull classes, classes mixed up), with folds that can be undone."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from aktenlotse.cli.common import UserError, add_action, config_of, print_report
from aktenlotse.pipeline.app import open_backend
from aktenlotse.services.aktenplan_audit_data import audit_for
from aktenlotse.services.aktenplan_audit_text import audit_dict, audit_lines
from aktenlotse.services.aktenplan_fold import FoldError, apply_fold, fold_history, undo_last_fold
from aktenlotse.stores.aktenplan_folds import FoldRecord
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.text.sizes import decisions, german_time

# The shell of the server is the admin's: these commands run with the admin role.
_CONSOLE_ROLES = frozenset({"admin"})


def configure(asub: argparse._SubParsersAction) -> None:
    """Add the care actions to the `aktenplan` sub-parsers."""
    add_action(
        asub,
        "audit",
        cmd_audit,
        "per class: decided/suggested documents, deep, empty, overfull, mixed-up classes",
        with_json=True,
    )
    p = add_action(asub, "fold", cmd_fold, "fold a class (and those below it) into another: a new plan version")
    p.add_argument("code")
    p.add_argument("--into", help="target class (default: the third-level ancestor)")
    p.add_argument("--reviewer", required=True, help="who folds (recorded)")
    p = add_action(asub, "undo-fold", cmd_undo_fold, "undo the newest fold (plan version and decisions as before)")
    p.add_argument("--reviewer", required=True, help="who undoes it (recorded)")
    add_action(asub, "versions", cmd_versions, "the plan versions and the folds", with_json=True)


def cmd_audit(args: argparse.Namespace) -> int:
    config = config_of(args)
    backend = open_backend(config)
    try:
        audit = audit_for(config, backend, _CONSOLE_ROLES)
    finally:
        backend.close()
    if audit is None:
        raise UserError("noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI)")
    return print_report(audit, audit_dict, audit_lines, as_json=args.json)


def cmd_fold(args: argparse.Namespace) -> int:
    data_dir = config_of(args).data_dir
    return _change_plan(
        lambda: apply_fold(data_dir, args.code, args.into, reviewer=args.reviewer, roles=_CONSOLE_ROLES)
    )


def cmd_undo_fold(args: argparse.Namespace) -> int:
    data_dir = config_of(args).data_dir
    return _change_plan(lambda: undo_last_fold(data_dir, reviewer=args.reviewer, roles=_CONSOLE_ROLES))


def _change_plan(change: Callable[[], FoldRecord]) -> int:
    """Run a fold or its undo and say what it did; a refusal (unknown class, nothing to
    undo, no right to) is the user's to fix."""
    try:
        fold = change()
    except FoldError as exc:
        raise UserError(exc.message) from None
    print(_change_line(fold))
    return 0


def _change_line(fold: FoldRecord) -> str:
    """What a fold did, or its undo (the record a fresh undo returns has `undone_at`)."""
    codes, moved = ", ".join(fold.codes), decisions(fold.moved)
    if fold.undone_at:
        return (
            f"Faltung {codes} → {fold.target} rückgängig gemacht: Version {fold.undo_version} ist "
            f"der Aktenplan von Version {fold.from_version}, {moved} wie zuvor."
        )
    return (
        f"{codes} in {fold.target} eingefaltet: Aktenplan-Version {fold.to_version}, "
        f"{moved} verschoben (rückgängig: aktenlotse aktenplan undo-fold)."
    )


def cmd_versions(args: argparse.Namespace) -> int:
    config = config_of(args)
    with AktenplanStore(config.data_dir) as store:
        versions = store.imports()
    folds = fold_history(config.data_dir)
    if args.json:
        print(
            json.dumps(
                {"versions": versions, "folds": [f.__dict__ | {"codes": list(f.codes)} for f in folds]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not versions:
        print("Noch kein Aktenplan importiert.")
    for v in versions:
        print(f"Version {v['version']}: {german_time(v['imported_at'])}, {v['source_name']}, {v['n_classes']} Klassen")
    for f in folds:
        state = (
            f"rückgängig am {german_time(f.undone_at)} von {f.undone_by} (Version {f.undo_version})"
            if f.undone_at
            else "aktiv"
        )
        print(
            f"Faltung {', '.join(f.codes)} → {f.target} von {f.reviewer} am {german_time(f.at)} "
            f"(Version {f.from_version} → {f.to_version}, {f.moved} Entscheidungen): {state}"
        )
    return 0
