"""Query parsing: structure, notices, and that any query becomes a valid full-text query."""

from __future__ import annotations

import pytest
import tantivy

from aktenlotse.search.fulltext_index import build_schema
from aktenlotse.search.fulltext_query import excluded_query, text_query, trimmed
from aktenlotse.search.query_parser import (
    MAX_QUERY_CHARS,
    NOTICE_NOTHING_SEARCHABLE,
    NOTICE_ONLY_EXCLUDED,
    NOTICE_TRUNCATED,
    NOTICE_UNBALANCED_QUOTE,
    parse_query,
)
from aktenlotse.text.analysis import GermanAnalyzer
from tests.conformance_corpus import HOSTILE_QUERIES


@pytest.fixture(scope="module")
def analyzer() -> GermanAnalyzer:
    return GermanAnalyzer()


def test_words_are_analysed(analyzer):
    parsed = parse_query("Anträge", analyzer)
    assert parsed.terms[0].variants == ("antraege", "antrag")


def test_compound_parts_alternative(analyzer):
    parsed = parse_query("Bauantrag", analyzer)
    assert (parsed.terms[0].variants, parsed.terms[0].parts) == (("bauantrag",), ("bau", "antrag"))


def test_question_drops_stop_words(analyzer):
    parsed = parse_query("Wer ist zuständig für die Hundesteuer?", analyzer)
    assert [t.text for t in parsed.terms] == ["zuständig", "Hundesteuer"]


def test_phrase_exclusion_prefix(analyzer):
    parsed = parse_query('"Antrag auf Baugenehmigung" -Widerspruch Bau*', analyzer)
    assert [t.text for t in parsed.phrases[0].terms] == ["Antrag", "Baugenehmigung"]
    assert parsed.excluded[0].variants == ("widerspruch",)
    assert parsed.terms[0].prefix and parsed.terms[0].variants == ("bau",)


def test_exact_terms(analyzer):
    assert parse_query("§ 34 BauGB", analyzer).terms[0].variants == ("p34_baugb",)
    assert parse_query("632.10-2023/145", analyzer).terms[0].variants == ("632_10_2023_145",)
    assert [t.variants for t in parse_query("Az.: 20 14 03", analyzer).terms] == [("20_14_03",)]


def test_only_stop_words(analyzer):
    parsed = parse_query("der die das", analyzer)
    assert parsed.is_empty and text_query(build_schema(), parsed) is None
    assert parsed.notices == (NOTICE_NOTHING_SEARCHABLE,)


def test_only_excluded(analyzer):
    parsed = parse_query("-Antrag", analyzer)
    assert parsed.is_empty and NOTICE_ONLY_EXCLUDED in parsed.notices


def test_long_query_cut(analyzer):
    parsed = parse_query("Antrag " * 1000, analyzer)
    assert NOTICE_TRUNCATED in parsed.notices and len(parsed.terms) == 1
    assert MAX_QUERY_CHARS == 1000


def test_unbalanced_quote(analyzer):
    parsed = parse_query('"Antrag Bau', analyzer)
    assert NOTICE_UNBALANCED_QUOTE in parsed.notices
    assert {t.text for t in parsed.terms} == {"Antrag", "Bau"}


@pytest.mark.parametrize(
    "text", HOSTILE_QUERIES + ("x" * 10_000, '"a" "b" "c', "-(NOT)*", "Bau* -Bau*", '"Antrag Bau"')
)
def test_any_query_runs_on_the_full_text_index(analyzer, tmp_path_factory, text):
    schema = build_schema()
    index = tantivy.Index(schema, path=str(tmp_path_factory.mktemp("fulltext")))
    writer = index.writer(15_000_000, 1)
    doc = tantivy.Document()
    doc.add_unsigned("rowid", 1)
    doc.add_text("perm", "p")
    doc.add_text("body", analyzer.terms("Antrag auf Baugenehmigung, Bau am Lindenweg"))
    writer.add_document(doc)
    writer.commit()
    index.reload()
    parsed = parse_query(text, analyzer)
    query = trimmed(schema, text_query(schema, parsed), ["p"], excluded=excluded_query(schema, parsed))
    index.searcher().search(query, 10)  # raises for an invalid query
