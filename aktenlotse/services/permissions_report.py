"""Berechtigungsbericht for the Berechtigungskonzept: per source and folder, down to a depth,
who may read it (directory groups and users by name), where the ACL inheritance is broken,
folders open to everybody, folders only one person may read, and groups that grant access
nowhere in the reported folders.

The folders are those the last crawl recorded; their checks are read now from the file
server (the same model as "Zugriff prüfen": share ACL, traverse on every folder, the
folder's own ACL), never taken from the index. The report names who reads what, so only
admins and the AG DMS get it (the CLI runs with the service account's config; the portal
page checks the role).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aktenlotse.core.access_checks import AccessCheck, decide
from aktenlotse.core.config import Config, SourceConfig
from aktenlotse.core.records import AUTHENTICATED, EVERYONE
from aktenlotse.core.visibility import DMS_ROLES
from aktenlotse.crawler.source_factory import open_source
from aktenlotse.identity.users import Directory
from aktenlotse.services.access_explain import (
    AccessQueryError,
    DirectoryView,
    checks_for,
    group_principals,
    readers_of,
    target_in,
)
from aktenlotse.stores.statedb import StateDB

DEFAULT_DEPTH = 3
# Well-known groups that mean "every employee": AD's Domain Users (RID 513) by SID or name.
_DOMAIN_USERS_NAMES = frozenset({"domain users", "domänen-benutzer"})
_DOMAIN_USERS_RID = "-513"


@dataclass(frozen=True)
class FolderAccess:
    """One folder of the report. `problem` is a German sentence when its checks could not be
    read (then nobody is listed: the folder counts as closed, as the crawler treats it)."""

    source: str
    path: str  # '/'-separated below the source root, '' for the root
    display_path: str
    depth: int
    groups: tuple[str, ...]  # directory groups whose members all may read it
    granting_groups: tuple[str, ...]  # of these, the groups the folder's own ACL names
    users: tuple[str, ...]
    other_principals: tuple[str, ...]
    open_to: tuple[str, ...]  # "Jeder", "Authentifizierte Benutzer", "Domänen-Benutzer"
    inherits: bool | None  # None: the file system has no ACL inheritance (POSIX)
    problem: str = ""

    @property
    def single_person(self) -> str:
        """The one user who may read the folder, '' when it is none or several."""
        return self.users[0] if len(self.users) == 1 and not self.open_to else ""


@dataclass(frozen=True)
class PermissionsReport:
    generated: str  # ISO timestamp
    depth: int
    folders: tuple[FolderAccess, ...]
    groups_without_access: tuple[str, ...]  # directory groups no reported folder's ACL grants through
    groups_with_one_folder: dict[str, str]  # group -> the only folder (display path) whose ACL names it


def report_for(
    config: Config,
    directory: Directory,
    roles: Iterable[str],
    depth: int = DEFAULT_DEPTH,
    source_names: Iterable[str] = (),
) -> PermissionsReport:
    """The report for a caller with `roles` (admin or AG DMS only: it names who reads what),
    over the folders of the configured state database."""
    if not DMS_ROLES.intersection(roles):
        raise AccessQueryError("Der Berechtigungsbericht ist nur für Administration und AG DMS.", 2)
    if not config.state_db.exists():
        raise AccessQueryError("Noch kein Crawl gelaufen (aktenlotse crawl): der Bericht braucht die Ordnerliste.")
    state = StateDB(config.state_db)
    try:
        return build_report(config, directory, state, depth, source_names)
    finally:
        state.close()


def folders_to_depth(state: StateDB, source: str, depth: int) -> list[tuple[str, int]]:
    """(path, depth) of the recorded folders of `source` down to `depth`, the root (depth 0)
    first, then each folder before its sub-folders, siblings sorted by name."""
    found: list[tuple[str, int]] = []
    stack = [("", 0)]
    while stack:
        path, level = stack.pop()
        found.append((path, level))
        if level < depth:
            stack.extend((sub, level + 1) for sub in sorted(state.subfolders(source, path), reverse=True))
    return found


def open_to(checks: Sequence[AccessCheck], groups: Sequence[str], view: DirectoryView) -> tuple[str, ...]:
    """Which "everybody" principals may read: the world, every logged-in user (Authenticated
    Users), the Domain Users group."""
    labels = []
    if decide((EVERYONE,), checks).allowed:
        labels.append("Jeder")
    elif decide((EVERYONE, AUTHENTICATED), checks).allowed:
        labels.append("Authentifizierte Benutzer")
    if any(g in _DOMAIN_USERS_NAMES or view.groups.get(g, "").endswith(_DOMAIN_USERS_RID) for g in groups):
        labels.append("Domänen-Benutzer")
    return tuple(labels)


def build_report(
    config: Config,
    directory: Directory,
    state: StateDB,
    depth: int = DEFAULT_DEPTH,
    source_names: Iterable[str] = (),
) -> PermissionsReport:
    """The report over the configured sources (or those named), folders down to `depth`."""
    if depth < 0:
        raise AccessQueryError("Die Tiefe muss 0 oder größer sein.", 2)
    wanted = set(source_names)
    unknown = wanted - {s.name for s in config.sources}
    if unknown:
        raise AccessQueryError(f"Quelle „{sorted(unknown)[0]}“ ist nicht konfiguriert.", 2)
    sources = [s for s in config.sources if not wanted or s.name in wanted]
    if not sources:
        raise AccessQueryError("Keine Quelle konfiguriert.", 2)
    view = DirectoryView.read(directory)
    folders: list[FolderAccess] = []
    for source in sources:
        folders.extend(_source_folders(source, view, state, depth))
    return PermissionsReport(
        generated=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        depth=depth,
        folders=tuple(folders),
        groups_without_access=_groups_without_access(view, folders),
        groups_with_one_folder=_groups_with_one_folder(folders),
    )


def _source_folders(source: SourceConfig, view: DirectoryView, state: StateDB, depth: int) -> list[FolderAccess]:
    rows = []
    live = open_source(source)
    try:
        for path, level in folders_to_depth(state, source.name, depth):
            target = target_in(source, path)
            try:
                checks = checks_for(target, live)
            except AccessQueryError as exc:
                rows.append(
                    FolderAccess(source.name, path, target.display_path, level, (), (), (), (), (), None, exc.message)
                )
                continue
            readers = readers_of(view, target, checks)
            own = checks[-1]
            named = set(own.allow)
            granting = tuple(
                g for g in readers.groups if named.intersection(group_principals(g, view.groups.get(g, "")))
            )
            rows.append(
                FolderAccess(
                    source.name,
                    path,
                    target.display_path,
                    level,
                    readers.groups,
                    granting,
                    readers.users,
                    readers.other_principals,
                    open_to(checks, readers.groups, view),
                    own.inherits,
                )
            )
    finally:
        live.close()
    return rows


def _groups_without_access(view: DirectoryView, folders: Sequence[FolderAccess]) -> tuple[str, ...]:
    """Directory groups that no reported folder's own ACL names with an effect."""
    used = {g for f in folders for g in f.granting_groups}
    return tuple(sorted(g for g in view.groups if g not in used))


def _groups_with_one_folder(folders: Sequence[FolderAccess]) -> dict[str, str]:
    """Groups that exactly one reported folder's own ACL names (with an effect): candidates
    that the Berechtigungskonzept may fold into a broader group."""
    opened: dict[str, list[str]] = {}
    for folder in folders:
        for group in folder.granting_groups:
            opened.setdefault(group, []).append(folder.display_path)
    return {g: paths[0] for g, paths in sorted(opened.items()) if len(paths) == 1}
