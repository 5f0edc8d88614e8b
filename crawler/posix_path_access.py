"""Effective read access along a local path: the folders' traverse checks as clauses.

The kernel lets a user read a file iff the user may traverse (execute) every folder from
'/' down to the file's folder and may read the file itself. Each folder's execute grant is
one clause of `Entry.require` (its deny principals go into the deny list), the file's read
grant is `Entry.allow`/`deny`; `aktenlotse.core.visibility` decides from that without knowing
group membership. Intersecting principal lists instead would hide a file from a user who
traverses via one group and reads via another, or show it to a group the folder refuses.

`PosixPathAccess` is the one place the walk, downloads and `current_entry` turn grants
into those fields, so the three cannot drift apart.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aktenlotse.core.records import normalize_principal
from aktenlotse.core.visibility import Clause, permissions
from aktenlotse.crawler.posix_acl import EXECUTE, PosixGrant, grant_for, read_acl_entries

_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class TraverseAccess:
    """Who passes the traverse checks of every folder from '/' down to one folder.

    `key` changes whenever the grant of any folder on the way changes (it hashes the raw
    grants, not their canonical form), so a crawl can skip re-reading files whose folder
    key and ctime are unchanged. `require`: canonical clauses; `((),)` when nobody passes.
    """

    key: str
    require: tuple[Clause, ...] = ()
    deny: tuple[str, ...] = ()


FileAccess = tuple[tuple[str, ...], tuple[str, ...], tuple[Clause, ...]]  # allow, deny, require


class PosixPathAccess:
    """Turns POSIX grants into `Entry.allow`/`deny`/`require`, principals mapped through
    the source's `principal_map`. Results are cached: a tree has few distinct grants."""

    def __init__(self, principal_map: Mapping[str, str]):
        self._map = principal_map
        self._folders: dict[tuple[str, PosixGrant], TraverseAccess] = {}
        self._files: dict[tuple[str, PosixGrant], FileAccess] = {}

    def names(self, principals: Iterable[str]) -> tuple[str, ...]:
        """Principals as the index spells them (mapped, normalised, sorted, unique)."""
        return tuple(sorted({normalize_principal(self._map.get(p, p)) for p in principals}))

    def outside_root(self, root: str) -> TraverseAccess:
        """The traverse checks of the folders above `root` up to '/' (read once per crawl).

        Both the path as configured and the path its links resolve to are walked: the
        kernel checks the folders of each on the way in.
        """
        root_real = os.path.realpath(root)
        folders: dict[tuple[int, int], str] = {}
        for prefix in _prefixes(os.path.abspath(root)):
            for folder in _prefixes(os.path.realpath(prefix)):
                if folder == root_real:
                    continue
                st = os.stat(folder)
                folders.setdefault((st.st_dev, st.st_ino), folder)
        access = TraverseAccess(key="")
        for folder in sorted(folders.values()):
            st = os.stat(folder)
            access = self.descend(
                access, grant_for(st.st_mode, st.st_uid, st.st_gid, read_acl_entries(folder), EXECUTE)
            )
        return access

    def descend(self, parent: TraverseAccess, grant: PosixGrant) -> TraverseAccess:
        """The access of a folder below `parent` whose own execute grant is `grant`."""
        cache_key = (parent.key, grant)
        cached = self._folders.get(cache_key)
        if cached is not None:
            return cached
        key = hashlib.blake2b(f"{parent.key}/{_grant_key(grant)}".encode(), digest_size=12).hexdigest()
        if grant.is_public and not grant.deny:
            # Most folders: everyone may traverse, the checks above decide alone.
            access = TraverseAccess(key, parent.require, parent.deny)
        else:
            deny = tuple(sorted({*parent.deny, *self.names(grant.deny)}))
            canonical = permissions(("everyone",), deny, (*parent.require, self.names(grant.allow)))
            require = ((),) if canonical.readable_by_nobody else canonical.clauses
            access = TraverseAccess(key, require, deny)
        if len(self._folders) > _CACHE_LIMIT:
            self._folders.clear()
        self._folders[cache_key] = access
        return access

    def of_file(self, folder: TraverseAccess, grant: PosixGrant) -> FileAccess:
        """`(allow, deny, require)` of a file in `folder` whose own read grant is `grant`."""
        cache_key = (folder.key, grant)
        cached = self._files.get(cache_key)
        if cached is None:
            deny = tuple(sorted({*folder.deny, *self.names(grant.deny)}))
            cached = (self.names(grant.allow), deny, folder.require)
            if len(self._files) > _CACHE_LIMIT:
                self._files.clear()
            self._files[cache_key] = cached
        return cached


def _prefixes(path: str) -> list[str]:
    """'/', '/a', '/a/b' for '/a/b'."""
    parts = [p for p in path.split(os.sep) if p]
    return [os.sep] + [os.sep + os.sep.join(parts[:i]) for i in range(1, len(parts) + 1)]


def _grant_key(grant: PosixGrant) -> str:
    return ",".join(sorted(grant.allow)) + "|" + ",".join(sorted(grant.deny))
