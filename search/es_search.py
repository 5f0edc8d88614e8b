"""The search-server backend's search: full text, semantic (kNN over chunk vectors),
hybrid, and spelling suggestions.

Security trimming is part of every query: a `terms` filter on `perm_id` with the
permission sets the caller may read (`es_permissions`, `visibility.es_filter`), also
inside the kNN filter and the facet aggregations. Nothing is filtered after
Elasticsearch answered. Snippets are built here from the stored text with the shared
`hit_snippet`, so they match the embedded backend's exactly.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from typing import Any

from aktenlotse.search import completion, es_completion, spelling
from aktenlotse.search.backend import BackendError, Hit, Hits, Query
from aktenlotse.search.backend_common import NOTICE_NO_VECTORS, QueryPlan, hit_snippet, plan_query
from aktenlotse.search.engine_dialect import KnnRequest
from aktenlotse.search.es_client import MAX_WINDOW, EsIndexClient
from aktenlotse.search.es_errors import is_bad_request
from aktenlotse.search.es_query import (
    FACET_SOURCE,
    HIT_FIELDS,
    Ranked,
    above_floor,
    excluded_clauses,
    facet_aggs,
    facets_from_aggs,
    facets_from_sources,
    first_number,
    lexical_clauses,
    query_filters,
    sort,
)
from aktenlotse.search.hybrid import fuse
from aktenlotse.search.query_parser import ParsedQuery, parse_query
from aktenlotse.search.snippets import SCAN_CHARS

log = logging.getLogger(__name__)

SEMANTIC_K = 100  # candidates for semantic and hybrid ranking (documents): latency vs. recall
HYBRID_LEXICAL = 200  # lexical candidates fused in hybrid mode
SPELLING_FIELDS = ("terms", "title_terms")
SPELLING_DOCS = 50  # readable documents whose fuzzy matches are read as candidates


class EsSearch(EsIndexClient):
    """Every trimmed read that runs a query."""

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of a raw query (what `search` runs)."""
        return parse_query(text, self.analyzer)

    def search(self, query: Query, principals: Sequence[str]) -> Hits:
        """Search trimmed to `principals` in the query's mode; never raises for odd query
        text. Semantic/hybrid need `query.vector` and fall back to full text without it."""
        plan = plan_query(query, principals, self.analyzer)
        if not plan.principals:
            return Hits(total=0, hits=[], facets={}, notices=plan.notices)
        if plan.mode != "fulltext":
            result = self._vector_search(query, plan)
            if result is not None:
                result.notices = plan.notices + result.notices
                return result
            plan.notices.append(NOTICE_NO_VECTORS)
        if plan.parsed.is_empty and not plan.browse:
            return Hits(total=0, hits=[], facets={}, notices=plan.notices)
        return self._fulltext(query, plan)

    # full text

    def _fulltext(self, query: Query, plan: QueryPlan) -> Hits:
        bool_query = self._visibility(query, plan)
        if not plan.browse:
            bool_query["should"] = lexical_clauses(plan.parsed, self.dialect)
            bool_query["minimum_should_match"] = 1
        body: dict[str, Any] = {
            "query": {"bool": bool_query},
            "from": min(plan.offset, MAX_WINDOW),
            "size": max(0, min(plan.limit, MAX_WINDOW - plan.offset)),
            "track_total_hits": True,
            "_source": HIT_FIELDS,
            "sort": sort(plan.browse or query.sort == "date"),
            "track_scores": True,
        }
        if query.facets:
            body["aggs"] = facet_aggs(query.folder)
        response = self._search(body)
        hits = [
            self._hit(h["_source"], 0.0 if plan.browse else float(h.get("_score") or 0.0), plan.parsed)
            for h in response["hits"]["hits"]
        ]
        facets = facets_from_aggs(response.get("aggregations", {})) if query.facets else {}
        return Hits(total=response["hits"]["total"]["value"], hits=hits, facets=facets, notices=plan.notices)

    def _visibility(self, query: Query, plan: QueryPlan, with_filters: bool = True) -> dict[str, Any]:
        """The bool query parts every mode shares: permission sets, filters (unless
        `with_filters` is false), excluded words."""
        filters: list[dict[str, Any]] = [self.permissions.filter_for(plan.principals)]
        if with_filters:
            filters.extend(query_filters(query))
        must_not: list[dict[str, Any]] = []
        for term in plan.parsed.excluded:
            must_not.extend(excluded_clauses(term))
        return {"filter": filters, "must_not": must_not}

    def _knn_filter(self, query: Query, plan: QueryPlan) -> dict[str, Any]:
        # Permissions and excluded words only (facet filters come after the kNN), and no
        # 0-byte file: it has nothing to be near to, only its name, which the full text finds.
        bool_query = self._visibility(query, plan, with_filters=False)
        bool_query["must_not"] = [
            *bool_query["must_not"],
            {"bool": {"filter": [{"term": {"kind": "file"}}, {"term": {"size": 0}}]}},
        ]
        return bool_query

    def _hit(
        self,
        src: dict[str, Any],
        score: float,
        parsed: ParsedQuery,
        span: tuple[int, int] | None = None,
        lexical_match: bool = False,
    ) -> Hit:
        text = src.get("text") or ""
        chunk = (text[span[0] : span[1]], span[0]) if span is not None and span[1] > span[0] else None
        return Hit(
            id=src["id"],
            path=src.get("path", ""),
            title=src.get("title") or "",
            score=score,
            snippet=hit_snippet(
                text[:SCAN_CHARS] or src.get("title") or "", parsed, self.analyzer, chunk, lexical_match
            ),
            source=src.get("source", ""),
            display_path=src.get("display_path") or "",
            file_type=src.get("file_type") or "",
            size=int(src.get("size") or 0),
            modified=src.get("modified"),
            kind=src.get("kind") or "file",
            extra=src.get("extra") or {},
        )

    # semantic and hybrid

    def _vector_search(self, query: Query, plan: QueryPlan) -> Hits | None:
        vector = [float(x) for x in query.vector or ()]
        norm = math.sqrt(sum(x * x for x in vector))
        if not vector or not math.isfinite(norm) or norm == 0:
            return None
        visibility = self._visibility(query, plan)
        k = min(MAX_WINDOW, max(SEMANTIC_K, plan.offset + plan.limit))
        # The nearest documents are chosen WITHOUT the facet filters, which are applied to
        # them afterwards: a facet count then equals the hits after picking that value
        # (inside the kNN filter they would pull in other documents and move the floor).
        request = KnnRequest(
            vector=vector,
            k=k,
            num_candidates=min(MAX_WINDOW, max(k + k // 2, 100)),
            filter=self._knn_filter(query, plan),
            source=FACET_SOURCE,
        )
        try:
            response = self.client.search(index=self.alias, **self.dialect.knn_body(request))
        except Exception as error:  # noqa: BLE001
            if is_bad_request(error):
                # No vectors yet (no vector field or no dimension) or vectors of another model.
                log.info("kNN not possible: %s", error)
                return None
            raise self._error(error) from error
        ranked: list[Ranked] = []
        chunks: dict[str, tuple[int, int]] = {}
        for hit in response["hits"]["hits"]:
            cosine = 2.0 * float(hit["_score"]) - 1.0  # both engines score cosine as (1 + cos) / 2
            ranked.append((hit["_id"], cosine, hit["_source"]))
            inner = hit.get("inner_hits", {}).get("chunks", {}).get("hits", {}).get("hits", [])
            if inner:
                fields = inner[0].get("fields", {})
                start, end = first_number(fields, "start"), first_number(fields, "end")
                if start is not None and end is not None:
                    chunks[hit["_id"]] = (start, end)
        if not ranked and not self._has_vectors():
            return None
        above = above_floor(ranked)
        filters = query_filters(query)
        if filters and ranked:
            candidates = {"ids": {"values": [doc_id for doc_id, _, _ in ranked]}}
            kept = set(
                self._ids_matching({"bool": {**visibility, "filter": [*visibility["filter"], candidates]}}, len(ranked))
            )
            above = [row for row in above if row[0] in kept]  # the floor stays where the unfiltered set put it
            ranked = [row for row in ranked if row[0] in kept]
        if plan.mode == "semantic":
            page_ids = [(doc_id, score) for doc_id, score, _ in above[plan.offset : plan.offset + plan.limit]]
            facets = facets_from_sources([src for _, _, src in above], query.folder) if query.facets else {}
            hits = self._page_hits(page_ids, plan.parsed, chunks, lexical=set())
            return Hits(total=len(above), hits=hits, facets=facets, notices=[])
        return self._hybrid(query, plan, visibility, ranked, above, chunks)

    def _hybrid(
        self,
        query: Query,
        plan: QueryPlan,
        visibility: dict[str, Any],
        ranked: list[Ranked],
        above: list[Ranked],
        chunks: dict[str, tuple[int, int]],
    ) -> Hits:
        parsed, offset, limit = plan.parsed, plan.offset, plan.limit
        above_ids = [doc_id for doc_id, _, _ in above]
        lexical_query = (
            {"bool": {**visibility, "should": lexical_clauses(parsed, self.dialect), "minimum_should_match": 1}}
            if not parsed.is_empty
            else None
        )
        should: list[dict[str, Any]] = [{"ids": {"values": above_ids}}]
        if lexical_query is not None:
            should.append({"bool": {"should": lexical_clauses(parsed, self.dialect)}})
        union = {"bool": {**visibility, "should": should, "minimum_should_match": 1}}
        searches: list[dict[str, Any]] = []
        if lexical_query is not None:
            searches += [
                {"index": self.alias},
                {
                    "query": lexical_query,
                    "size": max(HYBRID_LEXICAL, offset + limit),
                    "_source": False,
                    "sort": sort(False),
                    "track_scores": True,
                },
            ]
        count_body: dict[str, Any] = {"query": union, "size": 0, "track_total_hits": True}
        if query.facets:
            count_body["aggs"] = facet_aggs(query.folder)
        searches += [{"index": self.alias}, count_body]
        response = self._call(lambda: self.client.msearch(searches=searches))
        for part in response["responses"]:
            if "error" in part:
                raise BackendError(f"{self.config.engine_name} lehnte die Suche ab: {json.dumps(part['error'])[:300]}")
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
        hits = self._page_hits(fused[offset : offset + limit], parsed, chunks, lexical=lexical_ids)
        facets = facets_from_aggs(counted.get("aggregations", {})) if query.facets else {}
        return Hits(total=counted["hits"]["total"]["value"], hits=hits, facets=facets, notices=[])

    def _page_hits(
        self, page: list[tuple[str, float]], parsed: ParsedQuery, chunks: dict[str, tuple[int, int]], lexical: set[str]
    ) -> list[Hit]:
        if not page:
            return []
        ids = [doc_id for doc_id, _ in page]
        found = self._call(lambda: self.client.mget(index=self.alias, ids=ids, source_includes=HIT_FIELDS))
        sources = {hit["_id"]: hit["_source"] for hit in found["docs"] if hit.get("found")}
        return [
            self._hit(sources[doc_id], score, parsed, chunks.get(doc_id), doc_id in lexical)
            for doc_id, score in page
            if doc_id in sources
        ]

    def _has_vectors(self) -> bool:
        response = self._call(lambda: self.client.count(index=self.alias, query={"exists": {"field": "vector_model"}}))
        return bool(response["count"] > 0)

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
        visible = self.permissions.filter_for(principals)

        def readable(term: str) -> bool:
            should = [{"term": {f: term}} for f in SPELLING_FIELDS]
            query = {"bool": {"filter": [visible], "should": should, "minimum_should_match": 1}}
            return bool(self._call(lambda: self.client.count(index=self.alias, query=query))["count"] > 0)

        def candidates(word: str) -> set[str]:
            fuzzy = [
                {"fuzzy": {f: {"value": word, "fuzziness": 2, "prefix_length": 1, "max_expansions": 100}}}
                for f in SPELLING_FIELDS
            ]
            fragments = {"type": "unified", "fragment_size": 1, "number_of_fragments": 20}
            body: dict[str, Any] = {
                "query": {"bool": {"filter": [visible], "should": fuzzy, "minimum_should_match": 1}},
                "size": SPELLING_DOCS,
                "_source": False,
                "highlight": {"fields": {f: fragments for f in SPELLING_FIELDS}},
            }
            found: set[str] = set()
            for hit in self._search(body)["hits"]["hits"]:
                for highlighted in hit.get("highlight", {}).values():
                    for fragment in highlighted:
                        # Default tags: <em>term</em> (the token stream has no "<").
                        found.update(part.split("</em>", 1)[0] for part in fragment.split("<em>")[1:])
            return found

        return spelling.suggest(text, self.analyzer, readable, candidates, limit)

    def completions(self, prefix: str, principals: Sequence[str], limit: int = 8) -> list[str]:
        """Words starting with `prefix` from documents `principals` may read, most frequent
        among those first (see `es_completion`); [] for input with nothing searchable."""
        return completion.complete(prefix, principals, limit, self._readable_terms)

    def _readable_terms(self, principals: list[str], term_prefix: str, limit: int) -> tuple[list[str], dict[str, str]]:
        """The completion terms `principals` may read and their spellings (`completion.complete`)."""
        visible = self.permissions.filter_for(principals)

        def msearch(searches: list[dict[str, Any]]) -> Any:
            return self._call(lambda: self.client.msearch(searches=searches))

        found = [
            term
            for term, _ in es_completion.readable_completions(
                self._search, msearch, self.alias, visible, term_prefix, limit
            )
        ]
        texts = es_completion.readable_texts(msearch, self.alias, visible, found)
        return found, completion.surface_forms(texts, found, self._words)

    def _words(self, text: str) -> list[str]:
        return [word for _, _, word in self.analyzer.iter_words(text)]
