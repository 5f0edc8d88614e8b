"""A local folder or mounted share as a Source, with POSIX read principals."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

from aktenlotse.core.access_checks import AccessCheck
from aktenlotse.core.config import SourceConfig
from aktenlotse.core.records import Entry
from aktenlotse.crawler.filters import is_excluded
from aktenlotse.crawler.local_access import local_access_checks
from aktenlotse.crawler.posix_acl import (
    ACL_XATTR,
    EXECUTE,
    READ,
    PosixGrant,
    grant_for,
    parse_acl_xattr,
    read_acl_entries,
)
from aktenlotse.crawler.posix_path_access import PosixPathAccess, TraverseAccess
from aktenlotse.crawler.source import DirListing, SourceUnavailable, WalkProblem, safe_parts

# Every folder below the root and the file itself are opened relative to the handle of the
# folder above, never following a link: what is checked is what is read.
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in at the last moment must not hang the download.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK


def display_text(path: str) -> str:
    """A path with undecodable bytes (kept as surrogate escapes) made printable."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class LocalSource:
    """Walks one root folder. Never follows symlinks; reports those pointing outside the root."""

    def __init__(self, config: SourceConfig):
        self.config = config
        self.name = config.name
        self.root = os.path.abspath(str(config.root))
        self._max_size = int(config.max_file_size_mb * 1024 * 1024)
        self._access = PosixPathAccess(config.principal_map)
        self._traverse: dict[str, TraverseAccess] = {}

    # -- walking -------------------------------------------------------------------

    def listings(self) -> Iterator[DirListing]:
        try:
            root_stat = os.stat(self.root)
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self.name!r}: root {self.root} is not reachable ({exc.strerror})"
            ) from None
        if not stat.S_ISDIR(root_stat.st_mode):
            raise SourceUnavailable(f"source {self.name!r}: root {self.root} is not a folder")
        try:
            outside = self._access.outside_root(self.root)
        except OSError as exc:
            raise SourceUnavailable(
                f"source {self.name!r}: folders above {self.root} are not readable ({exc.strerror})"
            ) from None
        root_access = self._access.descend(outside, self._grant(self.root, root_stat, EXECUTE))
        stack: list[tuple[str, TraverseAccess]] = [("", root_access)]
        while stack:
            rel_dir, traverse = stack.pop()
            # Only the folder being handed out is kept: memory stays flat in the tree size.
            self._traverse = {rel_dir: traverse}
            listing = self._list_dir(rel_dir, traverse, stack)
            yield listing

    def walk(self) -> Iterator[Entry]:
        for listing in self.listings():
            for entry in listing.files:
                self.resolve_principals(listing, entry)
                yield entry

    def resolve_principals(self, listing: DirListing, entry: Entry) -> None:
        traverse = self._traverse[listing.path]
        abs_path = self._abs(entry.path)
        try:
            st = os.lstat(abs_path)
        except OSError:
            entry.allow, entry.deny, entry.require = (), (), ()  # vanished: visible to nobody
            return
        entry.allow, entry.deny, entry.require = self._access.of_file(traverse, self._grant(abs_path, st, READ))

    def _list_dir(self, rel_dir: str, traverse: TraverseAccess, stack: list[tuple[str, TraverseAccess]]) -> DirListing:
        listing = DirListing(path=rel_dir, traverse_key=traverse.key)
        abs_dir = self._abs(rel_dir)
        try:
            with os.scandir(abs_dir) as scan:
                dir_entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            listing.complete = False
            listing.problems.append(WalkProblem(rel_dir, _problem_kind(exc), f"Ordner nicht lesbar: {exc.strerror}"))
            return listing
        subdirs: list[tuple[str, TraverseAccess]] = []
        for dir_entry in dir_entries:
            rel = f"{rel_dir}/{dir_entry.name}" if rel_dir else dir_entry.name
            try:
                if dir_entry.is_symlink():
                    self._note_symlink(dir_entry, rel, listing)
                    continue
                st = dir_entry.stat(follow_symlinks=False)
            except OSError as exc:
                listing.problems.append(WalkProblem(rel, _problem_kind(exc), f"Eintrag nicht lesbar: {exc.strerror}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if self._excluded(rel, dir_entry.name, is_dir=True):
                    listing.skipped += 1
                    continue
                child_traverse = self._access.descend(traverse, self._grant(dir_entry.path, st, EXECUTE))
                subdirs.append((rel, child_traverse))
                listing.subdirs.append(rel)
            elif stat.S_ISREG(st.st_mode):
                if self._excluded(rel, dir_entry.name, is_dir=False) or st.st_size > self._max_size:
                    listing.skipped += 1
                    if st.st_size > self._max_size:
                        listing.problems.append(
                            WalkProblem(
                                rel, "too_large", f"Datei größer als {self.config.max_file_size_mb:g} MB, übersprungen"
                            )
                        )
                    continue
                listing.files.append(_bare_entry(self.name, rel, st))
        # Depth first, in name order: push in reverse so the first name comes out first.
        stack.extend(reversed(subdirs))
        return listing

    def _note_symlink(self, dir_entry: os.DirEntry, rel: str, listing: DirListing) -> None:
        target = os.path.realpath(dir_entry.path)
        if not os.path.exists(target):
            listing.problems.append(WalkProblem(rel, "symlink", "Verknüpfung ins Leere, übersprungen"))
        elif not (target == self.root or target.startswith(self.root + os.sep)):
            listing.problems.append(
                WalkProblem(rel, "symlink", "Verknüpfung zeigt aus der Ablage heraus, übersprungen")
            )
        # A link inside the root is skipped silently: its target is crawled where it lives.

    def _excluded(self, rel: str, name: str, is_dir: bool) -> bool:
        return is_excluded(self.config, rel, name, is_dir)

    # -- permissions ---------------------------------------------------------------

    def _grant(self, abs_path: str, st: os.stat_result, right: int) -> PosixGrant:
        acl = read_acl_entries(abs_path)
        return grant_for(st.st_mode, st.st_uid, st.st_gid, acl, right)

    def _entry(self, rel: str, st: os.stat_result, traverse: TraverseAccess, own: PosixGrant) -> Entry:
        entry = _bare_entry(self.name, rel, st)
        entry.allow, entry.deny, entry.require = self._access.of_file(traverse, own)
        return entry

    # -- reading -------------------------------------------------------------------

    def _abs(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/")) if rel else self.root

    def open(self, entry: Entry) -> BinaryIO:
        return open(self._abs(entry.path), "rb")

    def open_verified(self, path: str) -> tuple[Entry, BinaryIO] | None:
        """The file at `path` opened for reading, with the principals of exactly what was
        opened (for downloads). None when it is gone or is not a regular file (a link,
        a folder, a device); OSError when the crawler account cannot open it.

        Each folder is opened relative to the one above it without following links, the
        file likewise, and the permissions come from `fstat` and the ACL of those open
        handles: a file swapped for a link between the check and the read cannot slip
        through, because there is no second look-up by name.
        """
        parts = safe_parts(path)
        if parts is None:
            return None
        dir_fd = -1
        try:
            outside = self._access.outside_root(self.root)
            dir_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            traverse = self._access.descend(outside, self._grant_of_handle(dir_fd, os.fstat(dir_fd), EXECUTE))
            for part in parts[:-1]:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
                os.close(dir_fd)
                dir_fd = next_fd
                traverse = self._access.descend(traverse, self._grant_of_handle(dir_fd, os.fstat(dir_fd), EXECUTE))
            # Looked at before opening, so that a device or FIFO is never opened at all.
            if not stat.S_ISREG(os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False).st_mode):
                return None
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in _NOT_THERE:
                return None
            raise
        finally:
            if dir_fd >= 0:
                os.close(dir_fd)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                return None
            entry = self._entry("/".join(parts), st, traverse, self._grant_of_handle(fd, st, READ))
            return entry, os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def _grant_of_handle(self, fd: int, st: os.stat_result, right: int) -> PosixGrant:
        return grant_for(st.st_mode, st.st_uid, st.st_gid, _acl_of_handle(fd), right)

    def current_entry(self, path: str) -> Entry | None:
        """Re-reads the file and every ancestor folder's permissions now (for downloads)."""
        parts = [p for p in path.split("/") if p]
        if not parts or ".." in parts or "." in parts:
            return None
        try:
            current = self.root
            traverse = self._access.descend(
                self._access.outside_root(current), self._grant(current, os.stat(current), EXECUTE)
            )
            for part in parts[:-1]:
                current = os.path.join(current, part)
                st = os.lstat(current)
                if not stat.S_ISDIR(st.st_mode):
                    return None
                traverse = self._access.descend(traverse, self._grant(current, st, EXECUTE))
            full = os.path.join(current, parts[-1])
            st = os.lstat(full)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return self._entry("/".join(parts), st, traverse, self._grant(full, st, READ))

    def access_checks(self, path: str) -> list[AccessCheck]:
        """The kernel's checks on the way to `path` (for `aktenlotse access explain`)."""
        return local_access_checks(self.root, path, self.config.principal_map)

    def display_path(self, path: str) -> str:
        text = display_text(path)
        if self.config.display_root:
            sep = "\\" if "\\" in self.config.display_root or self.config.display_root.startswith("\\\\") else "/"
            return self.config.display_root.rstrip("\\/") + sep + text.replace("/", sep)
        return os.path.join(display_text(self.root), text)

    def close(self) -> None:
        """Nothing to release: every read opens and closes its own handles."""


def _bare_entry(source: str, rel: str, st: os.stat_result) -> Entry:
    return Entry(source, rel, st.st_size, st.st_mtime, st.st_ctime, f"{st.st_dev}:{st.st_ino}", str(st.st_uid))


# ELOOP: a link where a folder or the file should be; ENOTDIR: a file where a folder should be.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)


def _acl_of_handle(fd: int) -> list[tuple[int, int, int]] | None:
    """The access ACL of an open file or folder. No ACL (or no ACL support): None, the mode
    bits decide; any other failure is raised, so a download is refused, not guessed."""
    try:
        raw = os.getxattr(fd, ACL_XATTR)
    except OSError as exc:
        if exc.errno in (errno.ENODATA, errno.ENOTSUP):
            return None
        raise
    return parse_acl_xattr(raw)


def _problem_kind(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "unreadable"
    if exc.errno == errno.ENAMETOOLONG:
        return "too_long"
    if exc.errno == errno.ENOENT:
        return "gone"
    return "unreadable"
