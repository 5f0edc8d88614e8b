""" "Meinten Sie" on both backends: suggestions come only from documents the user may read.

Ground truth: for every user and query, the suggestions on the full index equal those of
an index that holds only the documents that user may read. And for a user who cannot
see a word, a misspelling of it (or the word itself) gets the same answer as a misspelling
of a word that exists nowhere.
"""

from __future__ import annotations

import uuid

import pytest

from aktenlotse.core import visibility
from tests.conformance_corpus import _doc

OUTSIDER = ["everyone", "authenticated", "user:gast"]
INSIDER = ["everyone", "authenticated", "user:tief", "group:tiefbau"]
DOCS = [
    _doc("frei", "Allgemein/frei.txt", "Hinweise", "Kanalanschluss Gebührenbescheid Straßenreinigung", "2024-01-02"),
    # Words only the Tiefbau may read; six near-twins of a public word that rank above it.
    _doc(
        "tief",
        "Tiefbau/tief.txt",
        "Vermerk",
        "Kanalabschluss Geheimtrasse Kanalanschlust Kanalanschlusu "
        "Kanalanschlusv Kanalanschlusw Kanalanschlusx Kanalanschlusy",
        "2024-01-03",
        allow=("group:tiefbau",),
    ),
]
QUERIES = [
    "Kanalabschluss",  # the hidden word itself
    "Kanalabschlus",  # a misspelling of the hidden word
    "Kanalbbschluss",  # a misspelling of a word that exists nowhere
    "Kanalanschlus",  # a misspelling of the public word, with hidden words ranked above it
    "Geheimtrase",  # a misspelling of a hidden word with no public neighbour
    "Gehaimtrasse",
    "Gebührenbeschied Strassenreinigunk",
    "Xylophonwerkstatt",
]


def embedded(tmp_path):
    from aktenlotse.search.embedded import EmbeddedBackend

    made = []

    def make():
        backend = EmbeddedBackend(tmp_path / f"{uuid.uuid4().hex}.db")
        made.append(backend)
        return backend

    return make, made


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def make_backend(request, tmp_path):
    if request.param == "embedded":
        make, made = embedded(tmp_path)
        yield make
        for backend in made:
            backend.close()
        return
    from aktenlotse.core.config import ElasticsearchConfig
    from aktenlotse.search.elasticsearch_backend import ElasticsearchBackend

    url = request.getfixturevalue("elasticsearch_url")
    made = []

    def make():
        backend = ElasticsearchBackend(ElasticsearchConfig(urls=(url,), index=f"t-{uuid.uuid4().hex[:12]}"))
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.client.indices.delete(index=f"{backend.alias}-v*", ignore_unavailable=True)
        backend.close()


def test_suggestions_equal_those_of_an_index_of_only_readable_documents(make_backend):
    full = make_backend()
    full.upsert(DOCS)
    for principals in (OUTSIDER, INSIDER):
        only_readable = make_backend()
        only_readable.upsert([d for d in DOCS if visibility.may_read(principals, visibility.of_item(d))])
        for query in QUERIES:
            assert full.spelling_suggestions(query, principals) == only_readable.spelling_suggestions(
                query, principals
            ), (principals, query)


def test_a_hidden_word_is_indistinguishable_from_a_word_that_exists_nowhere(make_backend):
    backend = make_backend()
    backend.upsert(DOCS)
    hidden_word = backend.spelling_suggestions("Kanalabschluss", OUTSIDER)
    hidden_misspelt = backend.spelling_suggestions("Kanalabschlus", OUTSIDER)
    nowhere = backend.spelling_suggestions("Kanalbbschluss", OUTSIDER)
    assert hidden_word == hidden_misspelt == nowhere == ["Kanalanschluss"]
    # No public neighbour: a hidden word gets as little as a word that exists nowhere.
    assert (
        backend.spelling_suggestions("Geheimtrase", OUTSIDER)
        == backend.spelling_suggestions("Xylophonwerkstat", OUTSIDER)
        == []
    )
    # Hidden near-twins ranked above the public word never push it out.
    assert backend.spelling_suggestions("Kanalanschlus", OUTSIDER) == ["Kanalanschluss"]


def test_the_user_who_may_read_the_word_gets_it_suggested(make_backend):
    backend = make_backend()
    backend.upsert(DOCS)
    assert backend.spelling_suggestions("Kanalabschlus", INSIDER) == ["Kanalabschluss"]
    assert backend.spelling_suggestions("Geheimtrase", INSIDER) == ["Geheimtrasse"]
    assert backend.spelling_suggestions("Kanalabschluss", INSIDER) == []  # a known word is not the one that failed
    assert backend.spelling_suggestions("Kanalabschlus", []) == []
