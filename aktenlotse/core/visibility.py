"""Who may read an item: the one visibility rule, and the forms the index backends use.

A reader is a set of principals (`everyone`, `authenticated`, `user:<name>`,
`group:<name>`, `sid:S-1-…`, as `records.normalize_principal` spells them). An item's
effective read access is what the file server enforces, a conjunction:

    the share's ACL grants read
    AND every folder on the path grants traverse (where the server enforces traverse)
    AND the item's own ACL grants read,

and nobody named in a deny entry of any of them may read. Each of those checks is one
*clause*: the principals that pass it. A reader may read the item iff it holds at least
one principal of **every** clause and none of `deny`. Intersecting the principal lists
instead would either show an item to someone the share refuses or hide it from a group
member the server admits; clauses keep the rule exact without knowing group membership
at crawl time (the login resolves that).

`Permissions` is the canonical form: equal access gives an equal value and an equal `id`,
so the index stores one small registry of distinct permission sets (a town has a few
thousand) and each document names its set. A query computes the caller's visible set ids
once (`visible_ids`) and the backend filters documents by id: `sql_condition` for SQLite,
`es_filter` for Elasticsearch/OpenSearch. Nothing else in the code decides visibility.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aktenlotse.core.records import EVERYONE, normalize_principal

Clause = tuple[str, ...]


@dataclass(frozen=True)
class Permissions:
    """Canonical read access of one item.

    `clauses`: sorted, each clause sorted and non-redundant; `()` means no restriction
    beyond the deny list. A clause `()` (nobody passes it) makes the item unreadable:
    that is `NOBODY`, used for items whose access could not be verified (fail closed).
    """

    clauses: tuple[Clause, ...]
    deny: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A stable short id of this permission set (same access, same id, in every backend)."""
        raw = json.dumps([self.clauses, self.deny], separators=(",", ":"))
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()

    @property
    def readable_by_nobody(self) -> bool:
        return () in self.clauses

    def to_json(self) -> str:
        return json.dumps({"clauses": self.clauses, "deny": self.deny}, separators=(",", ":"))

    @staticmethod
    def from_json(raw: str) -> Permissions:
        data = json.loads(raw)
        return Permissions(tuple(tuple(c) for c in data["clauses"]), tuple(data["deny"]))


NOBODY = Permissions(clauses=((),))
WORLD = Permissions(clauses=())


def permissions(allow: Iterable[str], deny: Iterable[str] = (), require: Iterable[Iterable[str]] = ()) -> Permissions:
    """The canonical Permissions of an item whose own ACL grants `allow`, denies `deny`,
    and that is reachable only through the further checks `require` (share ACL, folder
    traverse grants; each a clause of principals that pass it).

    Canonical means: principals normalised, a clause holding `everyone` dropped (it is
    always passed), a clause that contains another clause dropped (passing the smaller
    one implies it), duplicates dropped, an empty clause making the whole set NOBODY.
    """
    denied = tuple(sorted({normalize_principal(p) for p in deny}))
    sets: list[frozenset[str]] = []
    for clause in (allow, *require):
        normalized = frozenset(normalize_principal(p) for p in clause)
        if not normalized:
            return NOBODY
        if EVERYONE in normalized:
            continue
        sets.append(normalized)
    minimal = [s for s in set(sets) if not any(other < s for other in sets)]
    clauses = tuple(sorted(tuple(sorted(s)) for s in minimal))
    return Permissions(clauses, denied)


def of_item(item: Any) -> Permissions:
    """The Permissions of an `Entry` or `Document` (its `allow`, `deny` and `require`)."""
    return permissions(item.allow, item.deny, item.require)


def may_read(principals: Iterable[str], perms: Permissions) -> bool:
    """The one visibility rule: a principal in every clause, none denied. No principals: nothing."""
    held = frozenset(principals)
    if not held or held.intersection(perms.deny):
        return False
    return all(held.intersection(clause) for clause in perms.clauses)


def visible_ids(principals: Sequence[str], registry: Iterable[Permissions]) -> list[str]:
    """The ids of the permission sets in `registry` that `principals` may read."""
    held = frozenset(principals)
    return sorted(perms.id for perms in registry if may_read(held, perms))


def sql_condition(column: str, ids: Sequence[str]) -> tuple[str, list[str]]:
    """SQLite condition (and its parameters) that keeps rows whose permission-set id in
    `column` is one of the caller's visible `ids`. No visible set: a condition that is false."""
    if not ids:
        return "0", []
    return f"{column} IN (SELECT value FROM json_each(?))", [json.dumps(list(ids))]


def es_filter(field: str, ids: Sequence[str]) -> dict[str, Any]:
    """Elasticsearch/OpenSearch filter clause for the same rule (a `terms` filter on ids)."""
    if not ids:
        return {"bool": {"must_not": {"match_all": {}}}}
    return {"terms": {field: list(ids)}}


# -- who may list every document --------------------------------------------------------
#
# The AG DMS pages (review queue, overview, migration list, retraining) show documents
# regardless of their ACL: that is their job, and it is the job of these roles only. The
# index offers such a listing solely behind this check (`Backend.dms_listing`).

DMS_ROLES = frozenset({"ag_dms", "admin"})
MSG_DMS_ONLY = "Diese Übersicht über alle Dokumente ist der AG DMS und den Administratoren vorbehalten."


class DmsRoleRequired(PermissionError):
    """A listing of every document was asked for by someone without a DMS role; the
    message is fit for users (German)."""


def has_dms_role(roles: Iterable[str]) -> bool:
    """True when `roles` include a role that may list every document."""
    return bool(DMS_ROLES.intersection(roles))


def require_dms_role(roles: Iterable[str]) -> None:
    """Raise `DmsRoleRequired` unless `roles` include a DMS role."""
    if not has_dms_role(roles):
        raise DmsRoleRequired(MSG_DMS_ONLY)
