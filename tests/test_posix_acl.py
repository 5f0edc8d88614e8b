"""POSIX owner/group/mode and ACL entries -> principals."""

import stat
import struct

from aktenlotse.crawler.posix_acl import (
    EXECUTE, READ, PosixGrant, WORLD, grant_for, group_principal, intersect, parse_acl_xattr, user_principal,
)

REG = stat.S_IFREG


def acl_bytes(*entries):
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_world_readable_file_is_everyone():
    g = grant_for(REG | 0o644, 0, 0, None, READ)
    assert g.allow == {"everyone"} and g.deny == set()


def test_group_readable_file_names_owner_and_group():
    g = grant_for(REG | 0o640, 0, 0, None, READ)
    assert g.allow == {user_principal(0), group_principal(0)}


def test_owner_without_read_is_denied_even_if_other_may_read():
    g = grant_for(REG | 0o044, 0, 0, None, READ)
    assert "everyone" in g.allow and user_principal(0) in g.deny


def test_group_without_read_is_denied_when_world_may_read():
    g = grant_for(REG | 0o604, 0, 61001, None, READ)
    assert group_principal(61001) in g.deny


def test_named_group_acl_entry_grants_read_limited_by_mask():
    raw = acl_bytes((0x01, 6, 0), (0x04, 0, 0), (0x08, 4, 61002), (0x10, 4, 0), (0x20, 0, 0))
    entries = parse_acl_xattr(raw)
    g = grant_for(REG | 0o640, 0, 0, entries, READ)
    assert group_principal(61002) in g.allow
    assert "everyone" not in g.allow
    masked = acl_bytes((0x01, 6, 0), (0x04, 0, 0), (0x08, 4, 61002), (0x10, 0, 0), (0x20, 0, 0))
    g2 = grant_for(REG | 0o600, 0, 0, parse_acl_xattr(masked), READ)
    assert group_principal(61002) not in g2.allow


def test_parse_rejects_garbage():
    assert parse_acl_xattr(b"\x01\x02") is None
    assert parse_acl_xattr(struct.pack("<I", 9) + b"\0" * 8) is None


def test_folder_traverse_right_is_execute():
    g = grant_for(stat.S_IFDIR | 0o750, 0, 61001, None, EXECUTE)
    assert g.allow == {user_principal(0), group_principal(61001)}


def test_intersect_public_folder_keeps_file_grant():
    file_grant = PosixGrant(frozenset({"group:bauamt"}))
    assert intersect(WORLD, file_grant).allow == {"group:bauamt"}


def test_intersect_restricted_folder_restricts_public_file():
    folder = PosixGrant(frozenset({"group:personal", "user:root"}))
    assert intersect(folder, WORLD).allow == {"group:personal", "user:root"}


def test_intersect_of_different_groups_hides():
    assert intersect(PosixGrant(frozenset({"group:a"})), PosixGrant(frozenset({"group:b"}))).allow == set()


def test_deny_survives_intersection():
    folder = PosixGrant(frozenset({"everyone"}), frozenset({"user:x"}))
    assert "user:x" in intersect(folder, WORLD).deny
