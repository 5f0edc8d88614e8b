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
import hashlib
import importlib.util
import io
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

import smbclient
from smbprotocol import exceptions as smb_errors

from aktenlotse.core.access_checks import FOLDER, AccessCheck
from aktenlotse.core.config import SourceConfig
from aktenlotse.core.records import Entry
from aktenlotse.crawler.filters import is_excluded
from aktenlotse.crawler.nt_acl import DescriptorError, descriptor_digest, parse_descriptor, read_principals
from aktenlotse.crawler.smb_access import (
    PathChecks,
    closed_share_check,
    folder_check,
    item_check,
    share_check,
    start,
)
from aktenlotse.crawler.smb_connection import (
    DirEntry,
    RatePacer,
    datetime_seconds,
    list_directory,
    list_directory_with_security,
    open_with_security,
    query_securities,
    query_security,
    read_share_security,
)
from aktenlotse.crawler.smb_descriptor_pool import DescriptorBatch, DescriptorReaders
from aktenlotse.crawler.smb_share_acl import ShareAclError
from aktenlotse.crawler.source import DirListing, SourceUnavailable, WalkProblem, safe_parts

log = logging.getLogger(__name__)
FILE_ATTRIBUTE_DIRECTORY = 0x10
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
STATUS_FILE_IS_A_DIRECTORY = 0xC00000BA
T = TypeVar("T")

# NTSTATUS → (problem kind, German message) for single entries.
_ENTRY_PROBLEMS = {
    smb_errors.NtStatus.STATUS_ACCESS_DENIED: ("unreadable", "Zugriff verweigert"),
    smb_errors.NtStatus.STATUS_SHARING_VIOLATION: ("locked", "Datei ist gesperrt oder in Benutzung"),
    0xC0000054: ("locked", "Datei ist gesperrt oder in Benutzung"),  # STATUS_FILE_LOCK_CONFLICT
    smb_errors.NtStatus.STATUS_OBJECT_NAME_NOT_FOUND: ("gone", "Datei verschwand während des Crawls"),
    smb_errors.NtStatus.STATUS_OBJECT_PATH_NOT_FOUND: ("gone", "Ordner verschwand während des Crawls"),
    0xC0000106: ("too_long", "Pfad zu lang"),  # STATUS_NAME_TOO_LONG
    smb_errors.NtStatus.STATUS_OBJECT_NAME_INVALID: ("too_long", "Pfad ungültig oder zu lang"),
    smb_errors.NtStatus.STATUS_DELETE_PENDING: ("gone", "Datei wird gerade gelöscht"),
}
# Everything a cut connection can surface as: OSError (a send on a socket the receiver
# thread already closed fails with EBADF), SMBException (e.g. a response that never came).
# File answers (SMBOSError) and logon failures are told apart before these are looked at.
_CONNECTION_ERRORS = (OSError, smb_errors.SMBException)


class _Politeness:
    """At most `max_in_flight` requests at once and `per_second` request starts per second."""

    def __init__(self, max_in_flight: int, per_second: float):
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self.pace = RatePacer(per_second).pace

    def __enter__(self):
        self._slots.acquire()
        self.pace()
        return self

    def __exit__(self, *exc):
        self._slots.release()


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
        self._cache: dict = {}  # this source's own connections (smbclient's pool is global otherwise)
        self._registered = False
        self._polite = _Politeness(config.smb_requests_in_flight, config.smb_requests_per_second)
        self._readers = (
            DescriptorReaders(
                self._session_kwargs(),
                config.smb_connections,
                config.smb_requests_in_flight,
                config.smb_requests_per_second,
            )
            if config.smb_connections > 1
            else None
        )
        self._lock = threading.Lock()
        self._enforce_traverse = config.traverse == "enforced"
        # How the share ACL was taken into account at the last look (one German line).
        self.share_acl_state = ""

    # -- connection ----------------------------------------------------------------

    def _kwargs(self) -> dict:
        # With the credentials, smbclient itself re-opens a session it finds dead.
        return {**self._session_kwargs(), "connection_cache": self._cache}

    def _session_kwargs(self) -> dict:
        # Without a configured user, "negotiate" uses the Kerberos ticket of the process
        # (kinit, or a keytab via KRB5_CLIENT_KTNAME).
        return dict(
            username=self.config.smb_username or None,
            password=self.config.smb_password or None,
            port=self.config.smb_port,
            encrypt=True if self.config.smb_encrypt else None,
            auth_protocol="ntlm" if self.config.smb_username else "negotiate",
            connection_timeout=10,
        )

    def _connect(self) -> None:
        with self._lock:
            if self._registered:
                return
            try:
                smbclient.register_session(self.server, **self._session_kwargs(), connection_cache=self._cache)
            except smb_errors.SMBAuthenticationError as exc:
                raise SourceUnavailable(self._auth_message(str(exc))) from None
            except smb_errors.SMBResponseException as exc:
                raise SourceUnavailable(self._auth_message(f"{exc.status:#x} {exc}")) from None
            except (ValueError, OSError) as exc:
                raise SourceUnavailable(
                    f"source {self.name!r}: Dateiserver {self.server} nicht erreichbar "
                    f"(server unreachable on port {self.config.smb_port}: {exc})"
                ) from None
            self._registered = True

    def _auth_message(self, detail: str) -> str:
        lower = detail.lower()
        if not self.config.smb_username:
            # No credentials configured: Kerberos with the ticket of the crawler's user.
            reason = (
                "kein gültiges Kerberos-Ticket und keine Zugangsdaten (kinit oder Keytab für das "
                "Dienstkonto, oder credentials_file)"
            )
            if not _kerberos_installed():
                reason += "; Kerberos-Unterstützung fehlt: pip install 'aktenlotse[kerberos]'"
            return f"source {self.name!r}: {reason} an {self.server}"
        if "expired" in lower or "0xc0000193" in lower or "0xc0000071" in lower:
            reason = "Konto oder Passwort abgelaufen (account or password expired)"
        elif "disabled" in lower or "0xc0000072" in lower:
            reason = "Konto gesperrt (account disabled)"
        else:
            reason = "Anmeldung abgelehnt: Benutzername oder Passwort falsch (logon failure)"
        return f"source {self.name!r}: {reason} für {self.config.smb_username or 'anonym'} an {self.server}"

    def _reset(self) -> None:
        with self._lock:
            try:
                smbclient.reset_connection_cache(connection_cache=self._cache)
            except Exception:  # a dead connection may fail to close; it is dropped either way
                pass
            self._cache = {}
            self._registered = False

    def _call(self, fn: Callable[..., T], *args) -> T:
        """Run one SMB operation; a dropped session is re-established once, then the
        server counts as down (SourceUnavailable: nothing is treated as deleted)."""
        self._connect()
        try:
            with self._polite:
                return fn(*args, **self._kwargs())
        except smb_errors.SMBOSError:
            raise
        except smb_errors.SMBAuthenticationError as exc:  # e.g. the password was changed mid-crawl
            raise SourceUnavailable(self._auth_message(str(exc))) from None
        except (*_CONNECTION_ERRORS, ValueError) as exc:
            if not _session_lost(exc):
                raise
            log.warning("SMB session to %s dropped (%s), reconnecting", self.server, exc)
        self._reset()
        try:
            self._connect()
            with self._polite:
                return fn(*args, **self._kwargs())
        except smb_errors.SMBOSError:
            raise
        except smb_errors.SMBAuthenticationError as exc:
            raise SourceUnavailable(self._auth_message(str(exc))) from None
        except (*_CONNECTION_ERRORS, ValueError) as exc:
            raise SourceUnavailable(
                f"source {self.name!r}: Verbindung zu {self.server} abgebrochen (server went away mid-crawl: {exc})"
            ) from None

    def close(self) -> None:
        if self._readers is not None:
            self._readers.close()
        self._reset()

    # -- paths ---------------------------------------------------------------------

    def _unc(self, rel: str) -> str:
        return self.unc_root + ("\\" + rel.replace("/", "\\") if rel else "")

    def display_path(self, path: str) -> str:
        if self.config.display_root:
            return self.config.display_root.rstrip("\\/") + "\\" + path.replace("/", "\\")
        return self._unc(path)

    # -- walking -------------------------------------------------------------------

    def listings(self) -> Iterator[DirListing]:
        """Folders depth-first. The next folder is listed while the reader processes fetch
        the descriptors of the current one (one folder of lookahead)."""
        self._check_root()
        stack: list[tuple[str, PathChecks]] = [("", self._root_parent_checks())]
        waiting: deque[tuple[DirListing, list, _PendingDescriptors, PathChecks | None]] = deque()
        while stack or waiting:
            if stack:
                rel_dir, parent = stack.pop()
                listing, files, checks = self._scan_dir(rel_dir, parent)
                stack.extend((sub, checks) for sub in reversed(listing.subdirs))
                waiting.append((listing, files, self._request_descriptors(listing.path, files), checks))
                if len(waiting) < 2 and stack:
                    continue
            listing, files, pending, checks = waiting.popleft()
            self._add_files(listing, files, self._descriptors(pending), checks)
            yield listing

    # -- the checks above a file -----------------------------------------------------

    def _share_start(self) -> PathChecks:
        """The share ACL's check (read now), as the start of every path's checks."""
        if self.config.share_acl == "ignore":
            self.share_acl_state = (
                'Freigabeberechtigungen nicht berücksichtigt (share_acl = "ignore": laut '
                "Administrator schränken sie das Lesen nicht ein)"
            )
            return start(None, b"ignore")
        try:
            raw = self._call(read_share_security, self.server, self.config.smb_share)
            if not raw:
                # The Samba DC's RPC server answered the first question after a change of
                # its share store without a descriptor, the next one with it: ask once more.
                raw = self._call(read_share_security, self.server, self.config.smb_share)
            if not raw:
                raise ShareAclError("der Server gab keine heraus")
            check = share_check(raw)
        except (ShareAclError, DescriptorError) as exc:
            self.share_acl_state = (
                f"Freigabeberechtigungen nicht lesbar ({exc}): die Freigabe bleibt für alle "
                f'verborgen (share_acl = "ignore" nur, wenn sie das Lesen nicht einschränken)'
            )
            return start(closed_share_check(str(exc)), b"unreadable")
        self.share_acl_state = "Freigabeberechtigungen gelesen und berücksichtigt"
        return start(check, raw)

    def share_acl_status(self) -> tuple[bool, str]:
        """(counted or deliberately ignored, one German line) for `aktenlotse check`;
        False when the share ACL cannot be read and the share is hidden from everyone."""
        try:
            checks = self._share_start()
        except SourceUnavailable as exc:
            return False, str(exc)
        closed = bool(checks.checks) and not checks.checks[0].allow
        return not closed, self.share_acl_state

    def _root_parent_checks(self) -> PathChecks:
        """The share's check and, with traverse enforced, those of the folders between the
        share root and the source's root (the root itself is checked by its listing). A
        folder there that cannot be read makes the source unavailable (nothing deleted,
        everything hidden)."""
        checks = self._share_start()
        if not self._enforce_traverse:
            return checks
        parts = [p for p in self.config.smb_path.split("/") if p]
        share_unc = f"\\\\{self.server}\\{self.config.smb_share}"
        for depth in range(len(parts)):
            unc = share_unc + "".join("\\" + p for p in parts[:depth])
            try:
                raw = self._call(query_security, unc)
                checks = checks.below(folder_check(unc, raw), raw)
            except (smb_errors.SMBOSError, DescriptorError) as exc:
                raise SourceUnavailable(
                    f"source {self.name!r}: Berechtigungen des Ordners {unc} nicht lesbar "
                    f"({exc}), alles darunter bleibt verborgen"
                ) from None
        return checks

    def _live_checks(self, rel_dir: str) -> PathChecks:
        """The checks before the inside of `rel_dir`, read now (downloads, explanations). A
        folder whose descriptor cannot be read is a check nobody passes."""
        checks = self._root_parent_checks()
        if not self._enforce_traverse:
            return checks
        parts = [p for p in rel_dir.split("/") if p]
        for depth in range(len(parts) + 1):
            rel = "/".join(parts[:depth])
            try:
                raw = self._call(query_security, self._unc(rel))
                checks = checks.below(folder_check(rel, raw), raw)
            except (smb_errors.SMBOSError, DescriptorError) as exc:
                closed = AccessCheck(FOLDER, rel, (), (), (f"niemand  Berechtigungen nicht lesbar: {exc}",))
                checks = checks.below(closed, b"unreadable")
        return checks

    def access_checks(self, rel_path: str) -> list[AccessCheck]:
        """Every check the server makes before `rel_path` (a file) is read, live: the share
        ACL, the folders on the path (traverse enforced), the file's own DACL (last). An
        unreadable descriptor is a check nobody passes."""
        parts = safe_parts(rel_path)
        if parts is None:
            raise ValueError(f"kein Pfad unterhalb der Quelle: {rel_path!r}")
        rel = "/".join(parts)
        checks = self._live_checks("/".join(parts[:-1]))
        try:
            item = item_check(rel, self._call(query_security, self._unc(rel)))
        except (smb_errors.SMBOSError, DescriptorError) as exc:
            item = AccessCheck("item", rel, (), (), (f"niemand  Berechtigungen nicht lesbar: {exc}",))
        return [*checks.checks, item]

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
            kind, message = _problem(exc, "Ordner nicht lesbar")
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
        for (rel, info), sd in zip(files, descriptors):
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
        if pending.batch is not None:
            try:
                return self._readers.collect(pending.batch)
            except ConnectionError as exc:
                # Read on the crawler's own connection instead: the restarted readers may
                # already hold later folders, and answers must stay in order.
                log.warning("SMB descriptor readers for %s failed (%s), reading here", self.server, exc)
        return self._call(
            query_securities, pending.folder_unc, pending.names, self.config.smb_requests_in_flight, self._polite.pace
        )

    def _described_entry(self, rel: str, info: DirEntry, sd: bytes | int, checks: PathChecks) -> Entry | WalkProblem:
        """The entry with its principals, or the problem that keeps it out of the index. A
        refused pipelined read is tried once more alone: that path follows DFS links and
        turns the status into the German reason."""
        if not isinstance(sd, bytes):
            try:
                sd = self._call(query_security, self._unc(rel))
            except smb_errors.SMBOSError as exc:
                kind, message = _problem(exc, "Berechtigungen nicht lesbar, Datei nicht indexiert")
                return WalkProblem(rel, kind, message)
        try:
            allow, deny = read_principals(parse_descriptor(sd))
        except DescriptorError as exc:
            return WalkProblem(rel, "unreadable", f"Berechtigungen nicht auswertbar ({exc}), Datei nicht indexiert")
        return _entry(self.name, rel, info, sd, allow, deny, checks)

    def _excluded(self, rel: str, name: str, is_dir: bool) -> bool:
        return is_excluded(self.config, rel, name, is_dir)

    # -- reading -------------------------------------------------------------------

    def open(self, entry: Entry) -> BinaryIO:
        """The file as a stream over SMB (same bytes as a local copy). Raises
        FileNotFoundError when it is gone, OSError with a German reason otherwise."""
        try:
            return self._call(_open_read, self._unc(entry.path))
        except smb_errors.SMBOSError as exc:
            kind, message = _problem(exc, "Datei nicht lesbar")
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
            kind, message = _problem(exc, "Datei nicht lesbar")
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
            checks = self._live_checks("/".join(parts[:-1]))
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
        return _entry(self.name, rel, info, sd, allow, deny, checks), io.BufferedReader(raw)

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
            checks = self._live_checks(parent)
        except (smb_errors.SMBOSError, DescriptorError, SourceUnavailable):
            return _entry(self.name, rel, info, b"", (), ())
        return _entry(self.name, rel, info, sd, allow, deny, checks)


def _kerberos_installed() -> bool:
    return all(importlib.util.find_spec(module) for module in ("gssapi", "krb5"))


def _session_lost(exc: Exception) -> bool:
    """Whether `exc` means the connection or session is gone (worth one reconnect), as
    opposed to an answer about the file itself."""
    if isinstance(exc, smb_errors.SMBResponseException):
        return exc.status in (
            smb_errors.NtStatus.STATUS_NETWORK_NAME_DELETED,
            smb_errors.NtStatus.STATUS_USER_SESSION_DELETED,
            0xC000035C,
        )  # STATUS_NETWORK_SESSION_EXPIRED
    if isinstance(exc, ValueError):  # smbclient's words for a refused or failed reconnect
        return str(exc).startswith("Failed to connect")
    return True


def _open_read(path: str, **kwargs) -> BinaryIO:
    return smbclient.open_file(path, mode="rb", share_access="rwd", **kwargs)


def _fingerprint(change_time: float, sd: bytes) -> float:
    """The change time and the descriptor's digest as one number the orchestrator compares
    (52 bits: exact in a float)."""
    digest = hashlib.blake2b(f"{change_time!r}".encode() + descriptor_digest(sd).encode(), digest_size=8).digest()
    return float(int.from_bytes(digest, "big") >> 12)


def _entry(source: str, rel: str, info: DirEntry, sd: bytes, allow, deny, checks: PathChecks | None = None) -> Entry:
    """The file's entry: its own DACL's principals as allow, the checks on the way to it
    as require, and the denies of all of them together."""
    if checks is None:
        return Entry(
            source,
            rel,
            info.end_of_file,
            info.last_write_time,
            _fingerprint(info.change_time, sd),
            str(info.file_id) if info.file_id else None,
            None,
            tuple(allow),
            tuple(deny),
        )
    return Entry(
        source,
        rel,
        info.end_of_file,
        info.last_write_time,
        _fingerprint(info.change_time, sd),
        str(info.file_id) if info.file_id else None,
        None,
        tuple(allow),
        tuple(sorted(set(deny) | checks.deny())),
        checks.require(),
    )


def _problem(exc: smb_errors.SMBOSError, what: str) -> tuple[str, str]:
    kind, reason = _ENTRY_PROBLEMS.get(exc.ntstatus, ("unreadable", f"{exc.strerror}"))
    return kind, f"{what}: {reason}"


__all__ = ["SmbSource", "io"]
