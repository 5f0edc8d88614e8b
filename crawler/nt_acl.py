"""NT security descriptors (self-relative, as SMB2 QUERY_INFO returns them) → principals
that hold a right (read data on a file, traverse on a folder, read on a share).

Pure functions, no I/O. Our visibility model is "some principal allowed, none denied";
Windows evaluates ACEs in order (an allow before a deny can win there). Treating every
deny that covers the right as final is stricter than Windows: when in doubt, hidden.

Every ACE type is handled explicitly. Only a plain ACCESS_ALLOWED ACE grants: an object
allow (0x05) is about AD object classes, not files; a conditional (callback) allow
(0x09, 0x0B) grants only when its condition holds for the user's claims, which the
index cannot know; an ACE type this module does not know grants nothing. Every deny
type (0x01, 0x06, 0x0A, 0x0C) denies, its condition or object type notwithstanding.
Whether folders on the path count (traverse) is the source's decision, not this module's.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from aktenlotse.core.records import AUTHENTICATED, EVERYONE

# Access mask bits that let a user read a file's content.
FILE_READ_DATA = 0x0001  # also FILE_LIST_DIRECTORY
GENERIC_ALL = 0x10000000
GENERIC_READ = 0x80000000
MAXIMUM_ALLOWED = 0x02000000
GENERIC_EXECUTE = 0x20000000
FILE_TRAVERSE = 0x0020  # also FILE_EXECUTE
READ_RIGHTS = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL
TRAVERSE_RIGHTS = FILE_TRAVERSE | GENERIC_EXECUTE | GENERIC_ALL
FILE_ALL_ACCESS = 0x001F01FF
READ_CONTROL = 0x00020000

ACCESS_ALLOWED = 0x00
ACCESS_DENIED = 0x01
ACCESS_ALLOWED_OBJECT = 0x05
ACCESS_DENIED_OBJECT = 0x06
ACCESS_ALLOWED_CALLBACK = 0x09
ACCESS_DENIED_CALLBACK = 0x0A
ACCESS_ALLOWED_CALLBACK_OBJECT = 0x0B
ACCESS_DENIED_CALLBACK_OBJECT = 0x0C
# The only type that grants (see the module docstring for why the other allows do not).
GRANTING_TYPES = frozenset({ACCESS_ALLOWED})
# Allows that carry a condition or an object type: kept for explanations, grant nothing.
NON_GRANTING_ALLOW_TYPES = frozenset({ACCESS_ALLOWED_OBJECT, ACCESS_ALLOWED_CALLBACK, ACCESS_ALLOWED_CALLBACK_OBJECT})
DENY_TYPES = frozenset({ACCESS_DENIED, ACCESS_DENIED_OBJECT, ACCESS_DENIED_CALLBACK, ACCESS_DENIED_CALLBACK_OBJECT})
OBJECT_TYPES = frozenset(
    {ACCESS_ALLOWED_OBJECT, ACCESS_DENIED_OBJECT, ACCESS_ALLOWED_CALLBACK_OBJECT, ACCESS_DENIED_CALLBACK_OBJECT}
)
# Audit, alarm, label and resource-attribute ACEs: about logging and integrity, not access.
SYSTEM_TYPES = frozenset({0x02, 0x03, 0x07, 0x08, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13})

OBJECT_INHERIT = 0x01
CONTAINER_INHERIT = 0x02
NO_PROPAGATE_INHERIT = 0x04
INHERIT_ONLY = 0x08
INHERITED = 0x10

SE_DACL_PRESENT = 0x0004
SE_SELF_RELATIVE = 0x8000
SE_DACL_PROTECTED = 0x1000

SID_EVERYONE = "S-1-1-0"
SID_AUTHENTICATED_USERS = "S-1-5-11"
SID_BUILTIN_USERS = "S-1-5-32-545"
# Well-known SIDs that every logged-in domain user carries in the token.
SID_PRINCIPALS = {SID_EVERYONE: EVERYONE, SID_AUTHENTICATED_USERS: AUTHENTICATED, SID_BUILTIN_USERS: AUTHENTICATED}
# Placeholders only meaningful in inheritable ACEs (CREATOR OWNER, CREATOR GROUP): never a reader.
CREATOR_SIDS = {"S-1-3-0", "S-1-3-1"}


class DescriptorError(ValueError):
    """The bytes are not a valid self-relative security descriptor."""


@dataclass(frozen=True)
class Ace:
    """One ACE. `sid` is None for an ACE whose body this module does not parse (unknown
    type); `data`: bytes after the SID (a callback ACE's condition)."""

    type: int
    flags: int
    mask: int
    sid: str | None
    data: bytes = b""


@dataclass(frozen=True)
class SecurityDescriptor:
    owner: str | None
    group: str | None
    control: int
    dacl: tuple[Ace, ...] | None  # None: NULL DACL (no restriction at all)


def parse_sid(data: bytes, offset: int = 0) -> tuple[str, int]:
    """A binary SID at `offset` → ('S-1-5-…', length in bytes)."""
    if offset + 8 > len(data):
        raise DescriptorError("SID truncated")
    revision, count = data[offset], data[offset + 1]
    authority = int.from_bytes(data[offset + 2 : offset + 8], "big")
    end = offset + 8 + 4 * count
    if revision != 1 or end > len(data):
        raise DescriptorError("bad SID")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "S-1-" + "-".join([str(authority), *map(str, subs)]), end - offset


def encode_sid(sid: str) -> bytes:
    parts = sid.upper().split("-")
    if len(parts) < 3 or parts[0] != "S" or parts[1] != "1":
        raise DescriptorError(f"bad SID {sid!r}")
    subs = [int(p) for p in parts[3:]]
    return bytes([1, len(subs)]) + int(parts[2]).to_bytes(6, "big") + struct.pack(f"<{len(subs)}I", *subs)


def parse_descriptor(data: bytes) -> SecurityDescriptor:
    """Parse a self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6)."""
    if len(data) < 20:
        raise DescriptorError("security descriptor truncated")
    revision, _, control, off_owner, off_group, _off_sacl, off_dacl = struct.unpack_from("<BBHIIII", data, 0)
    if revision != 1:
        raise DescriptorError("unknown security descriptor revision")
    owner = parse_sid(data, off_owner)[0] if off_owner else None
    group = parse_sid(data, off_group)[0] if off_group else None
    if not control & SE_DACL_PRESENT or not off_dacl:
        return SecurityDescriptor(owner, group, control, None)
    return SecurityDescriptor(owner, group, control, tuple(_parse_acl(data, off_dacl)))


def _parse_acl(data: bytes, offset: int) -> list[Ace]:
    if offset + 8 > len(data):
        raise DescriptorError("ACL truncated")
    _rev, _, size, count, _ = struct.unpack_from("<BBHHH", data, offset)
    end = offset + size
    if end > len(data):
        raise DescriptorError("ACL truncated")
    aces = []
    pos = offset + 8
    for _ in range(count):
        if pos + 8 > end:
            raise DescriptorError("ACE truncated")
        ace_type, flags, ace_size = struct.unpack_from("<BBH", data, pos)
        if ace_size < 8 or pos + ace_size > end:
            raise DescriptorError("bad ACE size")
        mask = struct.unpack_from("<I", data, pos + 4)[0]
        sid_at = pos + 8
        if ace_type in OBJECT_TYPES:
            if sid_at + 4 > pos + ace_size:
                raise DescriptorError("object ACE truncated")
            object_flags = struct.unpack_from("<I", data, sid_at)[0]
            sid_at += 4 + 16 * bin(object_flags & 0x3).count("1")
        if ace_type in GRANTING_TYPES or ace_type in NON_GRANTING_ALLOW_TYPES or ace_type in DENY_TYPES:
            sid, length = parse_sid(data[: pos + ace_size], sid_at)
            aces.append(Ace(ace_type, flags, mask, sid, data[sid_at + length : pos + ace_size]))
        elif ace_type not in SYSTEM_TYPES:
            # Unknown: kept without a SID so that it is visibly there and grants nothing.
            aces.append(Ace(ace_type, flags, mask, None, data[sid_at : pos + ace_size]))
        pos += ace_size
    return aces


def encode_descriptor(owner: str | None, group: str | None, aces: list[Ace] | None, protected: bool = False) -> bytes:
    """A self-relative descriptor with owner, group and DACL (`aces=None`: NULL DACL)."""
    control = SE_SELF_RELATIVE | SE_DACL_PRESENT | (SE_DACL_PROTECTED if protected else 0)
    body = b""
    offsets = [0, 0, 0, 0]
    pos = 20
    for index, sid in ((0, owner), (1, group)):
        if sid:
            raw = encode_sid(sid)
            offsets[index] = pos
            body += raw
            pos += len(raw)
    if aces is not None:
        ace_bytes = b""
        for ace in aces:
            # Object ACEs are written without object types (flags 0); `data` follows the SID.
            head = struct.pack("<I", 0) if ace.type in OBJECT_TYPES else b""
            body_bytes = head + (encode_sid(ace.sid) if ace.sid else b"") + ace.data
            body_bytes += b"\0" * (-len(body_bytes) % 4)
            ace_bytes += struct.pack("<BBHI", ace.type, ace.flags, 8 + len(body_bytes), ace.mask) + body_bytes
        acl = struct.pack("<BBHHH", 2, 0, 8 + len(ace_bytes), len(aces), 0) + ace_bytes
        offsets[3] = pos
        body += acl
    return struct.pack("<BBHIIII", 1, 0, control, offsets[0], offsets[1], offsets[2], offsets[3]) + body


def sid_principal(sid: str) -> str:
    """The principal a SID stands for on both sides of the contract (crawler and login)."""
    sid = sid.upper()
    return SID_PRINCIPALS.get(sid, f"sid:{sid}")


def read_principals(sd: SecurityDescriptor) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allow, deny) principals for reading the file's content (FILE_READ_DATA)."""
    return principals_with(sd, READ_RIGHTS)


def traverse_principals(sd: SecurityDescriptor) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allow, deny) principals for passing through a folder to what is below it."""
    return principals_with(sd, TRAVERSE_RIGHTS)


def principals_with(sd: SecurityDescriptor, rights: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allow, deny) principals for any of the access bits `rights`.

    NULL DACL: everyone. Empty DACL: nobody. INHERIT_ONLY ACEs apply to children only and
    are skipped. Only ACCESS_ALLOWED grants (module docstring); a deny of any type counts
    as soon as it covers one of `rights` (MAXIMUM_ALLOWED included), whatever its position.
    """
    if sd.dacl is None:
        return (EVERYONE,), ()
    allow: set[str] = set()
    deny: set[str] = set()
    for ace in sd.dacl:
        if ace.sid is None or ace.flags & INHERIT_ONLY or ace.sid.upper() in CREATOR_SIDS:
            continue
        if ace.type in GRANTING_TYPES and ace.mask & rights:
            allow.add(sid_principal(ace.sid))
        elif ace.type in DENY_TYPES and ace.mask & (rights | MAXIMUM_ALLOWED):
            deny.add(sid_principal(ace.sid))
    return tuple(sorted(allow)), tuple(sorted(deny))


_TYPE_WORDS = {
    ACCESS_ALLOWED_OBJECT: "Objekt-Eintrag",
    ACCESS_ALLOWED_CALLBACK: "bedingter Eintrag",
    ACCESS_ALLOWED_CALLBACK_OBJECT: "bedingter Objekt-Eintrag",
}


def describe_entries(sd: SecurityDescriptor, rights: int, right_name: str) -> tuple[str, ...]:
    """The DACL as a person reads it, one German line per entry, saying what each entry
    does for the right `rights` (called `right_name`, e.g. "Lesen"), in the same terms
    as `principals_with` decides."""
    if sd.dacl is None:
        return (f"erlaubt  everyone  {right_name} (keine Zugriffsliste)",)
    if not sd.dacl:
        return (f"leere Zugriffsliste: niemand darf {right_name}",)
    lines = []
    for ace in sd.dacl:
        who = sid_principal(ace.sid) if ace.sid else "?"
        if ace.sid is None:
            lines.append(f"ohne Wirkung  unbekannter Eintragstyp {ace.type:#04x}")
        elif ace.flags & INHERIT_ONLY:
            lines.append(f"ohne Wirkung  {who}  nur für Unterordner/Dateien vererbt")
        elif ace.sid.upper() in CREATOR_SIDS:
            lines.append(f"ohne Wirkung  {who}  Platzhalter für den Ersteller")
        elif ace.type in NON_GRANTING_ALLOW_TYPES:
            lines.append(f"ohne Wirkung  {who}  {_TYPE_WORDS[ace.type]} ({ace.type:#04x}) erlaubt nichts")
        elif ace.type in GRANTING_TYPES:
            lines.append(
                f"erlaubt  {who}  {right_name}"
                if ace.mask & rights
                else f"ohne Wirkung  {who}  erlaubt anderes als {right_name}"
            )
        elif ace.mask & (rights | MAXIMUM_ALLOWED):
            lines.append(f"verweigert  {who}  {right_name}")
        else:
            lines.append(f"ohne Wirkung  {who}  verweigert anderes als {right_name}")
    return tuple(lines)


def descriptor_digest(data: bytes) -> str:
    """A short stable fingerprint of a descriptor (to notice ACL changes)."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()
