"""The Elasticsearch backend's registry of permission sets: a small index of its own
(`<alias>-permission-sets`, one document per set: id -> canonical `Permissions` JSON).

Documents name their set in the keyword field `perm_id`; a query filters it by the
sets the caller may read (`visibility.es_filter`). The registry is cached in the
backend (`PermissionCache`) and reloaded when its document count moved (sets are only
ever added), one `_count` request per query. A set is written (and refreshed) before
any document that names it, so a document is never visible through a set the cache
does not know; a stale cache hides, it never shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aktenlotse.core.visibility import Permissions, es_filter, permissions
from aktenlotse.search.backend import BackendError
from aktenlotse.search.es_errors import is_bad_request
from aktenlotse.search.permission_sets import PermissionCache
from aktenlotse.search.server_client import ServerClient, scan

REGISTRY_SUFFIX = "-permission-sets"
FIELD = "perm_id"


class EsPermissionRegistry:
    def __init__(self, client: ServerClient, alias: str, call: Callable[..., Any]):
        self.client = client
        self.index = alias + REGISTRY_SUFFIX
        self._call = call
        self.cache = PermissionCache()

    def ensure(self) -> None:
        """Create the registry index when it does not exist yet."""
        if self._call(lambda: self.client.indices.exists(index=self.index), retry=True):
            return
        try:
            self._call(
                lambda: self.client.indices.create(
                    index=self.index,
                    settings={"index": {"number_of_shards": 1, "number_of_replicas": 0}},
                    mappings={"dynamic": False, "properties": {}},
                )
            )
        except BackendError as error:
            cause = error.__cause__
            if cause is None or not is_bad_request(cause) or "resource_already_exists" not in str(cause):
                raise

    def register(self, sets: Iterable[Permissions]) -> None:
        """Store the sets the registry lacks; searchable when this returns."""
        fresh = {perms.id: perms for perms in sets if perms.id not in self.cache.known}
        if not fresh:
            return
        body: list[dict] = []
        for perm_id, perms in fresh.items():
            body.append({"index": {"_index": self.index, "_id": perm_id}})
            body.append({"permissions": perms.to_json()})
        response = self._call(lambda: self.client.bulk(operations=body, refresh=True), retry=True)
        if response.get("errors"):
            failed = [item for item in response["items"] if item["index"].get("status", 500) >= 300]
            raise BackendError(f"Suchserver: Berechtigungssätze konnten nicht gespeichert werden ({failed[0]}).")
        self.cache.remember(fresh)

    def filter_for(self, principals: Sequence[str]) -> dict[str, Any]:
        """The filter clause that keeps only documents `principals` may read."""
        if not principals:
            return es_filter(FIELD, [])
        version = self._call(lambda: self.client.count(index=self.index))["count"]
        return es_filter(FIELD, self.cache.visible(principals, version, self._load))

    def _load(self) -> list[Permissions]:
        try:
            return [
                Permissions.from_json(hit["_source"]["permissions"])
                for hit in scan(self.client, self.index, {"query": {"match_all": {}}}, size=5000)
            ]
        except Exception as error:  # noqa: BLE001 - every client failure ends as a BackendError
            raise BackendError("Suchserver: Berechtigungssätze nicht lesbar.") from error


def upgrade_source(source: dict) -> tuple[dict, Permissions]:
    """A stored document of an index without permission sets, with its `perm_id`."""
    perms = permissions(source.get("allow") or (), source.get("deny") or (), source.get("require") or ())
    return {**source, FIELD: perms.id}, perms
