"""The Elasticsearch backend: the same Backend seam as the embedded index, for scale-out.

- Layout: one document per item behind the alias `index.elasticsearch.index` (see
  `es_index`; settings/mappings in index_config/documents-v<N>.json). `terms` and
  `title_terms` hold our own German token stream, indexed with the built-in whitespace
  analyzer (BM25, title weighted 4:1 like the embedded index), so no analysis plugin is
  needed. Keyword fields carry the folder hierarchy (`folder_path`: every ancestor
  folder, for the prefix filter), file type, year, source, principals and the enrichment
  keywords / Aktenplan codes for facets. Chunk embeddings are nested under `chunks`.
- Security trimming is part of every query: a `terms` filter on `perm_id` with the
  permission sets the caller may read (`es_permissions`, `visibility.es_filter`), also
  inside the kNN filter and the facet aggregations. Nothing is filtered after
  Elasticsearch answered.
- Writes are bulk requests in batches (by count and bytes), retried with exponential
  back-off on connection errors and overload (429/503). When the retries are used up a
  BackendError says why; the crawl then stops without marking the batch indexed.
- Snippets are built here from the stored text with `make_snippet`, so they match the
  embedded backend's exactly.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, helpers

from aktenlotse.core.config import ElasticsearchConfig
from aktenlotse.core.records import Document, document_year
from aktenlotse.core.visibility import Permissions, of_item
from aktenlotse.search import spelling
from aktenlotse.search.backend import BackendError, ChunkVectors, FieldUpdate, Hit, Hits, Query
from aktenlotse.search.es_errors import is_transient, translate
from aktenlotse.search.es_index import IndexSpec, ensure_index, load_spec
from aktenlotse.search.es_permissions import EsPermissionRegistry, upgrade_source
from aktenlotse.search.facet_values import facet_values
from aktenlotse.search.query_parser import ParsedQuery, QueryTerm, parse_query
from aktenlotse.search.snippets import SCAN_CHARS, make_snippet
from aktenlotse.search.vector_store import content_key
from aktenlotse.text.analysis import GermanAnalyzer

log = logging.getLogger(__name__)

TITLE_WEIGHT = 4.0
MAX_LIMIT = 1000
FACET_SIZE = 20
MAX_WINDOW = 10_000
BULK_MAX_BYTES = 20_000_000
SEMANTIC_K = 100  # candidates for semantic and hybrid ranking (documents): latency vs. recall
HYBRID_LEXICAL = 200  # lexical candidates fused in hybrid mode
SEMANTIC_FLOOR = 0.2  # as in the embedded backend: cosine floor and band below the best
SEMANTIC_BAND = 0.25

NOTICE_NO_QUERY_VECTOR = "Für die Suche nach Bedeutung fehlt die Einbettung der Anfrage; es wurde im Volltext gesucht."
NOTICE_NO_VECTORS = "Für die Suche nach Bedeutung sind noch keine Vektoren berechnet; es wurde im Volltext gesucht."

# What a result list needs from _source (never the vectors or the token streams).
_HIT_FIELDS = [
    "id",
    "path",
    "title",
    "text",
    "source",
    "display_path",
    "file_type",
    "size",
    "modified",
    "kind",
    "extra",
]
_FACET_FIELDS = {
    "file_type": "file_type",
    "year": "year",
    "folder": "top_folder",
    "source": "source",
    "keywords": "keywords",
    "aktenplan": "aktenplan",
}
_DOC_FIELDS = (
    "id",
    "source",
    "path",
    "kind",
    "parent_id",
    "title",
    "text",
    "terms",
    "title_terms",
    "author",
    "created",
    "modified",
    "year",
    "content_type",
    "file_type",
    "size",
    "language",
    "pages",
    "content_hash",
    "display_path",
)


SPELLING_FIELDS = ("terms", "title_terms")
SPELLING_DOCS = 50  # readable documents whose fuzzy matches are read as candidates


def _folder_path(folder: str) -> list[str]:
    """Every ancestor folder of `folder` including itself: 'a/b' -> ['a', 'a/b']."""
    if not folder:
        return []
    parts = folder.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def make_client(config: ElasticsearchConfig) -> Elasticsearch:
    """The official client for `config` (URLs, user/password or API key, CA, timeouts)."""
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
        plain = [url for url in config.urls if not url.startswith("https://")]
        if plain:
            raise BackendError(
                f"index.elasticsearch.ca_cert ist gesetzt, aber {', '.join(plain)} ist keine https://-Adresse."
            )
        options["ca_certs"] = str(config.ca_cert)
    if not config.verify_certs:
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    try:
        return Elasticsearch(list(config.urls), **options)
    except ValueError as error:
        raise BackendError(f"index.elasticsearch: ungültige Verbindungsangaben ({error}).") from error


class ElasticsearchBackend:
    """Backend over an Elasticsearch index (alias + versioned index). `refresh=True`
    makes every write visible to searches when the call returns (like the embedded
    index); `False` leaves it to the index's refresh interval (faster bulk loads)."""

    def __init__(
        self,
        config: ElasticsearchConfig,
        analyzer: GermanAnalyzer | None = None,
        *,
        refresh: bool = True,
        client: Elasticsearch | None = None,
        spec: IndexSpec | None = None,
        backoff_s: float = 0.5,
        upgrade: Callable[[int, dict], dict] | None = None,
    ):
        self.config = config
        self.alias = config.index
        self.analyzer = analyzer or GermanAnalyzer()
        self.refresh = refresh
        self.backoff_s = backoff_s
        self.spec = spec or load_spec()
        self.client = client or make_client(config)
        self.permissions = EsPermissionRegistry(self.client, self.alias, self._call)
        self.permissions.ensure()
        migrated: dict[str, Permissions] = {}

        def with_permission_set(version: int, source: dict) -> dict:
            if upgrade is not None:
                source = upgrade(version, source)
            if "perm_id" not in source:
                source, perms = upgrade_source(source)
                migrated[perms.id] = perms
            return source

        self.index = self._call(
            lambda: ensure_index(self.client, self.alias, self.spec, with_permission_set), retry=True
        )
        self.permissions.register(migrated.values())
        self._add_missing_permission_sets()

    # -- plumbing --

    def _error(self, error: BaseException) -> BackendError:
        return translate(error, self.config.urls, self.alias, self.config.timeout_s)

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

    def _sleep(self, attempt: int, error: BaseException) -> None:
        pause = min(30.0, self.backoff_s * (2**attempt))
        log.warning("Elasticsearch: %s; neuer Versuch in %.1f s", self._error(error), pause)
        time.sleep(pause)

    def close(self) -> None:
        """Close the client's connections."""
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing never fails for the caller
            pass

    def __enter__(self) -> ElasticsearchBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --

    def _source(self, doc: Document) -> dict[str, Any]:
        folder = doc.folder
        keywords, aktenplan = facet_values(doc.extra)
        source = {name: getattr(doc, name) for name in _DOC_FIELDS}
        source.update(
            terms=doc.terms or self.analyzer.terms(doc.text),
            title_terms=doc.title_terms or self.analyzer.terms(doc.title),
            year=document_year(doc),
            folder=folder,
            top_folder=folder.split("/", 1)[0],
            folder_path=_folder_path(folder),
            allow=list(dict.fromkeys(doc.allow)),
            deny=list(dict.fromkeys(doc.deny)),
            require=[list(clause) for clause in doc.require],
            perm_id=of_item(doc).id,
            extra=json.loads(json.dumps(doc.extra, ensure_ascii=False, default=str)),
            keywords=keywords,
            aktenplan=aktenplan,
        )
        return source

    def upsert(self, docs: Sequence[Document]) -> None:
        """Insert or replace documents by id (bulk, in batches); their chunk vectors stay
        when the content is unchanged. Durable (translog) and, with `refresh`, searchable
        on return."""
        if not docs:
            return
        unique = list({doc.id: doc for doc in docs}.values())
        self.permissions.register(of_item(doc) for doc in unique)  # before any document names them
        for batch in self._batches(unique):
            sources = {doc.id: self._source(doc) for doc in batch}
            self._keep_vectors(batch, sources)
            self._bulk(
                [({"index": {"_index": self.alias, "_id": doc_id}}, source) for doc_id, source in sources.items()]
            )

    def _batches(self, docs: list[Document]) -> Iterable[list[Document]]:
        batch: list[Document] = []
        size = 0
        for doc in docs:
            weight = 2 * (len(doc.text) + len(doc.terms) + len(doc.title)) + 2000
            if batch and (len(batch) >= self.config.bulk_size or size + weight > BULK_MAX_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(doc)
            size += weight
        if batch:
            yield batch

    def _keep_vectors(self, batch: list[Document], sources: dict[str, dict]) -> None:
        """Carry stored chunk vectors over to the new version of a document whose content
        did not change (a move, a permission change)."""
        ids = list(sources)
        found = self._call(
            lambda: self.client.mget(index=self.alias, ids=ids, source_includes=["vector_model", "vector_key"]),
            retry=True,
        )
        keys = {doc.id: content_key(doc.content_hash, doc.title, doc.text) for doc in batch}
        keep = [
            hit["_id"]
            for hit in found["docs"]
            if hit.get("found")
            and hit["_source"].get("vector_model")
            and hit["_source"].get("vector_key") == keys[hit["_id"]]
        ]
        if not keep:
            return
        stored = self._call(
            lambda: self.client.mget(
                index=self.alias, ids=keep, source_includes=["vector_model", "vector_key", "chunks"]
            ),
            retry=True,
        )
        for hit in stored["docs"]:
            if hit.get("found") and hit["_source"].get("vector_key") == keys[hit["_id"]]:
                src = hit["_source"]
                sources[hit["_id"]].update(
                    vector_model=src["vector_model"], vector_key=src["vector_key"], chunks=src.get("chunks", [])
                )

    def _bulk(self, operations: list[tuple[dict, dict | None]]) -> None:
        """One bulk request; items refused for overload and transient failures are retried
        with back-off; any other refused item is a BackendError naming the document."""
        pending = operations
        last_error: BaseException | None = None
        for attempt in range(self.config.max_retries + 1):
            if attempt:
                self._sleep(attempt - 1, last_error or BackendError("Elasticsearch überlastet"))
            body: list[dict] = []
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
            retry: list[tuple[dict, dict | None]] = []
            for operation, item in zip(pending, response["items"]):
                ((op_type, result),) = item.items()
                status = result.get("status", 500)
                if status < 300 or (status == 404 and op_type in ("delete", "update")):
                    continue
                if status in (429, 502, 503, 504):
                    retry.append(operation)
                    continue
                reason = result.get("error", {})
                text = (
                    f"{reason.get('type', '')}: {reason.get('reason', '')}" if isinstance(reason, dict) else str(reason)
                )
                raise BackendError(
                    f"Elasticsearch lehnte Dokument {result.get('_id')!r} ab (HTTP {status}: {text[:300]})."
                )
            if not retry:
                return
            pending = retry
            last_error = BackendError(f"Elasticsearch überlastet ({len(retry)} Dokumente abgewiesen, HTTP 429/503)")
        error = (
            self._error(last_error)
            if last_error is not None
            else BackendError("Elasticsearch: Schreiben fehlgeschlagen")
        )
        raise BackendError(f"{error} Aufgegeben nach {self.config.max_retries + 1} Versuchen.") from last_error

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), self.config.bulk_size):
            chunk = unique[start : start + self.config.bulk_size]
            self._bulk([({"delete": {"_index": self.alias, "_id": doc_id}}, None) for doc_id in chunk])

    def _add_missing_permission_sets(self) -> None:
        """Documents written before permission sets existed (an index that had the field
        added in place) get theirs now; until then they are visible to nobody."""
        query = {"bool": {"must_not": [{"exists": {"field": "perm_id"}}]}}
        if not self._call(lambda: self.client.count(index=self.alias, query=query), retry=True)["count"]:
            return
        operations = []
        sets: dict[str, Permissions] = {}
        for hit in helpers.scan(
            self.client, index=self.alias, query={"query": query, "_source": ["allow", "deny", "require"]}, size=1000
        ):
            _, perms = upgrade_source(hit["_source"])
            sets[perms.id] = perms
            operations.append(({"update": {"_index": self.alias, "_id": hit["_id"]}}, {"doc": {"perm_id": perms.id}}))
        self.permissions.register(sets.values())
        for start in range(0, len(operations), self.config.bulk_size):
            self._bulk(operations[start : start + self.config.bulk_size])
        log.warning("Elasticsearch: %d Dokumente bekamen ihren Berechtigungssatz.", len(operations))

    def set_permissions(
        self,
        ids: Sequence[str],
        perms: Permissions,
        acl: tuple[Sequence[str], Sequence[str], Sequence[Sequence[str]]] | None = None,
    ) -> None:
        """Crawl only: `perms` becomes the permission set of `ids` (partial updates; unknown
        ids are ignored); `acl` (allow, deny, require) replaces the stored ACL, None keeps it."""
        unique = list(dict.fromkeys(ids))
        if not unique:
            return
        self.permissions.register([perms])
        partial: dict[str, Any] = {"perm_id": perms.id}
        if acl is not None:
            partial.update(
                allow=list(dict.fromkeys(acl[0])),
                deny=list(dict.fromkeys(acl[1])),
                require=[list(clause) for clause in acl[2]],
            )
        for start in range(0, len(unique), self.config.bulk_size):
            chunk = unique[start : start + self.config.bulk_size]
            self._bulk([({"update": {"_index": self.alias, "_id": doc_id}}, {"doc": partial}) for doc_id in chunk])

    def update_fields(self, updates: Sequence[FieldUpdate]) -> list[str]:
        """Second passes: partial updates that never touch permissions, refused when the
        stored content key differs from the expected one. Each write is conditional on the
        version read (if_seq_no), so a crawl's write in between is re-checked, not lost."""
        pending = {update.doc_id: update for update in updates}
        done: list[str] = []
        for _attempt in range(5):
            if not pending:
                break
            ids = list(pending)
            found = self._call(
                lambda: self.client.mget(
                    index=self.alias, ids=ids, source_includes=["content_hash", "title", "text", "extra"]
                ),
                retry=True,
            )
            body: list[dict] = []
            order: list[str] = []
            for hit in found["docs"]:
                update = pending.get(hit["_id"])
                if update is None or not hit.get("found"):
                    pending.pop(hit["_id"], None)
                    continue
                src = hit["_source"]
                if (
                    content_key(src.get("content_hash"), src.get("title") or "", src.get("text") or "")
                    != update.expected_content_key
                ):
                    pending.pop(hit["_id"])
                    continue
                body.append(
                    {
                        "update": {
                            "_index": self.alias,
                            "_id": hit["_id"],
                            "if_seq_no": hit["_seq_no"],
                            "if_primary_term": hit["_primary_term"],
                        }
                    }
                )
                body.append({"doc": self._partial(update, src.get("extra") or {})})
                order.append(hit["_id"])
            if not body:
                break
            response = self._call(lambda: self.client.bulk(operations=body, refresh=self.refresh), retry=True)
            for doc_id, item in zip(order, response["items"]):
                status = item["update"].get("status", 500)
                if status < 300:
                    done.append(doc_id)
                    pending.pop(doc_id)
                elif status == 404:
                    pending.pop(doc_id)
                elif status != 409:  # 409: written meanwhile; read again and re-check
                    raise BackendError(f"Elasticsearch lehnte die Aktualisierung von {doc_id!r} ab (HTTP {status}).")
        return done

    def _partial(self, update: FieldUpdate, stored_extra: dict) -> dict[str, Any]:
        partial: dict[str, Any] = {k: v for k, v in update.fields.items() if k != "extra"}
        if "text" in partial and "terms" not in partial:
            partial["terms"] = self.analyzer.terms(partial["text"])
        if "text" in partial:  # vectors of the old text are stale; the embedding pass redoes them
            partial.update(vector_model=None, vector_key=None, chunks=[])
        if "extra" in update.fields:
            extra = dict(stored_extra)
            for key, value in update.fields["extra"].items():
                if value is None:
                    extra.pop(key, None)
                else:
                    extra[key] = value
            # A partial `doc` merges objects key by key and could not remove a key: replace it whole.
            partial["extra"] = json.loads(json.dumps(extra, ensure_ascii=False, default=str))
            partial["keywords"], partial["aktenplan"] = facet_values(extra)
        return partial

    def upsert_vectors(self, items: Sequence[ChunkVectors]) -> None:
        """Store chunk vectors as nested chunks of their documents (partial updates, so
        they share the document's principals and filters). Vectors of documents that are
        gone are dropped; an item with no vectors marks the document as done."""
        if not items:
            return
        by_id = {item.doc_id: item for item in items}
        ids = list(by_id)
        keys: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found = self._call(
                lambda: self.client.mget(index=self.alias, ids=part, source_includes=["content_hash", "title", "text"]),
                retry=True,
            )
            for hit in found["docs"]:
                if hit.get("found"):
                    src = hit["_source"]
                    keys[hit["_id"]] = content_key(
                        src.get("content_hash"), src.get("title") or "", src.get("text") or ""
                    )
        operations = []
        for doc_id, item in by_id.items():
            if doc_id not in keys or (item.content_key is not None and item.content_key != keys[doc_id]):
                continue  # gone, or its text changed while the vectors were computed
            chunks = [
                {"start": int(span[0]), "end": int(span[1]), "vector": [float(x) for x in vector]}
                for vector, span in zip(item.vectors, item.spans)
                if len(vector) and all(math.isfinite(float(x)) for x in vector)
            ]
            partial = {"vector_model": item.model, "vector_key": keys[doc_id], "chunks": chunks}
            operations.append(({"update": {"_index": self.alias, "_id": doc_id}}, {"doc": partial}))
        for start in range(0, len(operations), max(1, self.config.bulk_size // 4)):
            self._bulk(operations[start : start + max(1, self.config.bulk_size // 4)])

    def ids_without_vectors(self, model: str, limit: int) -> list[str]:
        """Up to `limit` ids (by id) without vectors of `model`; not security-trimmed."""
        query = {"bool": {"must_not": [{"term": {"vector_model": model}}]}}
        return self._ids_matching(query, max(0, int(limit)))

    def _ids_matching(self, query: dict, limit: int | None) -> list[str]:
        ids: list[str] = []
        after: list | None = None
        while limit is None or len(ids) < limit:
            size = 5000 if limit is None else min(5000, limit - len(ids))
            body: dict[str, Any] = {"query": query, "size": size, "sort": [{"id": "asc"}], "_source": False}
            if after is not None:
                body["search_after"] = after
            response = self._call(lambda: self.client.search(index=self.alias, **body), retry=True)
            hits = response["hits"]["hits"]
            ids.extend(hit["_id"] for hit in hits)
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        return ids

    # -- reads --

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of a raw query (what `search` runs)."""
        return parse_query(text, self.analyzer)

    def search(self, query: Query, principals: Sequence[str]) -> Hits:
        """Search trimmed to `principals` in the query's mode; never raises for odd query
        text. Semantic/hybrid need `query.vector` and fall back to full text without it."""
        parsed = self.parse(query.text)
        notices = list(parsed.notices)
        browse = not query.text.strip()
        mode = query.mode if query.mode in ("semantic", "hybrid") and not browse else "fulltext"
        if mode != "fulltext" and not query.vector:
            notices.append(NOTICE_NO_QUERY_VECTOR)
            mode = "fulltext"
        principals = list(dict.fromkeys(principals))
        if not principals:
            return Hits(total=0, hits=[], facets={}, notices=notices)
        limit = max(0, min(query.limit, MAX_LIMIT))
        offset = max(0, query.offset)
        if mode != "fulltext":
            result = self._vector_search(query, parsed, principals, mode, offset, limit)
            if result is not None:
                result.notices = notices + result.notices
                return result
            notices.append(NOTICE_NO_VECTORS)
        if parsed.is_empty and not browse:
            return Hits(total=0, hits=[], facets={}, notices=notices)
        return self._fulltext(query, parsed, principals, browse, offset, limit, notices)

    # full text

    def _fulltext(
        self,
        query: Query,
        parsed: ParsedQuery,
        principals: list[str],
        browse: bool,
        offset: int,
        limit: int,
        notices: list[str],
    ) -> Hits:
        bool_query = self._visibility(query, principals, parsed)
        if not browse:
            bool_query["should"] = _lexical_clauses(parsed)
            bool_query["minimum_should_match"] = 1
        sort_by_date = browse or query.sort == "date"
        size = max(0, min(limit, MAX_WINDOW - offset))
        body: dict[str, Any] = {
            "query": {"bool": bool_query},
            "from": min(offset, MAX_WINDOW),
            "size": size,
            "track_total_hits": True,
            "_source": _HIT_FIELDS,
            "sort": _sort(sort_by_date),
            "track_scores": True,
        }
        if query.facets:
            body["aggs"] = _facet_aggs()
        response = self._call(lambda: self.client.search(index=self.alias, **body))
        hits = [
            self._hit(h["_source"], 0.0 if browse else float(h.get("_score") or 0.0), parsed)
            for h in response["hits"]["hits"]
        ]
        facets = _facets_from_aggs(response.get("aggregations", {})) if query.facets else {}
        return Hits(total=response["hits"]["total"]["value"], hits=hits, facets=facets, notices=notices)

    def _visibility(
        self, query: Query, principals: list[str], parsed: ParsedQuery, with_filters: bool = True
    ) -> dict[str, Any]:
        """The bool query parts every mode shares: permission sets, filters (unless
        `with_filters` is false), excluded words."""
        filters: list[dict] = [self.permissions.filter_for(principals)]
        if with_filters:
            filters.extend(_query_filters(query))
        must_not: list[dict] = []
        for term in parsed.excluded:
            must_not.extend(_excluded_clauses(term))
        return {"filter": filters, "must_not": must_not}

    def _knn_filter(self, query: Query, principals: list[str], parsed: ParsedQuery) -> dict[str, Any]:
        # Permissions and excluded words only (facet filters come after the kNN), and no
        # 0-byte file: it has nothing to be near to, only its name, which the full text finds.
        bool_query = self._visibility(query, principals, parsed, with_filters=False)
        bool_query["must_not"] = [
            *bool_query["must_not"],
            {"bool": {"filter": [{"term": {"kind": "file"}}, {"term": {"size": 0}}]}},
        ]
        return bool_query

    def _hit(
        self,
        src: dict,
        score: float,
        parsed: ParsedQuery,
        chunk: tuple[int, int] | None = None,
        lexical_match: bool = False,
    ) -> Hit:
        text = src.get("text") or ""
        snippet = None
        if chunk is not None and chunk[1] > chunk[0]:
            snippet = make_snippet(text[chunk[0] : chunk[1]], parsed, self.analyzer)
            if chunk[0] > 0 and not snippet.startswith("…"):
                snippet = "… " + snippet
            if lexical_match and "<mark>" not in snippet:
                snippet = None  # the words are elsewhere in the text: show them there
        if snippet is None:
            snippet = make_snippet(text[:SCAN_CHARS] or src.get("title") or "", parsed, self.analyzer)
        return Hit(
            id=src["id"],
            path=src.get("path", ""),
            title=src.get("title") or "",
            score=score,
            snippet=snippet,
            source=src.get("source", ""),
            display_path=src.get("display_path") or "",
            file_type=src.get("file_type") or "",
            size=int(src.get("size") or 0),
            modified=src.get("modified"),
            kind=src.get("kind") or "file",
            extra=src.get("extra") or {},
        )

    # semantic and hybrid

    def _vector_search(
        self, query: Query, parsed: ParsedQuery, principals: list[str], mode: str, offset: int, limit: int
    ) -> Hits | None:
        vector = [float(x) for x in query.vector or ()]
        norm = math.sqrt(sum(x * x for x in vector))
        if not vector or not math.isfinite(norm) or norm == 0:
            return None
        visibility = self._visibility(query, principals, parsed)
        k = min(MAX_WINDOW, max(SEMANTIC_K, offset + limit))
        # The nearest documents are chosen WITHOUT the facet filters, which are applied to
        # them afterwards: a facet count then equals the hits after picking that value
        # (inside the kNN filter they would pull in other documents and move the floor).
        knn = {
            "field": "chunks.vector",
            "query_vector": vector,
            "k": k,
            "num_candidates": min(MAX_WINDOW, max(k + k // 2, 100)),
            "filter": {"bool": self._knn_filter(query, principals, parsed)},
            "inner_hits": {"size": 1, "_source": False, "fields": ["chunks.start", "chunks.end"]},
        }
        body = {"knn": knn, "size": k, "_source": ["id", *_FACET_FIELDS.values()]}
        try:
            response = self.client.search(index=self.alias, **body)
        except BadRequestError as error:
            # No vectors yet (the field has no dimension) or vectors of another model.
            log.info("kNN not possible: %s", error)
            return None
        except Exception as error:  # noqa: BLE001
            raise self._error(error) from error
        ranked: list[tuple[str, float, dict]] = []
        chunks: dict[str, tuple[int, int]] = {}
        for hit in response["hits"]["hits"]:
            cosine = 2.0 * float(hit["_score"]) - 1.0  # ES scores cosine as (1 + cos) / 2
            ranked.append((hit["_id"], cosine, hit["_source"]))
            inner = hit.get("inner_hits", {}).get("chunks", {}).get("hits", {}).get("hits", [])
            if inner:
                fields = inner[0].get("fields", {})
                start = _first_number(fields, "start")
                end = _first_number(fields, "end")
                if start is not None and end is not None:
                    chunks[hit["_id"]] = (start, end)
        if not ranked and not self._has_vectors():
            return None
        above = _above_floor(ranked)
        filters = _query_filters(query)
        if filters and ranked:
            candidates = {"ids": {"values": [doc_id for doc_id, _, _ in ranked]}}
            kept = set(
                self._ids_matching({"bool": {**visibility, "filter": [*visibility["filter"], candidates]}}, len(ranked))
            )
            above = [row for row in above if row[0] in kept]  # the floor stays where the unfiltered set put it
            ranked = [row for row in ranked if row[0] in kept]
        if mode == "semantic":
            page_ids = [(doc_id, score) for doc_id, score, _ in above[offset : offset + limit]]
            facets = _facets_from_sources([src for _, _, src in above]) if query.facets else {}
            hits = self._page_hits(page_ids, parsed, chunks, lexical=set())
            return Hits(total=len(above), hits=hits, facets=facets, notices=[])
        return self._hybrid(query, parsed, visibility, ranked, above, chunks, offset, limit)

    def _hybrid(
        self,
        query: Query,
        parsed: ParsedQuery,
        visibility: dict,
        ranked: list,
        above: list,
        chunks: dict[str, tuple[int, int]],
        offset: int,
        limit: int,
    ) -> Hits:
        from aktenlotse.search.hybrid import fuse

        above_ids = [doc_id for doc_id, _, _ in above]
        lexical_query = (
            {"bool": {**visibility, "should": _lexical_clauses(parsed), "minimum_should_match": 1}}
            if not parsed.is_empty
            else None
        )
        union = {"bool": {**visibility, "should": [{"ids": {"values": above_ids}}], "minimum_should_match": 1}}
        if lexical_query is not None:
            union["bool"]["should"].append({"bool": {"should": _lexical_clauses(parsed)}})
        searches: list[dict] = []
        if lexical_query is not None:
            searches += [
                {"index": self.alias},
                {
                    "query": lexical_query,
                    "size": max(HYBRID_LEXICAL, offset + limit),
                    "_source": False,
                    "sort": _sort(False),
                    "track_scores": True,
                },
            ]
        count_body: dict[str, Any] = {"query": union, "size": 0, "track_total_hits": True}
        if query.facets:
            count_body["aggs"] = _facet_aggs()
        searches += [{"index": self.alias}, count_body]
        response = self._call(lambda: self.client.msearch(searches=searches))
        for part in response["responses"]:
            if "error" in part:
                raise BackendError(f"Elasticsearch lehnte die Suche ab: {json.dumps(part['error'])[:300]}")
        lexical = []
        if lexical_query is not None:
            lexical = [(h["_id"], float(h.get("_score") or 0.0)) for h in response["responses"][0]["hits"]["hits"]]
        counted = response["responses"][-1]
        lexical_ids = {doc_id for doc_id, _ in lexical}
        wanted = set(above_ids) | lexical_ids
        fused = [
            (doc_id, score)
            for doc_id, score in fuse(lexical, [(d, s) for d, s, _ in ranked], len(wanted) + len(ranked))
            if doc_id in wanted
        ]
        page = fused[offset : offset + limit]
        hits = self._page_hits(page, parsed, chunks, lexical=lexical_ids)
        facets = _facets_from_aggs(counted.get("aggregations", {})) if query.facets else {}
        return Hits(total=counted["hits"]["total"]["value"], hits=hits, facets=facets, notices=[])

    def _page_hits(
        self, page: list[tuple[str, float]], parsed: ParsedQuery, chunks: dict[str, tuple[int, int]], lexical: set[str]
    ) -> list[Hit]:
        if not page:
            return []
        ids = [doc_id for doc_id, _ in page]
        found = self._call(lambda: self.client.mget(index=self.alias, ids=ids, source_includes=_HIT_FIELDS))
        sources = {hit["_id"]: hit["_source"] for hit in found["docs"] if hit.get("found")}
        return [
            self._hit(sources[doc_id], score, parsed, chunks.get(doc_id), doc_id in lexical)
            for doc_id, score in page
            if doc_id in sources
        ]

    def _has_vectors(self) -> bool:
        response = self._call(lambda: self.client.count(index=self.alias, query={"exists": {"field": "vector_model"}}))
        return response["count"] > 0

    # spelling

    def spelling_suggestions(self, text: str, principals: Sequence[str], limit: int = 3) -> list[str]:
        """Spelling variants of a query that found nothing, from the words of documents
        `principals` may read only (see `search.spelling`): the known-word test is a count
        of readable documents holding the term, and candidates are the terms a fuzzy query
        matched in readable documents (read back from the highlighter), so no term of a
        hidden document can take part."""
        principals = list(dict.fromkeys(principals))
        if not principals:
            return []
        visible = self._visible_filter(principals)

        def readable(term: str) -> bool:
            query = {
                "bool": {
                    "filter": [visible],
                    "should": [{"term": {f: term}} for f in SPELLING_FIELDS],
                    "minimum_should_match": 1,
                }
            }
            return self._call(lambda: self.client.count(index=self.alias, query=query))["count"] > 0

        def candidates(word: str) -> set[str]:
            fuzzy = [
                {"fuzzy": {f: {"value": word, "fuzziness": 2, "prefix_length": 1, "max_expansions": 100}}}
                for f in SPELLING_FIELDS
            ]
            body = {
                "query": {"bool": {"filter": [visible], "should": fuzzy, "minimum_should_match": 1}},
                "size": SPELLING_DOCS,
                "_source": False,
                "highlight": {
                    "fields": {
                        f: {"type": "unified", "fragment_size": 1, "number_of_fragments": 20} for f in SPELLING_FIELDS
                    }
                },
            }
            response = self._call(lambda: self.client.search(index=self.alias, **body))
            found: set[str] = set()
            for hit in response["hits"]["hits"]:
                for fragments in hit.get("highlight", {}).values():
                    for fragment in fragments:
                        # Default tags: <em>term</em> (the token stream has no "<").
                        found.update(part.split("</em>", 1)[0] for part in fragment.split("<em>")[1:])
            return found

        return spelling.suggest(text, self.analyzer, readable, candidates, limit)

    def _visible_filter(self, principals: list[str]) -> dict[str, Any]:
        """The visibility rule as one filter clause (what `search` and `get` apply too)."""
        return self.permissions.filter_for(principals)

    # single documents and maintenance

    def get(self, doc_id: str, principals: Sequence[str]) -> Document | None:
        """The document, or None when it is missing or not visible to `principals`."""
        principals = list(dict.fromkeys(principals))
        if not principals or not doc_id:  # Elasticsearch refuses an empty id outright
            return None
        body = {
            "query": {"bool": {"filter": [{"ids": {"values": [doc_id]}}, self.permissions.filter_for(principals)]}},
            "size": 1,
            "_source": {"excludes": ["chunks"]},
        }
        response = self._call(lambda: self.client.search(index=self.alias, **body))
        hits = response["hits"]["hits"]
        return _document(hits[0]["_source"]) if hits else None

    def fetch(self, ids: Sequence[str]) -> list[Document]:
        """Documents by id (real-time), NOT security-trimmed: only for the crawler's
        re-indexing of moved files and changed permissions. Unknown ids are skipped."""
        documents: list[Document] = []
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found = self._call(
                lambda: self.client.mget(index=self.alias, ids=part, source_excludes=["chunks"]), retry=True
            )
            documents.extend(_document(hit["_source"]) for hit in found["docs"] if hit.get("found"))
        return documents

    def ids(self) -> set[str]:
        """All document ids (not security-trimmed; for maintenance and tests)."""
        try:
            return {
                hit["_id"]
                for hit in helpers.scan(
                    self.client, index=self.alias, query={"query": {"match_all": {}}, "_source": False}, size=5000
                )
            }
        except Exception as error:  # noqa: BLE001
            raise self._error(error) from error

    def stats(self) -> dict:
        """Document count, vectors per model, index size, where it lives."""
        documents = self._call(lambda: self.client.count(index=self.alias))["count"]
        vectors_response = self._call(
            lambda: self.client.search(
                index=self.alias,
                size=0,
                aggs={
                    "models": {"terms": {"field": "vector_model", "size": 20}},
                },
            )
        )
        vectors = {
            b["key"]: {"documents": b["doc_count"]} for b in vectors_response["aggregations"]["models"]["buckets"]
        }
        index_stats = self._call(lambda: self.client.indices.stats(index=self.alias, metric="store"))
        size = index_stats.get("_all", {}).get("total", {}).get("store", {}).get("size_in_bytes", 0)
        return {
            "backend": "elasticsearch",
            "urls": list(self.config.urls),
            "alias": self.alias,
            "index": self.index,
            "documents": documents,
            "vectors": vectors,
            "size_bytes": size,
        }

    def server_version(self) -> str:
        """The cluster's version number (for `aktenlotse check`)."""
        nodes = self._call(lambda: self.client.nodes.info(node_id="_local", metric="_none"))
        for node in nodes.get("nodes", {}).values():
            return str(node.get("version", "?"))
        return "?"


# -- query building --------------------------------------------------------------------


def _token_query(token: str) -> dict:
    # BM25F over both token fields with the title weighted like the embedded index's bm25().
    return {"combined_fields": {"query": token, "fields": [f"title_terms^{TITLE_WEIGHT:g}", "terms"]}}


def _term_query(term: QueryTerm) -> dict:
    if term.prefix:
        return {
            "bool": {
                "should": [
                    {"prefix": {"title_terms": {"value": term.variants[0], "boost": TITLE_WEIGHT}}},
                    {"prefix": {"terms": {"value": term.variants[0]}}},
                ]
            }
        }
    alternatives = [_token_query(v) for v in term.variants if v]
    if len(term.parts) >= 2:
        alternatives.append({"bool": {"must": [_token_query(p) for p in term.parts]}})
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives}}


def _phrase_query(terms: Sequence[QueryTerm]) -> dict:
    # Like the FTS5 NEAR(): a word brings several tokens (surface, lemma, parts), so its
    # neighbour may sit a few positions further on, in either order.
    room = sum(len(t.variants) + len(t.parts) + 2 for t in terms[:-1])
    clauses = []
    for field, boost in (("title_terms", TITLE_WEIGHT), ("terms", 1.0)):
        clauses.append(
            {
                "span_near": {
                    "clauses": [{"span_term": {field: t.variants[0]}} for t in terms],
                    "slop": room,
                    "in_order": False,
                    "boost": boost,
                }
            }
        )
    return {"bool": {"should": clauses}}


def _lexical_clauses(parsed: ParsedQuery) -> list[dict]:
    return [_term_query(t) for t in parsed.terms] + [_phrase_query(p.terms) for p in parsed.phrases]


def _excluded_clauses(term: QueryTerm) -> list[dict]:
    if term.prefix:
        return [{"prefix": {field: term.variants[0]}} for field in ("terms", "title_terms")]
    return [{"terms": {field: list(term.variants)}} for field in ("terms", "title_terms")]


def _sort(by_date: bool) -> list:
    if by_date:
        return [{"modified": {"order": "desc", "missing": "_last"}}, {"_score": "desc"}, {"id": "asc"}]
    return [{"_score": "desc"}, {"id": "asc"}]


def _query_filters(query: Query) -> list[dict]:
    """The user's facet filters (folder, type, year, source, keywords, Aktenplan)."""
    filters: list[dict] = []
    folder = (query.folder or "").strip("/")
    if folder:
        filters.append({"term": {"folder_path": folder}})
    for field, values in (
        ("file_type", query.file_types),
        ("year", query.years),
        ("source", query.sources),
        ("keywords", query.keywords),
        ("aktenplan", query.aktenplan),
    ):
        if values:
            filters.append({"terms": {field: list(values)}})
    return filters


def _facet_aggs() -> dict:
    return {
        name: {
            "terms": {
                "field": field,
                "size": FACET_SIZE,
                "exclude": [""] if field != "year" else [],
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
        for name, field in _FACET_FIELDS.items()
    }


def _facets_from_aggs(aggs: dict) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {}
    for name in _FACET_FIELDS:
        buckets = aggs.get(name, {}).get("buckets", [])
        counts = [(str(b["key"]), int(b["doc_count"])) for b in buckets if str(b["key"]) != ""]
        facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
    return facets


def _facets_from_sources(sources: list[dict]) -> dict[str, list[tuple[str, int]]]:
    facets: dict[str, list[tuple[str, int]]] = {}
    for name, field in _FACET_FIELDS.items():
        counts: dict[str, int] = {}
        for src in sources:
            value = src.get(field)
            for each in value if isinstance(value, list) else [value]:
                if each not in (None, ""):
                    counts[str(each)] = counts.get(str(each), 0) + 1
        facets[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
    return facets


def _above_floor(ranked: list[tuple[str, float, dict]]) -> list[tuple[str, float, dict]]:
    if not ranked:
        return []
    best = max(score for _, score, _ in ranked)
    floor = max(SEMANTIC_FLOOR, best - SEMANTIC_BAND)
    return [row for row in ranked if row[1] >= floor]


def _first_number(fields: dict, name: str) -> int | None:
    # Nested inner-hit fields come back as {"chunks": [{"start": [n], "end": [m]}]}.
    for item in fields.get("chunks", []):
        values = item.get(name)
        if values:
            return int(values[0])
    value = fields.get(f"chunks.{name}")
    return int(value[0]) if value else None


def _document(src: dict) -> Document:
    values = {name: src.get(name) for name in _DOC_FIELDS}
    for name in ("title", "text", "terms", "title_terms", "display_path", "file_type"):
        values[name] = values[name] or ""
    values["kind"] = values["kind"] or "file"
    values["size"] = int(values["size"] or 0)
    values["allow"] = tuple(src.get("allow") or ())
    values["deny"] = tuple(src.get("deny") or ())
    values["require"] = tuple(tuple(clause) for clause in src.get("require") or ())
    values["extra"] = src.get("extra") or {}
    return Document(**values)
