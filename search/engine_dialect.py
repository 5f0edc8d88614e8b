"""What Elasticsearch and OpenSearch do differently in the requests themselves: the vector
field, the kNN query and the BM25F query of a token. Everything else (mappings of the other fields, query building,
facets, trimming filters, snippets, fusion) is the same request on both.

Elasticsearch: `dense_vector` (cosine, its default int8-quantized HNSW), found by the
top-level `knn` search with the filter on the parent document and one inner hit for the
best chunk. OpenSearch: `knn_vector` of the k-NN plugin with the Lucene engine's HNSW
and scalar quantization (`sq`, the engine the plugin's Java build carries), inside a
`nested` query whose kNN filter is the parent's; the index needs `index.knn`. A
`knn_vector` needs its dimension in the mapping, so the field is added when the first
vectors come (`vector_mapping`), not when the index is made.

Words are ranked by BM25F over the title and the text with the title weighted
TITLE_WEIGHT times, like FTS5's bm25() in the embedded index. Elasticsearch has that as
the `combined_fields` query. OpenSearch forked before it, and its `cross_fields` scores
each field on its own, which ranks quite differently; so OpenSearch documents carry one
more field, `weighted_terms`: the title's tokens TITLE_WEIGHT times and then the text's,
and a plain `term` query on it is exactly BM25F (the weighted term frequency and the
weighted length are what `combined_fields` computes).

Both engines score cosine neighbours as (1 + cos) / 2 (Lucene's cosine similarity), so
the ranking after the query is shared.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from aktenlotse.search.backend_common import TITLE_WEIGHT, weighted_token_stream
from aktenlotse.search.es_index import IndexSpec

VECTOR_FIELD = "chunks.vector"
CHUNK_FIELDS = ["chunks.start", "chunks.end"]
TOKEN_FIELDS = ("title_terms", "terms")
WEIGHTED_FIELD = "weighted_terms"


@dataclass(frozen=True)
class KnnRequest:
    vector: list[float]
    k: int
    num_candidates: int
    filter: dict[str, Any]  # a bool query on the parent document
    source: list[str]


class ElasticsearchDialect:
    name = "elasticsearch"

    def index_spec(self, spec: IndexSpec) -> IndexSpec:
        return spec  # index_config/ is written in Elasticsearch's terms

    def vector_mapping(self, dimension: int) -> dict[str, Any] | None:
        """The mapping to add before the first vectors are written (None: already there)."""
        return None

    def token_query(self, token: str) -> dict[str, Any]:
        """One token of our own token stream over the weighted token fields: BM25F."""
        fields = [f"title_terms^{TITLE_WEIGHT:g}", "terms"]
        return {"combined_fields": {"query": token, "fields": fields}}

    def with_derived_fields(self, source: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
        """`source` (a document or a partial update) with the fields this engine derives."""
        return source

    def stored_fields_for_derived(self) -> list[str]:
        """What a partial update must read to derive the fields again."""
        return []

    def knn_body(self, request: KnnRequest) -> dict[str, Any]:
        knn = {
            "field": VECTOR_FIELD,
            "query_vector": request.vector,
            "k": request.k,
            "num_candidates": request.num_candidates,
            "filter": {"bool": request.filter},
            "inner_hits": {"size": 1, "_source": False, "fields": CHUNK_FIELDS},
        }
        return {"knn": knn, "size": request.k, "_source": request.source}


MIN_OPENSEARCH = (2, 16)  # the Lucene engine's scalar quantization; nested kNN with a parent filter


class OpenSearchDialect:
    name = "opensearch"

    def index_spec(self, spec: IndexSpec) -> IndexSpec:
        mappings = copy.deepcopy(spec.mappings)
        chunks = mappings["properties"]["chunks"]["properties"]
        chunks.pop("vector", None)  # added with its dimension by vector_mapping
        # Frequencies and norms are all BM25 needs; phrases use the two token fields.
        mappings["properties"][WEIGHTED_FIELD] = {
            "type": "text",
            "analyzer": "whitespace",
            "norms": True,
            "index_options": "freqs",
        }
        settings = copy.deepcopy(spec.settings)
        settings.setdefault("index", {})["knn"] = True
        return IndexSpec(spec.version, settings, mappings)

    def vector_mapping(self, dimension: int) -> dict[str, Any] | None:
        vector = {
            "type": "knn_vector",
            "dimension": dimension,
            "space_type": "cosinesimil",
            "method": {"name": "hnsw", "engine": "lucene", "parameters": {"encoder": {"name": "sq"}}},
        }
        return {"chunks": {"type": "nested", "properties": {"vector": vector}}}

    def token_query(self, token: str) -> dict[str, Any]:
        return {"term": {WEIGHTED_FIELD: token}}

    def with_derived_fields(self, source: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
        if not any(field in source for field in TOKEN_FIELDS):
            return source
        title, text = (source.get(field, stored.get(field)) or "" for field in TOKEN_FIELDS)
        return {**source, WEIGHTED_FIELD: weighted_token_stream(title, text)}

    def stored_fields_for_derived(self) -> list[str]:
        return list(TOKEN_FIELDS)

    def knn_body(self, request: KnnRequest) -> dict[str, Any]:
        knn = {
            VECTOR_FIELD: {
                "vector": request.vector,
                "k": request.k,
                "filter": {"bool": request.filter},
                "method_parameters": {"ef_search": request.num_candidates},  # like num_candidates
            }
        }
        nested = {
            "path": "chunks",
            "score_mode": "max",
            "query": {"knn": knn},
            "inner_hits": {"size": 1, "_source": False, "fields": CHUNK_FIELDS},
        }
        return {"query": {"nested": nested}, "size": request.k, "_source": request.source}


Dialect = ElasticsearchDialect | OpenSearchDialect


def dialect_for(engine: str) -> Dialect:
    return OpenSearchDialect() if engine == "opensearch" else ElasticsearchDialect()
