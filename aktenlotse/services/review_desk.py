"""The review page's work without Streamlit: open what a review needs, narrow the
folders and documents shown, the folder's own suggestion, a decision on many documents
at once, and the exports written to a fresh temporary folder. The page "Aktenplan-Prüfung"
only lays these out; `aktenlotse review` uses the same store and exports."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from aktenlotse.core.config import Config
from aktenlotse.core.user_errors import UserFacingError
from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.enrich.suggest import Suggester, Suggestion, suggest_folder
from aktenlotse.identity.users import UserInfo
from aktenlotse.services.migration_export import export_migration_list
from aktenlotse.services.review import ReviewFolder, ReviewItem, ReviewStore
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.statedb import StateDB

MSG_NO_PLAN = "Es ist noch kein Aktenplan importiert: aktenlotse aktenplan import DATEI"
MSG_NO_CRAWL = "Noch kein Crawl gelaufen."


class DeskUnavailable(UserFacingError):
    """The review cannot start yet; `kind` is no_plan | no_crawl."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class ReviewDesk:
    """The current Aktenplan with the state database and the review store, opened for one
    page run; `close` releases both connections."""

    plan: Aktenplan
    state: StateDB
    store: ReviewStore

    def close(self) -> None:
        """Close the review store and the state database."""
        self.store.close()
        self.state.close()


def open_desk(config: Config) -> ReviewDesk:
    """Everything a review needs; DeskUnavailable without a plan or before the first crawl."""
    plan = load_current_plan(config.data_dir)
    if plan is None:
        raise DeskUnavailable(MSG_NO_PLAN, "no_plan")
    if not config.state_db.exists():
        raise DeskUnavailable(MSG_NO_CRAWL, "no_crawl")
    return ReviewDesk(plan, StateDB(config.state_db), ReviewStore(config.data_dir))


def matching_folders(folders: Iterable[ReviewFolder], source: str, contains: str) -> dict[str, ReviewFolder]:
    """The folders of one source whose path contains `contains` (any case), by path."""
    needle = contains.lower()
    return {f.path: f for f in folders if f.source == source and needle in f.path.lower()}


def _top_score(item: ReviewItem) -> float:
    return float(item.suggestions[0].get("score", 0)) if item.suggestions else 0.0


def shown_items(items: Iterable[ReviewItem], min_confidence: float = 0.0, code_prefix: str = "") -> list[ReviewItem]:
    """The documents the filters leave: the best suggestion at least `min_confidence`
    (documents without a suggestion always stay: they need a decision most), and, with a
    prefix, only those whose best suggestion's code starts with it."""
    shown = [i for i in items if not i.suggestions or _top_score(i) >= min_confidence]
    if code_prefix:
        shown = [i for i in shown if i.suggestions and str(i.suggestions[0].get("code", "")).startswith(code_prefix)]
    return shown


def folder_suggestion(plan: Aktenplan, folder: str, items: Sequence[ReviewItem]) -> Suggestion | None:
    """The best class for the folder as a whole: its documents' suggestions (only classes
    the current plan still has, folded codes as their target) together with the folder's own name; None without any."""
    per_document = [
        [
            Suggestion(code, s.get("title", ""), float(s.get("score", 0)), list(s.get("reasons", [])))
            for s in item.suggestions
            if (code := plan.current_code(s.get("code"))) is not None
        ]
        for item in items
    ]
    found = suggest_folder(Suggester(plan), folder.rsplit("/", 1)[-1], per_document)
    return found[0] if found else None


def decide_items(
    desk: ReviewDesk, items: Sequence[ReviewItem], action: str, code: str | None, user: UserInfo, comment: str = ""
) -> int:
    """Record `action` for the documents; returns how many were decided. "accept" takes
    each document's own best suggestion (documents without one are left open); the other
    actions apply `code` to all. The store checks the roles and the code (ReviewError)."""
    if action != "accept":
        return desk.store.decide(
            [i.ref for i in items],
            decision=action,
            code=code,
            reviewer=user.username,
            roles=user.roles,
            comment=comment,
            known_codes=desk.plan.classes,
        )
    count = 0
    for item in items:
        if not item.suggestions:
            continue
        count += desk.store.decide(
            [item.ref],
            decision="accept",
            code=desk.plan.current_code(item.suggestions[0]["code"]) or item.suggestions[0]["code"],
            reviewer=user.username,
            roles=user.roles,
            comment=comment,
            known_codes=desk.plan.classes,
        )
    return count


def export_list(config: Config, fmt: str, roles: Iterable[str]) -> tuple[Path, int]:
    """The migration list (xlsx or csv) written into a new temporary folder: (file, rows)."""
    target = Path(tempfile.mkdtemp(prefix="aktenlotse-export-")) / f"migrationsliste.{fmt}"
    return target, export_migration_list(config, target, fmt, roles=roles)
