"""The checks a file server makes before a user reads a file, one per step of the path.

A source describes a file's effective read access as a list of `AccessCheck`s: the
share's ACL (SMB), each folder on the path that the server checks for traverse/list,
and the file's own ACL. The crawl stores them as `Entry.allow`/`deny` (the file's own
check) and `Entry.require` (the clauses of the other checks, see `aktenlotse.core.visibility`);
`aktenlotse access explain` shows them one by one with the entry that decided.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aktenlotse.core.visibility import Permissions, permissions

SHARE, FOLDER, ITEM = "share", "folder", "item"


class CheckUnavailable(Exception):
    """The checks for a path cannot be read (it does not exist, is a link, the server is
    down). The message is one German sentence for the user."""


@dataclass(frozen=True)
class AccessCheck:
    """One check on the way to a file.

    `kind`: `share` (the share's own ACL), `folder` (traverse/list on a folder of the
    path) or `item` (read data on the file itself; exactly one per list, the last).
    `path`: relative to the source root ('' for the root folder or the share).
    `allow`/`deny`: principals that pass / are refused by this check (normalised
    spelling, `everyone` for world access). `entries`: the ACL as a human reads it
    (one German line per entry, e.g. "erlaubt  group:bauamt  Lesen"), for explanations.
    `inherits`: whether the ACL takes entries from the parent folder (False: inheritance
    broken, a protected DACL); None where the file system has no inheritance (POSIX modes).
    """

    kind: str
    path: str
    allow: tuple[str, ...]
    deny: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    inherits: bool | None = None


@dataclass(frozen=True)
class Decision:
    """Whether a set of principals may read, and the check that decided."""

    allowed: bool
    deciding: AccessCheck | None  # the first check that refused; None when allowed
    reason: str  # one German sentence


def permissions_of(checks: Sequence[AccessCheck]) -> Permissions:
    """The canonical Permissions of a file described by `checks` (item check last)."""
    items = [c for c in checks if c.kind == ITEM]
    if len(items) != 1:
        raise ValueError("exactly one item check expected")
    item = items[0]
    others = [c for c in checks if c.kind != ITEM]
    deny = {p for c in checks for p in c.deny}
    return permissions(item.allow, deny, [c.allow for c in others])


def decide(principals: Iterable[str], checks: Sequence[AccessCheck]) -> Decision:
    """Walk the checks in order as the server does and name the first that refuses."""
    held = frozenset(principals)
    for check in checks:
        denied = sorted(held.intersection(check.deny))
        if denied:
            return Decision(False, check, f"{step_label(check)}: Zugriff verweigert für {', '.join(denied)}.")
        if not held.intersection(check.allow) and "everyone" not in check.allow:
            return Decision(False, check, f"{step_label(check)}: keiner der Prinzipale ist berechtigt.")
    return Decision(True, None, "Lesen erlaubt: alle Prüfungen bestanden.")


def step_label(check: AccessCheck) -> str:
    """How a check is named to people: "Freigabe", "Ordner „Bauamt“", "„Bauamt/antrag.pdf“"."""
    if check.kind == SHARE:
        return "Freigabe"
    if check.kind == FOLDER:
        return f"Ordner „{check.path or '(Wurzel der Quelle)'}“"
    return f"„{check.path or '(Wurzel der Quelle)'}“"
