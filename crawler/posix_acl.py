"""Read principals from POSIX permissions: owner/group/mode bits and POSIX ACLs.

The result for one file or folder is a `PosixGrant`: the principals that hold a given
right (read for files, traverse for folders). How the grants along a path combine into a
file's effective access is `crawler.posix_path_access`.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from aktenlotse.core.records import EVERYONE

ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
READ, EXECUTE = 4, 1


@dataclass(frozen=True)
class PosixGrant:
    """Who holds a right on one file system object.

    `allow` never mixes `everyone` with others: `everyone` alone means world access.
    `deny` holds principals that POSIX excludes although a broader class would allow
    them (an owner whose own bits lack the right while group or other have it).
    """

    allow: frozenset[str]
    deny: frozenset[str] = frozenset()

    @property
    def is_public(self) -> bool:
        return EVERYONE in self.allow


WORLD = PosixGrant(frozenset({EVERYONE}))
NOBODY = PosixGrant(frozenset())


def _principal(kind: str, number: int, name_of: Callable[[int], str]) -> str:
    """`kind:name`, or `kind:number` when the system knows no name for the number."""
    try:
        return f"{kind}:{name_of(number)}"
    except KeyError:
        return f"{kind}:{number}"


@lru_cache(maxsize=4096)
def user_principal(uid: int) -> str:
    return _principal("user", uid, lambda n: pwd.getpwuid(n).pw_name)


@lru_cache(maxsize=4096)
def group_principal(gid: int) -> str:
    return _principal("group", gid, lambda n: grp.getgrgid(n).gr_name)


def read_acl_entries(path: str | bytes) -> list[tuple[int, int, int]] | None:
    """The access ACL as (tag, perm, id) entries, or None when the object has none."""
    try:
        raw = os.getxattr(path, ACL_XATTR, follow_symlinks=False)
    except OSError:
        return None  # no ACL, no xattr support, or not permitted: mode bits decide
    return parse_acl_xattr(raw)


def parse_acl_xattr(raw: bytes) -> list[tuple[int, int, int]] | None:
    """Decode Linux's binary `system.posix_acl_access` value (version 2, 8-byte entries)."""
    if len(raw) < 4 or (len(raw) - 4) % 8:
        return None
    (version,) = struct.unpack_from("<I", raw, 0)
    if version != _ACL_VERSION:
        return None
    return [struct.unpack_from("<HHI", raw, offset) for offset in range(4, len(raw), 8)]


def grant_for(st_mode: int, uid: int, gid: int, acl: list[tuple[int, int, int]] | None, right: int) -> PosixGrant:
    """Principals holding `right` (READ or EXECUTE) on an object with this mode/owner/ACL.

    Follows the POSIX access check order: owner entry, then named users, then the
    owning and named groups (limited by the mask), then other.
    """
    owner, group = user_principal(uid), group_principal(gid)
    perm_bits = stat.S_IMODE(st_mode)
    owner_perm, group_perm, other_perm = (perm_bits >> 6) & 7, (perm_bits >> 3) & 7, perm_bits & 7
    named_users: dict[str, int] = {}
    named_groups: dict[str, int] = {}
    if acl:
        mask = 7
        for tag, perm, _ident in acl:
            if tag == _MASK:
                mask = perm
        for tag, perm, ident in acl:
            if tag == _USER_OBJ:
                owner_perm = perm
            elif tag == _USER:
                named_users[user_principal(ident)] = perm & mask
            elif tag == _GROUP_OBJ:
                group_perm = perm & mask
            elif tag == _GROUP:
                named_groups[group_principal(ident)] = perm & mask
            elif tag == _OTHER:
                other_perm = perm
    deny: set[str] = set()
    if other_perm & right:
        allow = {EVERYONE}
        # POSIX checks the most specific class first: a matching owner, named user or
        # group without the right is refused even though "other" has it.
        if not owner_perm & right:
            deny.add(owner)
        deny.update(p for p, perm in named_users.items() if not perm & right)
        groups_without = [p for p, perm in [(group, group_perm), *named_groups.items()] if not perm & right]
        deny.update(groups_without)
        return PosixGrant(frozenset(allow), frozenset(deny))
    allow = set()
    if owner_perm & right:
        allow.add(owner)
    else:
        deny.add(owner)
    for principal, perm in named_users.items():
        (allow if perm & right else deny).add(principal)
    if group_perm & right:
        allow.add(group)
    for principal, perm in named_groups.items():
        if perm & right:
            allow.add(principal)
    # A denied owner keeps being denied even if a group would allow them.
    allow -= deny
    return PosixGrant(frozenset(allow), frozenset(deny))
