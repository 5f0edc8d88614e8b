"""`aktenlotse aktenplan audit|fold|undo-fold|versions`: the care of the plan (three levels,
empty and overfull classes, classes mixed up), with folds that can be undone."""

from __future__ import annotations

import argparse
import json

from aktenlotse.cli.common import UserError, config_of
from aktenlotse.pipeline.app import open_backend
from aktenlotse.services.aktenplan_audit_data import audit_for
from aktenlotse.services.aktenplan_audit_text import audit_dict, audit_lines
from aktenlotse.services.aktenplan_fold import FoldError, apply_fold, fold_history, undo_last_fold
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.text.sizes import decisions, german_time

# The shell of the server is the admin's: these commands run with the admin role.
_CONSOLE_ROLES = frozenset({"admin"})


def configure(asub: argparse._SubParsersAction) -> None:
    """Add the care actions to the `aktenplan` sub-parsers."""
    p = asub.add_parser("audit", help="per class: decided/suggested documents, deep, empty, overfull, mixed-up classes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)
    p = asub.add_parser("fold", help="fold a class (and those below it) into another: a new plan version")
    p.add_argument("code")
    p.add_argument("--into", help="target class (default: the third-level ancestor)")
    p.add_argument("--reviewer", required=True, help="who folds (recorded)")
    p.set_defaults(func=cmd_fold)
    p = asub.add_parser("undo-fold", help="undo the newest fold (plan version and decisions as before)")
    p.add_argument("--reviewer", required=True, help="who undoes it (recorded)")
    p.set_defaults(func=cmd_undo_fold)
    p = asub.add_parser("versions", help="the plan versions and the folds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_versions)


def cmd_audit(args: argparse.Namespace) -> int:
    config = config_of(args)
    backend = open_backend(config)
    try:
        audit = audit_for(config, backend, _CONSOLE_ROLES)
    finally:
        backend.close()
    if audit is None:
        raise UserError("noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI)")
    if args.json:
        print(json.dumps(audit_dict(audit), ensure_ascii=False, indent=2))
    else:
        print("\n".join(audit_lines(audit)))
    return 0


def cmd_fold(args: argparse.Namespace) -> int:
    config = config_of(args)
    try:
        fold = apply_fold(config.data_dir, args.code, args.into, reviewer=args.reviewer, roles=_CONSOLE_ROLES)
    except FoldError as exc:
        raise UserError(exc.message) from None
    print(
        f"{', '.join(fold.codes)} in {fold.target} eingefaltet: Aktenplan-Version {fold.to_version}, "
        f"{decisions(fold.moved)} verschoben (rückgängig: aktenlotse aktenplan undo-fold)."
    )
    return 0


def cmd_undo_fold(args: argparse.Namespace) -> int:
    config = config_of(args)
    try:
        fold = undo_last_fold(config.data_dir, reviewer=args.reviewer, roles=_CONSOLE_ROLES)
    except FoldError as exc:
        raise UserError(exc.message) from None
    print(
        f"Faltung {', '.join(fold.codes)} → {fold.target} rückgängig gemacht: Version {fold.undo_version} ist "
        f"der Aktenplan von Version {fold.from_version}, {decisions(fold.moved)} wie zuvor."
    )
    return 0


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
