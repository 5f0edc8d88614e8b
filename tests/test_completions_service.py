"""Suggestions while typing (`services.completions`) on a real embedded index."""

from __future__ import annotations

import pytest

from aktenlotse.services.completions import query_completions, readable_queries
from tests.conformance_corpus import BAUAMT, EVERYONE, embedded_corpus


@pytest.fixture
def backend(tmp_path):
    with embedded_corpus(tmp_path / "index.sqlite") as index:
        yield index


def test_the_last_word_is_completed_and_the_rest_kept(backend):
    assert "Bauantrag Lindenweg" in query_completions(backend, "Bauantrag Lind", EVERYONE)


def test_quotes_and_minus_stay_in_front_of_the_completed_word(backend):
    assert '"Lindenweg' in query_completions(backend, '"Lind', EVERYONE)
    assert "Antrag -Lindenweg" in query_completions(backend, "Antrag -Lind", EVERYONE)


def test_words_of_hidden_documents_are_not_offered(backend):
    assert query_completions(backend, "Vermerk Vertrau", EVERYONE) == []
    assert "Vermerk Vertraulicher" in query_completions(backend, "Vermerk Vertrau", BAUAMT)


def test_extra_suggestions_come_first_when_they_continue_the_text(backend):
    extra = ["Lindenweg Bauantrag", "Hundesteuer", "lindenweg"]
    offered = query_completions(backend, "Lind", EVERYONE, extra=extra)
    assert offered[0] == "Lindenweg Bauantrag"
    assert "Hundesteuer" not in offered
    assert [entry.casefold() for entry in offered].count("lindenweg") == 1


def test_nothing_for_one_letter_a_finished_word_or_empty_text(backend):
    assert query_completions(backend, "L", EVERYONE) == []
    assert query_completions(backend, "Lindenweg ", EVERYONE) == []
    assert query_completions(backend, "", EVERYONE) == []
    assert query_completions(backend, "Lindenweg", EVERYONE) == []  # the typed text itself is no suggestion
    assert query_completions(backend, "Lind", EVERYONE, limit=0) == []


def test_the_limit_holds(backend):
    assert len(query_completions(backend, "Be", EVERYONE, limit=2)) <= 2


def test_an_index_that_cannot_answer_gives_no_suggestions(backend):
    backend.close()
    assert query_completions(backend, "Lind", EVERYONE) == []


def test_popular_queries_are_offered_only_when_they_find_something_readable(backend):
    popular = ["Vertraulicher Vermerk", "Lindenweg", "Ortstermin", "Wortohnedokument"]
    assert readable_queries(backend, popular, EVERYONE) == ["Lindenweg"]
    assert readable_queries(backend, popular, BAUAMT)[:2] == ["Vertraulicher Vermerk", "Lindenweg"]
    assert readable_queries(backend, popular, BAUAMT, keep=1) == ["Vertraulicher Vermerk"]
    assert readable_queries(backend, popular, []) == []
