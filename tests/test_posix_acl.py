"""POSIX owner/group/mode and ACL entries -> principals."""

import stat
import struct

from aktenlotse.core.visibility import may_read, permissions
from aktenlotse.crawler.posix_acl import (
    EXECUTE,
    READ,
    WORLD,
    PosixGrant,
    grant_for,
    group_principal,
    parse_acl_xattr,
    user_principal,
)
from aktenlotse.crawler.posix_path_access import PosixPathAccess, TraverseAccess

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


def _readers(folder_grants, file_grant):
    """Permissions of a file below folders with these execute grants (from '/' down)."""
    access = PosixPathAccess({})
    folder = TraverseAccess(key="")
    for grant in folder_grants:
        folder = access.descend(folder, grant)
    allow, deny, require = access.of_file(folder, file_grant)
    return permissions(allow, deny, require)


def test_public_folders_keep_the_file_grant():
    perms = _readers([WORLD, WORLD], PosixGrant(frozenset({"group:bauamt"})))
    assert perms.clauses == (("group:bauamt",),)


def test_restricted_folder_restricts_public_file():
    perms = _readers([WORLD, PosixGrant(frozenset({"group:personal", "user:root"}))], WORLD)
    assert may_read(["everyone", "group:personal"], perms)
    assert not may_read(["everyone", "group:bauamt"], perms)


def test_traverse_via_group_and_read_via_user_is_visible():
    # Intersecting principal lists hid this file from the one user who can open it.
    perms = _readers([PosixGrant(frozenset({"group:a"}))], PosixGrant(frozenset({"user:x"})))
    assert may_read(["everyone", "user:x", "group:a"], perms)
    assert not may_read(["everyone", "user:x"], perms)  # reads, but cannot traverse
    assert not may_read(["everyone", "group:a"], perms)  # traverses, but cannot read


def test_different_groups_need_both():
    perms = _readers([PosixGrant(frozenset({"group:a"}))], PosixGrant(frozenset({"group:b"})))
    assert not may_read(["group:a"], perms) and not may_read(["group:b"], perms)
    assert may_read(["group:a", "group:b"], perms)


def test_folder_deny_survives():
    perms = _readers([PosixGrant(frozenset({"everyone"}), frozenset({"user:x"}))], WORLD)
    assert "user:x" in perms.deny
    assert not may_read(["everyone", "user:x"], perms)


def test_folder_key_changes_with_any_ancestor_grant():
    access = PosixPathAccess({})
    top_a = access.descend(TraverseAccess(key=""), WORLD)
    top_b = access.descend(TraverseAccess(key=""), PosixGrant(frozenset({"group:a"})))
    below = PosixGrant(frozenset({"group:c"}))
    assert access.descend(top_a, below).key != access.descend(top_b, below).key


def test_folder_nobody_traverses_hides_everything():
    perms = _readers([PosixGrant(frozenset(), frozenset({"user:root"}))], WORLD)
    assert perms.readable_by_nobody
