"""Folding Aktenplan classes for the AG DMS: a class (with the classes below it) goes into
another one, as a new plan version with the decisions moved along, and can be undone.

Without a target only classes deeper than the third level may be folded, into their
third-level ancestor (the workshop's rule: three levels). With a target any class may be
folded into any other that is not itself or below it (a merge the audit proposes for
classes the model keeps confusing). The folded codes stay known through the plan's
`folded` mapping, so an Aktenzeichen or an old suggestion with such a code still finds its
class. Who may fold is checked here, not only in the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.enrich.aktenplan import MAX_LEVELS, Aktenplan, AktenplanClass
from aktenlotse.services.review import can_review
from aktenlotse.stores.aktenplan_folds import FoldRecord, FoldTables, PlanChanged
from aktenlotse.stores.aktenplan_store import AktenplanStore


class FoldError(UserFacingError):
    """A fold or undo was refused; `message` says why (German)."""


@dataclass(frozen=True)
class FoldProposal:
    """What a fold would do: `codes` (the class and those below it) go into `target`."""

    code: str
    target: str
    codes: tuple[str, ...]
    plan: Aktenplan  # the plan after the fold


def propose_fold(plan: Aktenplan, code: str, into: str | None = None) -> FoldProposal:
    """The plan with `code` folded into `into` (default: its third-level ancestor), or
    FoldError when the fold is not allowed."""
    cls = plan.classes.get(code)
    if cls is None:
        hint = f" (schon in {plan.folded[code]} eingefaltet)" if code in plan.folded else ""
        raise FoldError(f"Die Kennziffer {code} gibt es im aktuellen Aktenplan nicht{hint}.")
    below = [c.code for c in plan.descendants(code)]
    if into is None:
        if cls.level <= MAX_LEVELS:
            raise FoldError(
                f"{code} liegt auf Ebene {cls.level}, nicht tiefer als Ebene {MAX_LEVELS}; "
                "zum Zusammenlegen bitte eine Zielklasse angeben (--into)."
            )
        target = plan.ancestor_at(code, MAX_LEVELS) or ""
    else:
        if into not in plan.classes:
            raise FoldError(f"Die Zielklasse {into} gibt es im aktuellen Aktenplan nicht.")
        if into == code or into in below:
            raise FoldError(f"{code} kann nicht in {into} eingefaltet werden: das Ziel liegt in der Klasse selbst.")
        target = into
    codes = (code, *below)
    return FoldProposal(code, target, codes, _folded_plan(plan, codes, target))


def _folded_plan(plan: Aktenplan, codes: tuple[str, ...], target: str) -> Aktenplan:
    # As at import: the folded classes' titles and keywords enrich the target, so the
    # suggestions still find documents that spoke of the folded topic.
    gone = set(codes)
    extra = [kw for c in codes for kw in (plan.classes[c].title, *plan.classes[c].keywords)]
    classes = {}
    for c in plan.classes.values():
        if c.code in gone:
            continue
        if c.code == target:
            c = AktenplanClass(
                c.code, c.title, c.parent, c.description, tuple(dict.fromkeys((*c.keywords, *extra))), c.level
            )
        classes[c.code] = c
    folded = {old: (target if to in gone else to) for old, to in plan.folded.items()}
    folded.update({c: target for c in codes})
    return Aktenplan(classes, folded, [f"{', '.join(codes)} in {target} eingefaltet"])


def _require_role(roles: Iterable[str]) -> None:
    if not can_review(roles):
        raise FoldError("Nur die AG DMS und Administratoren können den Aktenplan ändern.")


def apply_fold(data_dir: Path, code: str, into: str | None, *, reviewer: str, roles: Iterable[str]) -> FoldRecord:
    """Fold `code` into `into` (or its third-level ancestor): a new plan version and its
    decisions moved, in one transaction."""
    _require_role(roles)
    with AktenplanStore(data_dir) as store:
        version = store.current_version()
        plan = store.load(version) if version is not None else None
    if plan is None or version is None:
        raise FoldError("Noch kein Aktenplan importiert (aktenlotse aktenplan import DATEI).")
    proposal = propose_fold(plan, code, into)
    label = f"Faltung {code} → {proposal.target}"
    with FoldTables(data_dir) as folds:
        try:
            return folds.apply(
                proposal.plan, proposal.codes, proposal.target, from_version=version, reviewer=reviewer, label=label
            )
        except PlanChanged:
            raise FoldError("Der Aktenplan wurde inzwischen geändert; bitte die Prüfung neu laden.") from None


def undo_last_fold(data_dir: Path, *, reviewer: str, roles: Iterable[str]) -> FoldRecord:
    """Take the newest fold back: its decisions as they were, and the plan before it current
    again (stored as a new version)."""
    _require_role(roles)
    with FoldTables(data_dir) as folds:
        fold = folds.last_open()
        if fold is None:
            raise FoldError("Es gibt keine Faltung, die rückgängig gemacht werden kann.")
        try:
            return folds.undo(fold, reviewer)
        except PlanChanged:
            raise FoldError(
                f"Die Faltung {', '.join(fold.codes)} → {fold.target} kann nicht rückgängig gemacht werden: "
                f"seit ihr wurde ein anderer Aktenplan importiert (Version {fold.to_version} ist nicht mehr aktuell)."
            ) from None


def last_open_fold(data_dir: Path) -> FoldRecord | None:
    """The newest fold not undone yet (what `undo_last_fold` would take back)."""
    with FoldTables(data_dir) as folds:
        return folds.last_open()


def fold_history(data_dir: Path) -> list[FoldRecord]:
    """Every fold, oldest first (for `aktenplan versions` and the page)."""
    with FoldTables(data_dir) as folds:
        return folds.history()
