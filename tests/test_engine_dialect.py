"""What the two search-server engines' requests differ in (pure; the real servers are in
test_search_server_backend.py)."""

from __future__ import annotations

from aktenlotse.search.engine_dialect import ElasticsearchDialect, KnnRequest, OpenSearchDialect
from aktenlotse.search.es_index import load_spec


def test_opensearch_index_has_knn_and_the_weighted_field_but_no_vector_yet():
    spec = OpenSearchDialect().index_spec(load_spec())
    assert spec.settings["index"]["knn"] is True
    assert "vector" not in spec.mappings["properties"]["chunks"]["properties"]
    assert spec.mappings["properties"]["weighted_terms"]["index_options"] == "freqs"
    # The shared description is not changed by it.
    assert "vector" in load_spec().mappings["properties"]["chunks"]["properties"]
    assert ElasticsearchDialect().index_spec(load_spec()) == load_spec()


def test_weighted_terms_repeat_the_title_as_often_as_its_weight():
    dialect = OpenSearchDialect()
    source = dialect.with_derived_fields({"title_terms": "bauantrag", "terms": "garage birkenallee"}, {})
    assert source["weighted_terms"] == "bauantrag bauantrag bauantrag bauantrag garage birkenallee"
    # A partial update of the text takes the stored title.
    partial = dialect.with_derived_fields({"terms": "neu"}, {"title_terms": "titel", "terms": "alt"})
    assert partial["weighted_terms"] == "titel titel titel titel neu"
    # Untouched token fields: nothing derived, nothing overwritten.
    assert dialect.with_derived_fields({"keywords": ["x"]}, {"terms": "alt"}) == {"keywords": ["x"]}
    assert dialect.with_derived_fields({"title_terms": "", "terms": "nur text"}, {})["weighted_terms"] == "nur text"
    assert ElasticsearchDialect().with_derived_fields({"terms": "a"}, {}) == {"terms": "a"}


def test_knn_request_shapes():
    request = KnnRequest(vector=[1.0, 0.0], k=10, num_candidates=15, filter={"filter": []}, source=["id"])
    es = ElasticsearchDialect().knn_body(request)
    assert es["knn"]["num_candidates"] == 15 and es["knn"]["filter"] == {"bool": {"filter": []}}
    opensearch = OpenSearchDialect().knn_body(request)
    knn = opensearch["query"]["nested"]["query"]["knn"]["chunks.vector"]
    assert knn["k"] == 10 and knn["method_parameters"] == {"ef_search": 15}
    assert knn["filter"] == {"bool": {"filter": []}}  # the parent's filter inside the kNN search
    assert opensearch["query"]["nested"]["inner_hits"]["size"] == 1
    assert OpenSearchDialect().vector_mapping(384)["chunks"]["properties"]["vector"]["dimension"] == 384
    assert ElasticsearchDialect().vector_mapping(384) is None
