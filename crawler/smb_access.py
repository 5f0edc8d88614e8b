"""The checks an SMB server makes on the way to a file, built from security descriptors
(pure; SmbSource reads the descriptors).

Measured against Samba (tests/test_samba_leak_matrix.py): a user opening a file by path
must hold FILE_TRAVERSE (0x20, what GENERIC_EXECUTE and GENERIC_ALL map to) on the share's
root folder and on every folder below it on the path; FILE_LIST_DIRECTORY alone does not
let them through, and an inherit-only ACE on a folder gives nothing on the folder itself.
The share's own ACL is checked at tree connect for FILE_READ_DATA (Samba's generic READ
and CHANGE both carry it). Windows skips the folder checks for users holding "Bypass
traverse checking" (the default for everyone), which is what `traverse = "bypass"` says.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aktenlotse.core.access_checks import FOLDER, ITEM, SHARE, AccessCheck
from aktenlotse.crawler.nt_acl import (
    READ_RIGHTS,
    SE_DACL_PROTECTED,
    TRAVERSE_RIGHTS,
    describe_entries,
    parse_descriptor,
    principals_with,
)

READ_WORD, TRAVERSE_WORD = "Lesen", "Durchsuchen"


@dataclass(frozen=True)
class PathChecks:
    """The checks passed before reaching the inside of one folder (share ACL, then the
    folders from the share root down, this folder included), and a key that changes
    whenever one of their descriptors changes (DirListing.traverse_key)."""

    checks: tuple[AccessCheck, ...]
    key: str

    def below(self, check: AccessCheck, descriptor: bytes) -> PathChecks:
        """These checks followed by one more folder's."""
        return PathChecks((*self.checks, check), _key(self.key, descriptor))

    def require(self) -> tuple[tuple[str, ...], ...]:
        """The clauses of these checks (Entry.require)."""
        return tuple(tuple(c.allow) for c in self.checks)

    def deny(self) -> frozenset[str]:
        return frozenset(p for c in self.checks for p in c.deny)


def start(share_check: AccessCheck | None, share_descriptor: bytes) -> PathChecks:
    """The checks at the share itself (`None`: the share ACL is not counted)."""
    return PathChecks((share_check,) if share_check else (), _key("share", share_descriptor))


def _key(parent: str, descriptor: bytes) -> str:
    return hashlib.blake2b(parent.encode() + b"\0" + descriptor, digest_size=12).hexdigest()


def share_check(descriptor: bytes) -> AccessCheck:
    """The share ACL as a check. An answer without a descriptor (b"") counts as not
    readable: the Samba DC gives the service account none for a share whose ACL it
    enforces at tree connect, so "none" cannot be taken to mean "no restriction"."""
    if not descriptor:
        return closed_share_check("der Server gab keine Freigabeberechtigungen heraus")
    return _check(SHARE, "", descriptor, READ_RIGHTS, READ_WORD)


def closed_share_check(reason: str) -> AccessCheck:
    """A share whose ACL could not be read: nobody passes (fail closed)."""
    return AccessCheck(SHARE, "", (), (), (f"niemand  Freigabeberechtigungen nicht lesbar: {reason}",))


def folder_check(path: str, descriptor: bytes) -> AccessCheck:
    """Traverse through a folder (DescriptorError for bytes that are no descriptor)."""
    return _check(FOLDER, path, descriptor, TRAVERSE_RIGHTS, TRAVERSE_WORD)


def item_check(path: str, descriptor: bytes) -> AccessCheck:
    """Reading a file's data."""
    return _check(ITEM, path, descriptor, READ_RIGHTS, READ_WORD)


def _check(kind: str, path: str, descriptor: bytes, rights: int, word: str) -> AccessCheck:
    sd = parse_descriptor(descriptor)
    allow, deny = principals_with(sd, rights)
    inherits = not sd.control & SE_DACL_PROTECTED
    return AccessCheck(kind, path, allow, deny, describe_entries(sd, rights, word), inherits)
