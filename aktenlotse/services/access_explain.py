""" "Zugriff prüfen": why a directory user may or may not read a path, and who may.

One function per question, used by `aktenlotse access explain|who` and by the admin
page alike: the user's principals as the directory resolves them (service account, no
password of the user), the source's checks on the way to the path (share, folders, the
item; see `aktenlotse.core.access_checks`) with the result of each for this user, and the
decision with the check and the ACL entries that made it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aktenlotse.core.access_checks import AccessCheck, CheckUnavailable, Decision, decide, step_label
from aktenlotse.core.config import Config, SourceConfig
from aktenlotse.core.records import AUTHENTICATED, EVERYONE, normalize_principal
from aktenlotse.crawler.source import Source, SourceUnavailable
from aktenlotse.crawler.source_factory import open_source
from aktenlotse.identity.users import Directory, LoginError, UserInfo, group_ancestors


class AccessQueryError(Exception):
    """The question cannot be answered; `message` is one German line, `code` the exit code."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Target:
    source: SourceConfig
    path: str  # '/'-separated below the source root, '' for the root
    display_path: str


@dataclass(frozen=True)
class Step:
    """One check and what it means for the user."""

    check: AccessCheck
    passed: bool
    matched: tuple[str, ...]  # the user's principals this check allows (passed) or denies (refused)
    entries: tuple[str, ...]  # the check's entries that name a matched principal


@dataclass(frozen=True)
class Explanation:
    username: str
    display_name: str
    principals: tuple[str, ...]
    target: Target
    steps: tuple[Step, ...]
    decision: Decision
    deciding_entries: tuple[str, ...]


@dataclass(frozen=True)
class Readers:
    target: Target
    checks: tuple[AccessCheck, ...]
    groups: tuple[str, ...]  # directory groups whose members pass every check
    other_principals: tuple[str, ...]  # allowed principals the directory does not know (e.g. local ids)
    users: tuple[str, ...]


# -- the path ---------------------------------------------------------------------


def resolve_target(config: Config, text: str) -> Target:
    """A configured source and the path below it, from `SOURCE:rel`, the display form
    (\\\\server\\share\\… or the configured display root) or an absolute local path."""
    text = (text or "").strip()
    if not text:
        raise AccessQueryError("Bitte einen Pfad angeben.")
    if not config.sources:
        raise AccessQueryError("Es ist keine Quelle konfiguriert.")
    name, sep, rest = text.partition(":")
    if sep and not rest.startswith("//"):
        for source in config.sources:
            if source.name == name:
                return target_in(source, rest)
    best: tuple[int, SourceConfig, str] | None = None
    for source in config.sources:
        for prefix in _prefixes(source):
            rel = _below(prefix, text)
            if rel is not None and (best is None or len(prefix) > best[0]):
                best = (len(prefix), source, rel)
    if best is None:
        raise AccessQueryError(f"„{text}“ liegt in keiner konfigurierten Quelle.")
    return target_in(best[1], best[2])


def _prefixes(source: SourceConfig) -> list[str]:
    found = [source.display_root] if source.display_root else []
    if source.is_smb:
        found.append(source.unc_root)
    else:
        found.append(os.path.abspath(str(source.root)))
    return [p.rstrip("\\/") for p in found if p.rstrip("\\/")]


def _below(prefix: str, text: str) -> str | None:
    """`text` relative to `prefix` as a '/'-path, None when it is not below it. Windows
    forms (backslashes) compare case-insensitively, as Windows does."""
    windows = "\\" in prefix or prefix.startswith("\\\\")
    a, b = (prefix.lower(), text.lower()) if windows else (prefix, text)
    if windows:
        b = b.replace("/", "\\")
    if b.rstrip("\\/") == a:
        return ""
    sep = "\\" if windows else "/"
    if not b.startswith(a + sep):
        return None
    rest = text[len(prefix) + 1 :]
    return rest.replace("\\", "/") if windows else rest


def target_in(source: SourceConfig, rel: str) -> Target:
    """The target `rel` ('/'-separated) below a configured source."""
    rel = "/".join(p for p in rel.replace("\\", "/").split("/") if p)
    if any(p in (".", "..") for p in rel.split("/")):
        raise AccessQueryError(f"Ungültiger Pfad „{rel}“.")
    if not rel:
        return Target(source, rel, _display_root(source))
    opened = open_source(source)
    try:
        return Target(source, rel, opened.display_path(rel))
    finally:
        opened.close()


def _display_root(source: SourceConfig) -> str:
    if source.display_root:
        return source.display_root
    return source.unc_root if source.is_smb else os.path.abspath(str(source.root))


def checks_for(target: Target, source: Source | None = None) -> list[AccessCheck]:
    """The source's checks for the target (share ACL, folders, the item), read now. With
    `source` (an open source of `target.source`) that source is used and left open, so
    that a report over many folders keeps one connection."""
    live = source if source is not None else open_source(target.source)
    try:
        try:
            return list(live.access_checks(target.path))
        except CheckUnavailable as exc:
            raise AccessQueryError(str(exc)) from None
        except SourceUnavailable:
            raise AccessQueryError(f"Die Quelle „{target.source.name}“ ist nicht erreichbar.") from None
        except OSError as exc:
            raise AccessQueryError(
                f"Die Quelle „{target.source.name}“ ist nicht erreichbar: {exc.strerror or exc}."
            ) from None
    finally:
        if source is None:
            live.close()


# -- explain ------------------------------------------------------------------------


def explain(config: Config, directory: Directory, username: str, path_text: str) -> Explanation:
    """Everything `aktenlotse access explain USER PATH` and the admin form show."""
    user = _lookup(directory, username)
    target = resolve_target(config, path_text)
    checks = checks_for(target)
    return explain_checks(user.username, user.display_name, user.principals, target, checks)


def explain_checks(
    username: str, display_name: str, principals: Sequence[str], target: Target, checks: Sequence[AccessCheck]
) -> Explanation:
    held = tuple(dict.fromkeys(normalize_principal(p) for p in principals))
    decision = decide(held, checks)
    steps = []
    for check in checks:
        denied = tuple(sorted(set(held) & set(check.deny)))
        if denied:
            steps.append(Step(check, False, denied, _naming(check.entries, denied)))
            continue
        allowed = tuple(p for p in held if p in check.allow)
        if EVERYONE in check.allow and EVERYONE not in allowed:
            allowed += (EVERYONE,)
        steps.append(Step(check, bool(allowed), allowed, _naming(check.entries, allowed)))
    deciding: tuple[str, ...] = ()
    if decision.deciding is not None:
        step = next(s for s in steps if s.check is decision.deciding)
        deciding = step.entries or step.check.entries  # nothing grants: every entry is part of the answer
    elif steps:
        deciding = steps[-1].entries
    return Explanation(username, display_name, held, target, tuple(steps), decision, deciding)


def _naming(entries: Sequence[str], principals: Sequence[str]) -> tuple[str, ...]:
    """The entries that name one of `principals` (as a whole word, not a prefix)."""
    patterns = [re.compile(r"(?<![\w:.-])" + re.escape(p) + r"(?![\w.-])", re.IGNORECASE) for p in principals]
    return tuple(line for line in entries if any(p.search(line) for p in patterns))


def _lookup(directory: Directory, username: str) -> UserInfo:

    try:
        return directory.lookup(username)
    except LoginError as exc:
        raise AccessQueryError(exc.message) from None


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    return {
        "user": explanation.username,
        "display_name": explanation.display_name,
        "principals": list(explanation.principals),
        "source": explanation.target.source.name,
        "path": explanation.target.path,
        "display_path": explanation.target.display_path,
        "checks": [
            _check_dict(s.check) | {"passed": s.passed, "matched": list(s.matched), "matched_entries": list(s.entries)}
            for s in explanation.steps
        ],
        "allowed": explanation.decision.allowed,
        "reason": explanation.decision.reason,
        "deciding_check": _check_dict(explanation.decision.deciding) if explanation.decision.deciding else None,
        "deciding_entries": list(explanation.deciding_entries),
    }


def _check_dict(check: AccessCheck) -> dict[str, Any]:
    return {
        "kind": check.kind,
        "path": check.path,
        "allow": list(check.allow),
        "deny": list(check.deny),
        "entries": list(check.entries),
    }


def explanation_lines(explanation: Explanation) -> list[str]:
    """The plain-text form (CLI)."""
    lines = [
        f"Benutzer: {explanation.username} ({explanation.display_name})",
        "Prinzipale laut Verzeichnis: " + ", ".join(explanation.principals),
        f"Pfad: {explanation.target.display_path} (Quelle {explanation.target.source.name}: "
        f"{explanation.target.path or '/'})",
        "",
    ]
    for number, step in enumerate(explanation.steps, 1):
        verdict = "bestanden" if step.passed else "nicht bestanden"
        via = f" – über {', '.join(step.matched)}" if step.matched else ""
        lines.append(f"{number}. {step_label(step.check)}: {verdict}{via}")
        lines += [f"     {line}" for line in step.check.entries]
    lines.append("")
    decision = explanation.decision
    lines.append(
        "Entscheidung: " + decision.reason
        if decision.allowed
        else "Entscheidung: Lesen verweigert – " + decision.reason
    )
    if explanation.deciding_entries:
        lines.append("Maßgeblich: " + " | ".join(explanation.deciding_entries))
    return lines


# -- who ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryView:
    """The directory's groups (lower-case name -> SID, '' without one), each nested group's
    ancestors (the groups it is in, over every level) and every user's principals, read
    once with the service account for questions about many paths."""

    groups: dict[str, str]
    users: dict[str, tuple[str, ...]]
    ancestors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Directory) -> DirectoryView:
        """Read all groups, their nesting and users (LoginError becomes AccessQueryError)."""
        try:
            groups = directory.group_names()
            ancestors = group_ancestors(directory.group_parents())
            users = {name: tuple(directory.lookup(name).principals) for name in directory.user_names()}
        except LoginError as exc:
            raise AccessQueryError(exc.message) from None
        return cls(groups, users, ancestors)

    def member_principals(self, name: str) -> tuple[str, ...]:
        """What every member of the group holds through it: the group itself and each group
        it is nested in (a member of A, A in B, is a member of B), by name and SID."""
        held = [*group_principals(name, self.groups.get(name, ""))]
        for ancestor in self.ancestors.get(name, ()):
            held += group_principals(ancestor, self.groups.get(ancestor, ""))
        return tuple(held)


def group_principals(name: str, sid: str) -> tuple[str, ...]:
    """How a directory group appears in ACLs: by name and, with one, by SID."""
    return (f"group:{name}", *((f"sid:{sid.upper()}",) if sid else ()))


def readers_of(view: DirectoryView, target: Target, checks: Sequence[AccessCheck]) -> Readers:
    """Directory groups whose members all pass `checks`, other allowed principals the
    directory does not know, and every directory user allowed.

    A group passes when what membership alone gives (the group and, nested, the groups it
    is in) passes, and none of its users is refused through another group of theirs (a
    deny there, as POSIX refuses an owning group what "other" may do)."""
    allowed = {name: decide(principals, checks).allowed for name, principals in view.users.items()}
    users = tuple(name for name, ok in allowed.items() if ok)
    refused = [set(view.users[name]) for name, ok in allowed.items() if not ok]
    base = (EVERYONE, AUTHENTICATED)
    passing = tuple(
        sorted(
            name
            for name in view.groups
            if decide((*base, *view.member_principals(name)), checks).allowed
            and not any(held.intersection(group_principals(name, view.groups[name])) for held in refused)
        )
    )
    known = {p for name, sid in view.groups.items() for p in group_principals(name, sid)}
    others = sorted(
        {
            p
            for c in checks
            for p in c.allow
            if p not in known and p not in base and not p.startswith("user:") and decide((*base, p), checks).allowed
        }
    )
    return Readers(target, tuple(checks), passing, tuple(others), users)


def who_may_read(config: Config, directory: Directory, path_text: str) -> Readers:
    """Directory groups whose members all pass, and every directory user allowed."""
    target = resolve_target(config, path_text)
    checks = checks_for(target)
    return readers_of(DirectoryView.read(directory), target, checks)


def readers_dict(readers: Readers) -> dict[str, Any]:
    return {
        "source": readers.target.source.name,
        "path": readers.target.path,
        "display_path": readers.target.display_path,
        "groups": list(readers.groups),
        "other_principals": list(readers.other_principals),
        "users": list(readers.users),
    }
