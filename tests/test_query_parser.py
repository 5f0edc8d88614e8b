"""Query parsing: structure, notices and the FTS5 rendering's safety."""

from __future__ import annotations

import re
import sqlite3

import pytest

from aktenlotse.search.query_parser import (
    MAX_QUERY_CHARS,
    NOTICE_NOTHING_SEARCHABLE,
    NOTICE_ONLY_EXCLUDED,
    NOTICE_TRUNCATED,
    NOTICE_UNBALANCED_QUOTE,
    parse_query,
    to_fts5,
)
from aktenlotse.text.analysis import GermanAnalyzer
from tests.backend_conformance import HOSTILE_QUERIES


@pytest.fixture(scope="module")
def analyzer() -> GermanAnalyzer:
    return GermanAnalyzer()


def test_words_are_analysed(analyzer):
    parsed = parse_query("Anträge", analyzer)
    assert parsed.terms[0].variants == ("antraege", "antrag")


def test_compound_parts_alternative(analyzer):
    parsed = parse_query("Bauantrag", analyzer)
    assert to_fts5(parsed) == '("bauantrag" OR ("bau" AND "antrag"))'


def test_question_drops_stop_words(analyzer):
    parsed = parse_query("Wer ist zuständig für die Hundesteuer?", analyzer)
    assert [t.text for t in parsed.terms] == ["zuständig", "Hundesteuer"]


def test_phrase_exclusion_prefix(analyzer):
    parsed = parse_query('"Antrag auf Baugenehmigung" -Widerspruch Bau*', analyzer)
    assert [t.text for t in parsed.phrases[0].terms] == ["Antrag", "Baugenehmigung"]
    assert parsed.excluded[0].variants == ("widerspruch",)
    assert parsed.terms[0].prefix and parsed.terms[0].variants == ("bau",)
    assert "NOT" in to_fts5(parsed) and "NEAR(" in to_fts5(parsed)


def test_exact_terms(analyzer):
    assert parse_query("§ 34 BauGB", analyzer).terms[0].variants == ("p34_baugb",)
    assert parse_query("632.10-2023/145", analyzer).terms[0].variants == ("632_10_2023_145",)
    assert [t.variants for t in parse_query("Az.: 20 14 03", analyzer).terms] == [("20_14_03",)]


def test_only_stop_words(analyzer):
    parsed = parse_query("der die das", analyzer)
    assert parsed.is_empty and to_fts5(parsed) is None
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


@pytest.mark.parametrize("text", HOSTILE_QUERIES + ("x" * 10_000, '"a" "b" "c', "-(NOT)*"))
def test_fts5_expression_is_always_valid(analyzer, text):
    expression = to_fts5(parse_query(text, analyzer))
    if expression is None:
        return
    rest = re.sub(r'"[a-z0-9_]+"\*?', "", expression)
    assert set(re.findall(r"[A-Za-z]+", rest)) <= {"OR", "AND", "NOT", "NEAR"}
    assert re.fullmatch(r"[A-Z0-9 (),]*", rest)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize=\"unicode61 tokenchars '_'\")")
    db.execute("INSERT INTO t VALUES ('antrag bau', 'x')")
    db.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()
