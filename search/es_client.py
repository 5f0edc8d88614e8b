"""The search-server backend's connection: the client, retries with back-off, bulk writes.

The client is the `elasticsearch` one or, for OpenSearch, `OpenSearchClient` (the same
calls over `opensearch-py`); `dialect` holds what the two engines' requests differ in.

Writes are bulk requests in batches (by count and bytes), retried with exponential
back-off on connection errors and overload (429/503). When the retries are used up a
BackendError says why; the crawl then stops without marking the batch indexed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from elasticsearch import Elasticsearch
from opensearchpy import OpenSearch

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.search.backend import BackendError
from aktenlotse.search.engine_dialect import dialect_for
from aktenlotse.search.es_errors import is_transient, translate
from aktenlotse.search.es_index import IndexSpec, load_spec
from aktenlotse.search.es_permissions import EsPermissionRegistry
from aktenlotse.search.opensearch_client import OpenSearchClient
from aktenlotse.search.server_client import ServerClient
from aktenlotse.text.analysis import GermanAnalyzer

log = logging.getLogger(__name__)

MAX_WINDOW = 10_000  # Elasticsearch's default index.max_result_window
BULK_MAX_BYTES = 20_000_000

# One bulk operation: the action line and its source (None for a delete).
Operation = tuple[dict[str, Any], dict[str, Any] | None]


def make_client(config: ElasticsearchConfig) -> ServerClient:
    """The client for `config` (engine, URLs, user/password or API key, CA, timeouts)."""
    if config.ca_cert is not None:
        plain = [url for url in config.urls if not url.startswith("https://")]
        if plain:
            raise BackendError(
                f"{config.section}.ca_cert ist gesetzt, aber {', '.join(plain)} ist keine https://-Adresse."
            )
    if config.engine == "opensearch":
        return _opensearch_client(config)
    options: dict[str, Any] = {
        "request_timeout": config.timeout_s,
        # Our own loop retries with back-off; the transport only fails over between nodes.
        "max_retries": max(0, len(config.urls) - 1),
        "retry_on_timeout": False,
    }
    if config.api_key:
        options["api_key"] = config.api_key
    elif config.username:
        options["basic_auth"] = (config.username, config.password)
    if config.ca_cert is not None:
        options["ca_certs"] = str(config.ca_cert)
    if not config.verify_certs:
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    try:
        return Elasticsearch(list(config.urls), **options)
    except ValueError as error:
        raise BackendError(f"index.elasticsearch: ungültige Verbindungsangaben ({error}).") from error


def _opensearch_client(config: ElasticsearchConfig) -> OpenSearchClient:
    options: dict[str, Any] = {
        "timeout": config.timeout_s,
        "max_retries": max(0, len(config.urls) - 1),  # as above: our loop retries
        "retry_on_timeout": False,
    }
    if config.username:
        options["http_auth"] = (config.username, config.password)
    if config.ca_cert is not None:
        options["ca_certs"] = str(config.ca_cert)
    if not config.verify_certs:
        options.update(verify_certs=False, ssl_show_warn=False, ssl_assert_hostname=False)
    try:
        return OpenSearchClient(OpenSearch(list(config.urls), **options))
    except ValueError as error:
        raise BackendError(f"index.opensearch: ungültige Verbindungsangaben ({error}).") from error


class EsIndexClient:
    """The client for one alias, and the calls every part of the backend makes through it.
    `refresh=True` makes every write visible to searches when the call returns (like the
    embedded index); `False` leaves it to the index's refresh interval (faster bulk loads)."""

    index: str  # the versioned index behind the alias (set once it is ensured)

    def __init__(
        self,
        config: ElasticsearchConfig,
        analyzer: GermanAnalyzer | None = None,
        *,
        refresh: bool = True,
        client: ServerClient | None = None,
        spec: IndexSpec | None = None,
        backoff_s: float = 0.5,
    ):
        self.config = config
        self.alias = config.index
        self.analyzer = analyzer or GermanAnalyzer()
        self.refresh = refresh
        self.backoff_s = backoff_s
        self.dialect = dialect_for(config.engine)
        self.spec = self.dialect.index_spec(spec or load_spec())
        self.client = client or make_client(config)
        self._vector_field_ready = False  # see EsWrites._ensure_vector_field
        self.permissions = EsPermissionRegistry(self.client, self.alias, self._call)

    def _error(self, error: BaseException) -> BackendError:
        return translate(error, self.config)

    def _call(self, action: Callable[[], Any], retry: bool = False) -> Any:
        """Run one client call; transient failures are retried with back-off when
        `retry`, every failure ends as a BackendError."""
        attempts = self.config.max_retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                return action()
            except BackendError:
                raise
            except Exception as error:  # noqa: BLE001 - every client failure becomes a BackendError
                if retry and is_transient(error):
                    if attempt + 1 < attempts:
                        self._sleep(attempt, error)
                        continue
                    if attempts == 1:
                        raise self._error(error) from error
                    raise BackendError(f"{self._error(error)} Aufgegeben nach {attempts} Versuchen.") from error
                raise self._error(error) from error
        raise AssertionError("unreachable")

    def _mget(self, ids: list[str], **options: Any) -> Any:
        """One multi-get on the alias (real-time, retried)."""
        return self._call(lambda: self.client.mget(index=self.alias, ids=ids, **options), retry=True)

    def _bulk_once(self, body: list[dict[str, Any]]) -> Any:
        """One bulk request as it is, retried as a whole on transient failures."""
        return self._call(lambda: self.client.bulk(operations=body, refresh=self.refresh), retry=True)

    def _search(self, body: dict[str, Any], retry: bool = False) -> Any:
        """One search request on the alias."""
        return self._call(lambda: self.client.search(index=self.alias, **body), retry=retry)

    def _sleep(self, attempt: int, error: BaseException) -> None:
        pause = min(30.0, self.backoff_s * (2**attempt))
        log.warning("%s; neuer Versuch in %.1f s", self._error(error), pause)
        time.sleep(pause)

    def close(self) -> None:
        """Close the client's connections."""
        with suppress(Exception):  # closing never fails for the caller
            self.client.close()

    def _bulk(self, operations: list[Operation]) -> None:
        """One bulk request; items refused for overload and transient failures are retried
        with back-off; any other refused item is a BackendError naming the document."""
        pending = operations
        last_error: BaseException | None = None
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                self._sleep(attempt - 1, last_error or BackendError(f"{self.config.engine_name} überlastet"))
            body: list[dict[str, Any]] = []
            for action, source in pending:
                body.append(action)
                if source is not None:
                    body.append(source)
            try:
                response = self.client.bulk(operations=body, refresh=self.refresh)
            except Exception as error:  # noqa: BLE001 - translated below
                if is_transient(error):
                    last_error = error
                    continue
                raise self._error(error) from error
            if not response.get("errors"):
                return
            retry = self._refused(pending, response["items"], self.config.engine_name)
            if not retry:
                return
            pending = retry
            last_error = BackendError(
                f"{self.config.engine_name} überlastet ({len(retry)} Dokumente abgewiesen, HTTP 429/503)"
            )
        failure = (
            self._error(last_error)
            if last_error is not None
            else BackendError(f"{self.config.engine_name}: Schreiben fehlgeschlagen")
        )
        raise BackendError(f"{failure} Aufgegeben nach {self.config.max_retries + 1} Versuchen.") from last_error

    @staticmethod
    def _refused(pending: list[Operation], items: list[dict[str, Any]], engine: str) -> list[Operation]:
        """The operations to send again (overload); raises for any other refused item."""
        retry: list[Operation] = []
        for operation, item in zip(pending, items, strict=True):
            ((op_type, result),) = item.items()
            status = result.get("status", 500)
            if status < 300 or (status == 404 and op_type in ("delete", "update")):
                continue
            if status in (429, 502, 503, 504):
                retry.append(operation)
                continue
            reason = result.get("error", {})
            text = f"{reason.get('type', '')}: {reason.get('reason', '')}" if isinstance(reason, dict) else str(reason)
            raise BackendError(f"{engine} lehnte Dokument {result.get('_id')!r} ab (HTTP {status}: {text[:300]}).")
        return retry

    def _ids_matching(self, query: dict[str, Any], limit: int | None) -> list[str]:
        """Ids of the documents matching `query` in id order (search_after pages)."""
        ids: list[str] = []
        after: list[Any] | None = None
        while limit is None or len(ids) < limit:
            size = 5000 if limit is None else min(5000, limit - len(ids))
            body: dict[str, Any] = {"query": query, "size": size, "sort": [{"id": "asc"}], "_source": False}
            if after is not None:
                body["search_after"] = after
            response = self._search(body, retry=True)
            hits = response["hits"]["hits"]
            ids.extend(hit["_id"] for hit in hits)
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        return ids
