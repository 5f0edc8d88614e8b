"""The Elasticsearch index layout: versioned settings/mappings from `index_config/`, the
alias in front of the versioned index, creation and migration.

`aktenlotse` (the configured name) is always an alias; the data lives in
`aktenlotse-v<N>`. When the mapping changes, N goes up: opening the backend creates the
new index, copies the documents over (client-side scan + bulk, so no reindex module is
needed) and moves the alias in one atomic step. The old index stays until an admin
deletes it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aktenlotse.search.backend import BackendError
from aktenlotse.search.es_errors import is_bad_request, is_not_found, status_of
from aktenlotse.search.server_client import ServerClient, scan

log = logging.getLogger(__name__)

SPEC_PREFIX = "documents-v"
_VERSIONED = re.compile(r"^(?P<alias>.+)-v(?P<version>\d+)$")


@dataclass(frozen=True)
class IndexSpec:
    version: int
    settings: dict[str, Any]
    mappings: dict[str, Any]


def load_spec(version: int | None = None) -> IndexSpec:
    """The index spec of `version` (default: the newest JSON in index_config/)."""
    folder = resources.files("aktenlotse.index_config")
    found: dict[int, Any] = {}
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(SPEC_PREFIX) and name.endswith(".json"):
            found[int(name[len(SPEC_PREFIX) : -5])] = entry
    if not found:
        raise BackendError("Keine Index-Definition (index_config/documents-v*.json) gefunden.")
    chosen = max(found) if version is None else version
    data = json.loads(found[chosen].read_text(encoding="utf-8"))
    return IndexSpec(int(data["version"]), data["settings"], data["mappings"])


def versioned_name(alias: str, version: int) -> str:
    return f"{alias}-v{version}"


def version_of(index: str, alias: str) -> int | None:
    match = _VERSIONED.match(index)
    if match and match.group("alias") == alias:
        return int(match.group("version"))
    return None


def mapping_conflicts(actual: dict[str, Any], expected: dict[str, Any], prefix: str = "") -> list[str]:
    """German descriptions of fields whose type (or analyzer) differs; missing fields are
    not conflicts (they can be added)."""
    problems: list[str] = []
    actual_props = actual.get("properties", {})
    for name, want in expected.get("properties", {}).items():
        have = actual_props.get(name)
        if have is None:
            continue
        field = prefix + name
        want_type = want.get("type", "object")
        have_type = have.get("type", "object")
        if want_type != have_type:
            problems.append(f"Feld {field!r} ist {have_type!r}, erwartet {want_type!r}")
            continue
        if want_type == "text" and want.get("analyzer", "standard") != have.get("analyzer", "standard"):
            problems.append(
                f"Feld {field!r} hat den Analyzer {have.get('analyzer', 'standard')!r},"
                f" erwartet {want.get('analyzer')!r}"
            )
        if "properties" in want:
            problems.extend(mapping_conflicts(have, want, field + "."))
    return problems


def missing_fields(actual: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Top-level properties of `expected` the index does not have yet."""
    have = actual.get("properties", {})
    return {name: spec for name, spec in expected.get("properties", {}).items() if name not in have}


def ensure_index(
    client: ServerClient, alias: str, spec: IndexSpec, upgrade: Callable[[int, dict], dict] | None = None
) -> str:
    """Make `alias` point at the index of `spec.version`, creating or migrating it.
    Returns the concrete index name. Raises BackendError for layouts it must not touch."""
    target = versioned_name(alias, spec.version)
    try:
        current = sorted(client.indices.get_alias(name=alias))
    except Exception as error:  # noqa: BLE001 - only "no such alias" is expected
        if not is_not_found(error):
            raise
        current = []
    if current:
        if current == [target]:
            _check_mapping(client, target, spec)
            return target
        versions = {index: version_of(index, alias) for index in current}
        foreign = [index for index, version in versions.items() if version is None]
        if foreign:
            raise BackendError(
                f"Der Alias {alias!r} zeigt auf {', '.join(foreign)}, nicht auf einen Aktenlotse-Index "
                f"({target}); index.elasticsearch.index ändern oder den Alias entfernen."
            )
        newer = [index for index, version in versions.items() if version and version > spec.version]
        if newer:
            raise BackendError(
                f"Der Index {newer[0]} ist neuer als diese Aktenlotse-Version (Mapping v{spec.version}); "
                "bitte Aktenlotse aktualisieren."
            )
        migrate(client, alias, current, target, spec, upgrade)
        return target
    if client.indices.exists(index=alias):
        conflicts = mapping_conflicts(_mapping_of(client, alias), spec.mappings)
        detail = ("; ".join(conflicts[:5])) if conflicts else "kein Versions-Alias"
        raise BackendError(
            f"Auf dem Suchserver gibt es schon einen Index {alias!r} mit älterem oder fremdem Mapping ({detail}). "
            f"Aktenlotse braucht den Alias {alias!r} vor {target}: den alten Index löschen oder umbenennen "
            "(der nächste Crawl indiziert alles neu) oder index.elasticsearch.index ändern."
        )
    if client.indices.exists(index=target):
        _check_mapping(client, target, spec)  # created, but the alias step did not happen
        client.indices.put_alias(index=target, name=alias)
        return target
    try:
        client.indices.create(index=target, settings=spec.settings, mappings=spec.mappings, aliases={alias: {}})
    except Exception as error:  # noqa: BLE001 - only "created meanwhile" is expected
        if not is_bad_request(error) or "resource_already_exists" not in str(error):
            raise
        # Another process created it at the same moment.
        return ensure_index(client, alias, spec, upgrade)
    return target


def _mapping_of(client: ServerClient, index: str) -> dict[str, Any]:
    response = client.indices.get_mapping(index=index)
    return next(iter(response.values()))["mappings"]


def _check_mapping(client: ServerClient, index: str, spec: IndexSpec) -> None:
    actual = _mapping_of(client, index)
    conflicts = mapping_conflicts(actual, spec.mappings)
    if conflicts:
        raise BackendError(
            f"Das Mapping des Index {index!r} passt nicht zu dieser Aktenlotse-Version: {'; '.join(conflicts[:5])}. "
            f"Index löschen (der nächste Crawl indiziert alles neu) oder mit neuer Mapping-Version migrieren."
        )
    missing = missing_fields(actual, spec.mappings)
    if missing:
        client.indices.put_mapping(index=index, properties=missing)


def migrate(
    client: ServerClient,
    alias: str,
    old_indices: list[str],
    target: str,
    spec: IndexSpec,
    upgrade: Callable[[int, dict], dict] | None = None,
) -> int:
    """Copy every document of `old_indices` into `target` (created here) and move `alias`
    to it atomically. Returns the number of documents copied."""
    if not client.indices.exists(index=target):
        client.indices.create(index=target, settings=spec.settings, mappings=spec.mappings)
    copied = 0
    errors: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []

    def write() -> None:
        try:
            response = client.bulk(operations=batch)
        except Exception as error:  # noqa: BLE001 - an answer of the server is a failed migration
            if status_of(error) is None:
                raise
            raise BackendError(f"Migration nach {target} fehlgeschlagen: {error}") from error
        if response.get("errors"):
            errors.extend(item["index"] for item in response["items"] if item["index"].get("status", 500) >= 300)
        batch.clear()

    for index in old_indices:
        version = version_of(index, alias) or 0
        for hit in scan(client, index, {"query": {"match_all": {}}}, size=500):
            source = hit["_source"]
            if upgrade is not None:
                source = upgrade(version, source)
            copied += 1
            batch.extend([{"index": {"_index": target, "_id": hit["_id"]}}, source])
            if len(batch) >= 1000:
                write()
    if batch:
        write()
    if errors:
        first = errors[0]
        raise BackendError(
            f"Migration nach {target} fehlgeschlagen: {len(errors)} Dokumente passen nicht ins neue Mapping "
            f"(z. B. {json.dumps(first, ensure_ascii=False, default=str)[:300]}). Der Alias {alias!r} zeigt weiter auf "
            f"{', '.join(old_indices)}."
        )
    client.indices.refresh(index=target)
    actions_ = [{"remove": {"index": index, "alias": alias}} for index in old_indices]
    actions_.append({"add": {"index": target, "alias": alias}})
    client.indices.update_aliases(actions=actions_)
    log.warning(
        "Suchserver: %d Dokumente von %s nach %s migriert; Alias %s umgestellt. Der alte Index kann gelöscht werden.",
        copied,
        ", ".join(old_indices),
        target,
        alias,
    )
    return copied
