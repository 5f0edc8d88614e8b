"""SMB directory entries as the crawler records them: the `Entry` of a file (size, times, the
fingerprint of change time and descriptor, principals and the checks on the way), and the
problem kind of an NTSTATUS a single entry answered with."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from smbprotocol import exceptions as smb_errors

from aktenlotse.core.records import Entry
from aktenlotse.crawler.nt_acl import descriptor_digest
from aktenlotse.crawler.smb_access import PathChecks
from aktenlotse.crawler.smb_connection import DirEntry

FILE_ATTRIBUTE_DIRECTORY = 0x10
FILE_ATTRIBUTE_REPARSE_POINT = 0x400
STATUS_FILE_IS_A_DIRECTORY = 0xC00000BA

# NTSTATUS → (problem kind, German message) for single entries.
ENTRY_PROBLEMS = {
    smb_errors.NtStatus.STATUS_ACCESS_DENIED: ("unreadable", "Zugriff verweigert"),
    smb_errors.NtStatus.STATUS_SHARING_VIOLATION: ("locked", "Datei ist gesperrt oder in Benutzung"),
    0xC0000054: ("locked", "Datei ist gesperrt oder in Benutzung"),  # STATUS_FILE_LOCK_CONFLICT
    smb_errors.NtStatus.STATUS_OBJECT_NAME_NOT_FOUND: ("gone", "Datei verschwand während des Crawls"),
    smb_errors.NtStatus.STATUS_OBJECT_PATH_NOT_FOUND: ("gone", "Ordner verschwand während des Crawls"),
    0xC0000106: ("too_long", "Pfad zu lang"),  # STATUS_NAME_TOO_LONG
    smb_errors.NtStatus.STATUS_OBJECT_NAME_INVALID: ("too_long", "Pfad ungültig oder zu lang"),
    smb_errors.NtStatus.STATUS_DELETE_PENDING: ("gone", "Datei wird gerade gelöscht"),
}


def fingerprint(change_time: float, sd: bytes) -> float:
    """The change time and the descriptor's digest as one number the orchestrator compares
    (52 bits: exact in a float)."""
    digest = hashlib.blake2b(f"{change_time!r}".encode() + descriptor_digest(sd).encode(), digest_size=8).digest()
    return float(int.from_bytes(digest, "big") >> 12)


def entry_of(
    source: str,
    rel: str,
    info: DirEntry,
    sd: bytes,
    allow: Iterable[str],
    deny: Iterable[str],
    checks: PathChecks | None = None,
) -> Entry:
    """The file's entry: its own DACL's principals as allow, the checks on the way to it
    as require, and the denies of all of them together."""
    return Entry(
        source,
        rel,
        info.end_of_file,
        info.last_write_time,
        fingerprint(info.change_time, sd),
        str(info.file_id) if info.file_id else None,
        None,
        tuple(allow),
        tuple(deny) if checks is None else tuple(sorted(set(deny) | checks.deny())),
        () if checks is None else checks.require(),
    )


def problem_of(exc: smb_errors.SMBOSError, what: str) -> tuple[str, str]:
    kind, reason = ENTRY_PROBLEMS.get(exc.ntstatus, ("unreadable", f"{exc.strerror}"))
    return kind, f"{what}: {reason}"
