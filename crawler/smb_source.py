"""An SMB2/3 share as a Source, read directly over the network (no mount), with the read
principals of each file's NT security descriptor.

Listing is folder by folder (one QUERY_DIRECTORY stream per folder, only that folder in
memory). Every file's descriptor is read along with the listing, because Samba (unlike
NTFS) does not move a file's change time when only its ACL changes, so the descriptor
itself is the only reliable signal: compounded CREATE+QUERY_INFO+CLOSE chains, pipelined,
split over `smb_connections` reader processes (smb_descriptor_pool) while the next folder
is listed. The descriptor's digest is folded into the `ctime` this source reports; the
orchestrator compares ctime and re-indexes principals without re-extracting when it
differs.

A file's access is a chain of checks (crawler/smb_access.py): the share's own ACL
(read over srvsvc; unreadable: nobody, unless `share_acl = "ignore"`), with `traverse =
"enforced"` every folder from the share root down (its descriptor read on the listing's
own directory handle, once per folder), then the file's DACL. The folder checks become
`Entry.require` clauses; `traverse_key` changes with any descriptor on the chain, so a
changed folder or share ACL re-resolves the files below. A folder whose descriptor
cannot be read is an incomplete listing: everything below it is hidden (fail closed).
"""

from __future__ import annotations

import errno
import io
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import smbclient
from smbprotocol import exceptions as smb_errors

from aktenlotse.core.access_checks import AccessCheck
from aktenlotse.core.config import SourceConfig
from aktenlotse.core.records import Entry
from aktenlotse.crawler.filters import is_excluded
from aktenlotse.crawler.nt_acl import DescriptorError, parse_descriptor, read_principals
from aktenlotse.crawler.smb_access import (
    PathChecks,
    folder_check,
)
from aktenlotse.crawler.smb_compound_reads import query_securities
from aktenlotse.crawler.smb_connection import (
    DirEntry,
    datetime_seconds,
    list_directory,
    list_directory_with_security,
    open_with_security,
    query_security,
)
from aktenlotse.crawler.smb_descriptor_pool import DescriptorBatch, DescriptorReaders
from aktenlotse.crawler.smb_entries import (
    FILE_ATTRIBUTE_DIRECTORY,
    FILE_ATTRIBUTE_REPARSE_POINT,
    STATUS_FILE_IS_A_DIRECTORY,
    entry_of,
    problem_of,
)
from aktenlotse.crawler.smb_path_checks import SmbPathChecks, unc_below
from aktenlotse.crawler.smb_session import SmbSession
from aktenlotse.crawler.source import DirListing, SourceUnavailable, WalkProblem, safe_parts

log = logging.getLogger(__name__)


@dataclass
class _PendingDescriptors:
    """The descriptors of one folder's files, requested from the reader processes (batch)
    or still to be read in this process (batch None)."""

    folder_unc: str
    names: list[str]
    batch: DescriptorBatch | None = None


class SmbSource:
    """One SMB share (or a folder in it) crawled with a service account."""

    def __init__(self, config: SourceConfig):
        if not config.is_smb:
            raise ValueError("SmbSource needs an smb:// root")
        self.config = config
        self.name = config.name
        self.server = config.smb_server
        self.unc_root = config.unc_root
        self._max_size = int(config.max_file_size_mb * 1024 * 1024)
        self._session = SmbSession(config)
        self._call = self._session.call
        self._readers = (
            DescriptorReaders(
                self._session.session_kwargs(),
                config.smb_connections,
                config.smb_requests_in_flight,
                config.smb_requests_per_second,
            )
            if config.smb_connections > 1
            else None
        )
        self._enforce_traverse = config.traverse == "enforced"
        self._path_checks = SmbPathChecks(config, self._session)

    def close(self) -> None:
        if self._readers is not None:
            self._readers.close()
        self._path_checks.close()
        self._session.close()

    # -- paths ---------------------------------------------------------------------

    def _unc(self, rel: str) -> str:
        return unc_below(self.unc_root, rel)

    def display_path(self, path: str) -> str:
        if self.config.display_root:
            return self.config.display_root.rstrip("\\/") + "\\" + path.replace("/", "\\")
        return self._unc(path)

    # -- walking -------------------------------------------------------------------

    def listings(self) -> Iterator[DirListing]:
        """Folders depth-first. The next folder is listed while the reader processes fetch
        the descriptors of the current one (one folder of lookahead)."""
        self._check_root()
        stack: list[tuple[str, PathChecks]] = [("", self._path_checks.root_parent_checks())]
        waiting: deque[tuple[DirListing, list, _PendingDescriptors, PathChecks | None]] = deque()
        while stack or waiting:
            if stack:
                rel_dir, parent = stack.pop()
                listing, files, checks = self._scan_dir(rel_dir, parent)
                if checks is not None:  # else the folder's inside stays unlisted
                    stack.extend((sub, checks) for sub in reversed(listing.subdirs))
                waiting.append((listing, files, self._request_descriptors(listing.path, files), checks))
                if len(waiting) < 2 and stack:
                    continue
            listing, files, pending, checks = waiting.popleft()
            self._add_files(listing, files, self._descriptors(pending), checks)
            yield listing

    # -- the checks above a file -----------------------------------------------------

    def share_acl_status(self) -> tuple[bool, str]:
        """(counted or deliberately ignored, one German line) for `aktenlotse check`."""
        return self._path_checks.share_acl_status()

    def access_checks(self, rel_path: str) -> list[AccessCheck]:
        """Every check the server makes before `rel_path` (a file) is read, live."""
        return self._path_checks.access_checks(rel_path)

    def _check_root(self) -> None:
        try:
            info = self._call(smbclient.stat, self.unc_root)
        except smb_errors.SMBOSError as exc:
            raise SourceUnavailable(self._root_message(exc)) from None
        except smb_errors.SMBResponseException as exc:
            raise SourceUnavailable(self._root_message(exc)) from None
        if not info.st_file_attributes & FILE_ATTRIBUTE_DIRECTORY:
            raise SourceUnavailable(f"source {self.name!r}: {self.unc_root} ist kein Ordner (not a folder)")

    def _root_message(self, exc: Exception) -> str:
        status = getattr(exc, "ntstatus", None) or getattr(exc, "status", None)
        # smbclient's DFS look-up turns an unknown share into STATUS_NOT_FOUND (0xc0000225).
        if status in (smb_errors.NtStatus.STATUS_BAD_NETWORK_NAME, 0xC0000225) or "BAD_NETWORK_NAME" in str(exc):
            reason = f"Freigabe {self.config.smb_share!r} gibt es auf {self.server} nicht (share not found)"
        elif status == smb_errors.NtStatus.STATUS_ACCESS_DENIED:
            reason = "Zugriff auf die Freigabe verweigert (access denied)"
        elif status in (
            smb_errors.NtStatus.STATUS_OBJECT_NAME_NOT_FOUND,
            smb_errors.NtStatus.STATUS_OBJECT_PATH_NOT_FOUND,
        ):
            reason = "Ordner nicht gefunden (folder not found)"
        else:
            reason = str(exc)
        return f"source {self.name!r}: {self.unc_root}: {reason}"

    def walk(self) -> Iterator[Entry]:
        for listing in self.listings():
            yield from listing.files

    def resolve_principals(self, listing: DirListing, entry: Entry) -> None:
        """Principals were read with the listing (the descriptor is the change signal)."""

    def _scan_dir(self, rel_dir: str, parent: PathChecks) -> tuple[DirListing, list, PathChecks | None]:
        """The folder's listing with subfolders and problems, its files still to be
        described ((relative path, directory entry) pairs), and the checks before its
        inside (None: its descriptor could not be read, the listing is incomplete)."""
        listing = DirListing(path=rel_dir, traverse_key=parent.key)
        files: list = []
        try:
            if self._enforce_traverse:
                raw, descriptor = self._call(list_directory_with_security, self._unc(rel_dir))
            else:
                raw, descriptor = self._call(list_directory, self._unc(rel_dir)), None
        except smb_errors.SMBOSError as exc:
            listing.complete = False
            kind, message = problem_of(exc, "Ordner nicht lesbar")
            listing.problems.append(WalkProblem(rel_dir, kind, message))
            return listing, files, None
        checks = parent
        if descriptor is not None:
            try:
                if not isinstance(descriptor, bytes):
                    raise DescriptorError(f"Status {descriptor:#x}")
                checks = parent.below(folder_check(rel_dir, descriptor), descriptor)
            except DescriptorError as exc:
                listing.complete = False
                listing.problems.append(
                    WalkProblem(
                        rel_dir,
                        "unreadable",
                        f"Ordnerberechtigungen nicht lesbar ({exc}): alles darin bleibt verborgen",
                    )
                )
                return listing, files, None
        listing.traverse_key = checks.key
        for info in sorted(raw, key=lambda item: item.name):
            name = info.name
            if name in (".", ".."):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            is_dir = bool(info.file_attributes & FILE_ATTRIBUTE_DIRECTORY)
            if info.file_attributes & FILE_ATTRIBUTE_REPARSE_POINT:
                listing.problems.append(WalkProblem(rel, "symlink", "Verknüpfung (Reparse-Punkt), übersprungen"))
                continue
            if len(self._unc(rel)) > self.config.smb_max_path:
                listing.problems.append(
                    WalkProblem(rel, "too_long", f"Pfad länger als {self.config.smb_max_path} Zeichen")
                )
                continue
            if self._excluded(rel, name, is_dir):
                listing.skipped += 1
                continue
            if is_dir:
                listing.subdirs.append(rel)
                continue
            if info.end_of_file > self._max_size:
                listing.skipped += 1
                listing.problems.append(
                    WalkProblem(rel, "too_large", f"Datei größer als {self.config.max_file_size_mb:g} MB, übersprungen")
                )
                continue
            files.append((rel, info))
        return listing, files, checks

    def _add_files(
        self, listing: DirListing, files: list, descriptors: list[bytes | int], checks: PathChecks | None
    ) -> None:
        for (rel, info), sd in zip(files, descriptors, strict=False):
            result = self._described_entry(rel, info, sd, checks)
            if isinstance(result, WalkProblem):
                listing.problems.append(result)
            else:
                listing.files.append(result)

    def _request_descriptors(self, rel_dir: str, files: list) -> _PendingDescriptors:
        pending = _PendingDescriptors(self._unc(rel_dir), [rel.rsplit("/", 1)[-1] for rel, _ in files])
        if self._readers is not None and pending.names:
            pending.batch = self._readers.submit(pending.folder_unc, pending.names)
        return pending

    def _descriptors(self, pending: _PendingDescriptors) -> list[bytes | int]:
        if not pending.names:
            return []
        if pending.batch is not None and self._readers is not None:
            try:
                return self._readers.collect(pending.batch)
            except ConnectionError as exc:
                # Read on the crawler's own connection instead: the restarted readers may
                # already hold later folders, and answers must stay in order.
                log.warning("SMB descriptor readers for %s failed (%s), reading here", self.server, exc)
        return self._call(
            query_securities, pending.folder_unc, pending.names, self.config.smb_requests_in_flight, self._session.pace
        )

    def _described_entry(
        self, rel: str, info: DirEntry, sd: bytes | int, checks: PathChecks | None
    ) -> Entry | WalkProblem:
        """The entry with its principals, or the problem that keeps it out of the index. A
        refused pipelined read is tried once more alone: that path follows DFS links and
        turns the status into the German reason."""
        if not isinstance(sd, bytes):
            try:
                sd = self._call(query_security, self._unc(rel))
            except smb_errors.SMBOSError as exc:
                kind, message = problem_of(exc, "Berechtigungen nicht lesbar, Datei nicht indexiert")
                return WalkProblem(rel, kind, message)
        try:
            allow, deny = read_principals(parse_descriptor(sd))
        except DescriptorError as exc:
            return WalkProblem(rel, "unreadable", f"Berechtigungen nicht auswertbar ({exc}), Datei nicht indexiert")
        return entry_of(self.name, rel, info, sd, allow, deny, checks)

    def _excluded(self, rel: str, name: str, is_dir: bool) -> bool:
        return is_excluded(self.config, rel, name, is_dir)

    # -- reading -------------------------------------------------------------------

    def open(self, entry: Entry) -> BinaryIO:
        """The file as a stream over SMB (same bytes as a local copy). Raises
        FileNotFoundError when it is gone, OSError with a German reason otherwise."""
        try:
            return self._call(_open_read, self._unc(entry.path))
        except smb_errors.SMBOSError as exc:
            kind, message = problem_of(exc, "Datei nicht lesbar")
            if kind == "gone":
                raise FileNotFoundError(errno.ENOENT, message) from None
            raise OSError(errno.EBUSY if kind == "locked" else errno.EACCES, message) from None

    def open_verified(self, path: str) -> tuple[Entry, BinaryIO] | None:
        """The file opened once for reading, with the principals of the descriptor read
        on that same open handle (downloads check exactly what they stream). None when it
        is gone, a folder or a reparse point (link, junction); OSError when it cannot be
        opened or its descriptor cannot be read or understood (nobody may download)."""
        parts = safe_parts(path)
        if parts is None or any("\\" in p for p in parts):
            return None
        rel = "/".join(parts)
        try:
            raw, sd = self._call(open_with_security, self._unc(rel))
        except smb_errors.SMBOSError as exc:
            kind, message = problem_of(exc, "Datei nicht lesbar")
            if kind == "gone" or exc.ntstatus == STATUS_FILE_IS_A_DIRECTORY:
                return None
            raise OSError(errno.EBUSY if kind == "locked" else errno.EACCES, message) from None
        except SourceUnavailable as exc:
            raise OSError(errno.EIO, str(exc)) from None
        opened = raw.fd
        try:
            if opened.file_attributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT):
                raw.close()
                return None
            allow, deny = read_principals(parse_descriptor(sd))
            checks = self._path_checks.live_checks("/".join(parts[:-1]))
        except DescriptorError as exc:
            raw.close()
            raise OSError(errno.EACCES, f"Berechtigungen nicht auswertbar ({exc})") from None
        except BaseException:
            raw.close()
            raise
        info = DirEntry(
            parts[-1],
            opened.file_attributes,
            opened.end_of_file,
            datetime_seconds(opened.last_write_time),
            datetime_seconds(opened.change_time),
            0,
        )
        return entry_of(self.name, rel, info, sd, allow, deny, checks), io.BufferedReader(raw)

    def current_entry(self, path: str) -> Entry | None:
        """The file now, with its descriptor re-read. A descriptor
        that cannot be read gives no principals: nobody may download."""
        parts = [p for p in path.split("/") if p]
        if not parts or ".." in parts or "." in parts or any("\\" in p for p in parts):
            return None
        rel = "/".join(parts)
        parent = "/".join(parts[:-1])
        try:
            found = [i for i in self._call(list_directory, self._unc(parent), parts[-1]) if i.name == parts[-1]]
        except (smb_errors.SMBOSError, SourceUnavailable):
            return None
        if not found or found[0].file_attributes & FILE_ATTRIBUTE_DIRECTORY:
            return None
        info = found[0]
        try:
            sd = self._call(query_security, self._unc(rel))
            allow, deny = read_principals(parse_descriptor(sd))
            checks = self._path_checks.live_checks(parent)
        except (smb_errors.SMBOSError, DescriptorError, SourceUnavailable):
            return entry_of(self.name, rel, info, b"", (), ())
        return entry_of(self.name, rel, info, sd, allow, deny, checks)


def _open_read(path: str, **kwargs: Any) -> BinaryIO:
    return smbclient.open_file(path, mode="rb", share_access="rwd", **kwargs)


__all__ = ["SmbSource", "io"]
