"""The access checks of a file or folder on a local source, as the kernel makes them.

To open `a/b/c.txt` below the root, the kernel checks search (execute) on the root, on
`a` and on `a/b`, then read on `c.txt`; to list a folder it needs read and search on the
folder itself. One `AccessCheck` per step, with the mode bits and ACL entries spelled out
in German so that a person can follow the decision (`aktenlotse access explain`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from aktenlotse.core.access_checks import FOLDER, ITEM, AccessCheck, CheckUnavailable
from aktenlotse.core.records import normalize_principal
from aktenlotse.crawler.posix_acl import (
    EXECUTE,
    READ,
    PosixGrant,
    grant_for,
    group_principal,
    read_acl_entries,
    user_principal,
)
from aktenlotse.crawler.source import safe_parts

# Tags of Linux's ACL entries (see crawler.posix_acl).
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def local_access_checks(
    root: Path | str, rel_path: str, principal_map: Mapping[str, str] | None = None
) -> list[AccessCheck]:
    """Folder checks from '/' down to the parent (the folders above the root count as well:
    the kernel checks them), then the item check.

    `rel_path` is '/'-separated below `root` ('' for the root folder itself). Links are
    never followed, as the crawler does not follow them. Raises `CheckUnavailable` with a
    German message when the path does not exist or cannot be examined.
    """
    mapping = principal_map or {}
    parts = [] if rel_path.strip("/") == "" else safe_parts(rel_path)
    if parts is None:
        raise CheckUnavailable(f"Ungültiger Pfad „{rel_path}“.")
    current = os.path.abspath(str(root))
    checks = [_ancestor_check(folder, mapping) for folder in reversed(Path(current).parents)]
    for depth in range(len(parts) + 1):
        rel = "/".join(parts[:depth])
        st = _lstat(current, rel)
        is_last = depth == len(parts)
        if stat.S_ISLNK(st.st_mode):
            raise CheckUnavailable(f"„{rel}“ ist eine Verknüpfung; Verknüpfungen werden nicht verfolgt.")
        if not is_last and not stat.S_ISDIR(st.st_mode):
            raise CheckUnavailable(f"„{rel}“ ist kein Ordner.")
        acl = read_acl_entries(current)
        if not is_last:
            grant = grant_for(st.st_mode, st.st_uid, st.st_gid, acl, EXECUTE)
            checks.append(_check(FOLDER, rel, grant, _entries(st, acl, EXECUTE, mapping), mapping))
        elif stat.S_ISDIR(st.st_mode):
            # Listing a folder: search on it for anything about its entries, read for the
            # names. Two checks, not one grant: a user may hold each through another group.
            search = grant_for(st.st_mode, st.st_uid, st.st_gid, acl, EXECUTE)
            checks.append(_check(FOLDER, rel, search, _entries(st, acl, EXECUTE, mapping), mapping))
            grant = grant_for(st.st_mode, st.st_uid, st.st_gid, acl, READ)
            checks.append(_check(ITEM, rel, grant, _entries(st, acl, READ, mapping), mapping))
        elif stat.S_ISREG(st.st_mode):
            grant = grant_for(st.st_mode, st.st_uid, st.st_gid, acl, READ)
            checks.append(_check(ITEM, rel, grant, _entries(st, acl, READ, mapping), mapping))
        else:
            raise CheckUnavailable(f"„{rel}“ ist weder Datei noch Ordner.")
        if not is_last:
            current = os.path.join(current, parts[depth])
    return checks


def _ancestor_check(folder: Path, mapping: Mapping[str, str]) -> AccessCheck:
    """Search on a folder above the source root (shown by its absolute path)."""
    st = _lstat(str(folder), str(folder))
    acl = read_acl_entries(str(folder))
    grant = grant_for(st.st_mode, st.st_uid, st.st_gid, acl, EXECUTE)
    return _check(FOLDER, str(folder), grant, _entries(st, acl, EXECUTE, mapping), mapping)


def _lstat(path: str, rel: str) -> os.stat_result:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        raise CheckUnavailable(f"„{rel or '/'}“ gibt es nicht.") from None
    except NotADirectoryError:
        raise CheckUnavailable(f"Ein Teil des Pfads vor „{rel}“ ist kein Ordner.") from None
    except OSError as exc:
        raise CheckUnavailable(f"„{rel or '/'}“ kann nicht geprüft werden: {exc.strerror}.") from None


def _check(kind: str, rel: str, grant: PosixGrant, entries: list[str], mapping: Mapping[str, str]) -> AccessCheck:
    def spell(principals: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted({normalize_principal(mapping.get(p, p)) for p in principals}))

    return AccessCheck(kind, rel, spell(grant.allow), spell(grant.deny), tuple(entries))


def _bits(perm: int) -> str:
    return ("r" if perm & 4 else "-") + ("w" if perm & 2 else "-") + ("x" if perm & 1 else "-")


def _verdict(perm: int, right: int) -> str:
    return "ja" if perm & right == right else "nein"


def _entries(
    st: os.stat_result, acl: list[tuple[int, int, int]] | None, right: int, mapping: Mapping[str, str]
) -> list[str]:
    """One German line per class or ACL entry: who, the bits, whether they give `right`.
    A mapped id shows both spellings: "group:personal (group:61002)"."""

    def name(principal: str) -> str:
        mapped = normalize_principal(mapping.get(principal, principal))
        return principal if mapped == normalize_principal(principal) else f"{mapped} ({principal})"

    needed = {READ: "Lesen", EXECUTE: "Durchsuchen", READ | EXECUTE: "Auflisten"}[right]
    mode = stat.S_IMODE(st.st_mode)
    owner, group = name(user_principal(st.st_uid)), name(group_principal(st.st_gid))
    if not acl:
        return [
            f"Eigentümer {owner}: {_bits(mode >> 6)} → {needed}: {_verdict(mode >> 6, right)}",
            f"Gruppe {group}: {_bits(mode >> 3)} → {needed}: {_verdict(mode >> 3, right)}",
            f"Andere (everyone): {_bits(mode)} → {needed}: {_verdict(mode, right)}",
        ]
    mask = next((perm for tag, perm, _ in acl if tag == _MASK), 7)
    lines = []
    for tag, perm, ident in acl:
        if tag == _USER_OBJ:
            lines.append(f"Eigentümer {owner}: {_bits(perm)} → {needed}: {_verdict(perm, right)}")
        elif tag == _OTHER:
            lines.append(f"Andere (everyone): {_bits(perm)} → {needed}: {_verdict(perm, right)}")
        elif tag == _MASK:
            lines.append(f"Maske: {_bits(perm)} (begrenzt benannte Benutzer und alle Gruppen)")
        else:
            who = {
                _USER: f"ACL Benutzer {name(user_principal(ident))}",
                _GROUP_OBJ: f"Gruppe {group}",
                _GROUP: f"ACL Gruppe {name(group_principal(ident))}",
            }[tag]
            effective = perm & mask
            limited = f" (wirksam {_bits(effective)} wegen Maske)" if effective != perm else ""
            lines.append(f"{who}: {_bits(perm)}{limited} → {needed}: {_verdict(effective, right)}")
    return lines
