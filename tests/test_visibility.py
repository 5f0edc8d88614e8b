"""The one visibility rule: clauses (share, traverse, own ACL) and deny, in canonical form."""

import sqlite3

import pytest

from aktenlotse.core.visibility import (
    NOBODY,
    WORLD,
    DmsRoleRequired,
    es_filter,
    has_dms_role,
    may_read,
    permissions,
    require_dms_role,
    sql_condition,
    visible_ids,
)


def test_every_clause_must_be_passed():
    # Share admits only Bauamt; the file itself allows all domain users.
    perms = permissions(allow=["sid:S-1-5-21-1-513"], require=[["group:bauamt"]])
    assert may_read({"everyone", "group:bauamt", "sid:S-1-5-21-1-513"}, perms)
    assert not may_read({"everyone", "sid:S-1-5-21-1-513"}, perms)
    assert not may_read({"everyone", "group:bauamt"}, perms)


def test_deny_wins_over_any_allow():
    perms = permissions(allow=["everyone"], deny=["user:gast"])
    assert may_read({"everyone", "user:mueller"}, perms)
    assert not may_read({"everyone", "user:gast"}, perms)


def test_everyone_clause_and_superset_clauses_are_dropped():
    perms = permissions(allow=["group:a", "group:b"], require=[["everyone"], ["group:a"], ["group:a"]])
    assert perms.clauses == (("group:a",),)
    assert permissions(allow=["everyone"]) == WORLD


def test_empty_clause_is_nobody_and_no_principals_see_nothing():
    assert permissions(allow=["everyone"], require=[[]]) == NOBODY
    assert not may_read({"everyone", "authenticated"}, NOBODY)
    assert not may_read(set(), WORLD)


def test_equal_access_gives_equal_id_whatever_the_spelling():
    one = permissions(allow=["Group:Bauamt", "user:Mueller"], require=[["SID:s-1-5-11"]])
    two = permissions(allow=["user:mueller", "group:bauamt"], require=[["sid:S-1-5-11"], ["everyone"]])
    assert one == two and one.id == two.id
    assert permissions(allow=["group:a"]).id != permissions(allow=["group:b"]).id


def test_visible_ids_lists_exactly_the_readable_sets():
    open_set, bau, nobody = WORLD, permissions(["group:bauamt"]), NOBODY
    ids = visible_ids(["everyone", "group:bauamt"], [open_set, bau, nobody])
    assert ids == sorted([open_set.id, bau.id])
    assert visible_ids(["everyone"], [open_set, bau, nobody]) == [open_set.id]


REGISTRY = [
    WORLD,
    NOBODY,
    permissions(["group:bauamt"]),
    permissions(["everyone"], deny=["user:gast"]),
    permissions(["user:mueller"], require=[["group:bauamt", "group:personal"]]),
]
READERS = [
    [],
    ["everyone"],
    ["everyone", "user:gast"],
    ["everyone", "group:bauamt"],
    ["everyone", "user:mueller", "group:personal"],
]


@pytest.mark.parametrize("principals", READERS)
def test_sql_and_es_forms_keep_exactly_the_readable_sets(principals):
    expected = {perms.id for perms in REGISTRY if may_read(principals, perms)}
    ids = visible_ids(principals, REGISTRY)
    assert set(ids) == expected
    condition, params = sql_condition("perm_id", ids)
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE docs (perm_id TEXT)")
    connection.executemany("INSERT INTO docs VALUES (?)", [(perms.id,) for perms in REGISTRY])
    assert {row[0] for row in connection.execute(f"SELECT perm_id FROM docs WHERE {condition}", params)} == expected
    es = es_filter("perm_id", ids)
    if expected:
        assert es == {"terms": {"perm_id": sorted(expected)}}
    else:
        assert es == {"bool": {"must_not": {"match_all": {}}}}


def test_only_dms_roles_may_list_every_document():
    assert has_dms_role({"ag_dms"}) and has_dms_role(["employee", "admin"])
    assert not has_dms_role(()) and not has_dms_role({"employee", "wiki_editor"})
    require_dms_role({"admin"})
    with pytest.raises(DmsRoleRequired, match="AG DMS"):
        require_dms_role({"employee"})
