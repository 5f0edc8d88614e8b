"""Conformance, the text side: German analysis through the backend (lemmas, compounds,
umlauts, exact Aktenzeichen and legal references), hostile query input, snippets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.search.backend import Hits
from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import BY_ID, HOSTILE_QUERIES, ids_of


class AnalysisConformance(ConformanceBase):
    """How every backend reads a query and marks what it found."""

    # -- German analysis through the backend --

    def test_lemma_plural_query_finds_singular(self, loaded):
        assert "bau-3" in ids_of(self.search(loaded, "Anträge"))

    def test_lemma_singular_query_finds_plural(self, loaded):
        assert "bau-2" in ids_of(self.search(loaded, "Antrag"))

    def test_compound_part_query_finds_compound(self, loaded):
        # bau-1 only says "Bauantrag".
        assert "bau-1" in ids_of(self.search(loaded, "Antrag"))

    def test_compound_query_finds_its_parts(self, loaded):
        # bau-3 says "Antrag" and "Bau", never "Bauantrag".
        found = ids_of(self.search(loaded, "Bauantrag"))
        assert "bau-1" in found and "bau-3" in found
        assert found[0] == "bau-1"

    def test_umlaut_folding(self, loaded):
        assert ids_of(self.search(loaded, "Aufsichtsbehoerde")) == ["bau-1"]
        assert ids_of(self.search(loaded, "Aufsichtsbehörde")) == ["bau-1"]
        assert "kaem-1" in ids_of(self.search(loaded, "Kaemmerei"))

    def test_aktenzeichen_is_exact(self, loaded):
        assert ids_of(self.search(loaded, "632.10-2023/145")) == ["bau-1"]
        assert ids_of(self.search(loaded, "632.10-2023/146")) == []
        assert ids_of(self.search(loaded, "Az.: 20 14 03")) == ["az-2"]

    def test_legal_reference_is_exact(self, loaded):
        assert ids_of(self.search(loaded, "§ 34 BauGB")) == ["bau-1"]
        assert ids_of(self.search(loaded, "§ 35 BauGB")) == []

    def test_question_with_stop_words(self, loaded):
        found = ids_of(self.search(loaded, "Wer ist zuständig für die Hundesteuer?"))
        assert found and found[0] == "kaem-1"

    def test_more_query_words_rank_first(self, loaded):
        found = ids_of(self.search(loaded, "Antrag Garage Birkenallee"))
        assert found[0] == "bau-3"

    def test_excluded_word(self, loaded):
        found = ids_of(self.search(loaded, "Antrag -Garage"))
        assert "bau-3" not in found and "bau-2" in found

    def test_phrase(self, loaded):
        assert ids_of(self.search(loaded, '"Projekt Sonnenhang"')) == ["intern-1"]

    def test_prefix(self, loaded):
        assert "ord-1" in ids_of(self.search(loaded, "Parkausw*"))

    def test_given_terms_are_indexed_as_they_come(self, backend):
        doc = replace(
            BY_ID["ord-1"],
            id="pre-1",
            text="Nichts Besonderes.",
            terms="sonderbegriff nichts",
            title_terms="titelbegriff",
        )
        backend.upsert([doc])
        assert ids_of(self.search(backend, "Sonderbegriff")) == ["pre-1"]
        assert ids_of(self.search(backend, "Titelbegriff")) == ["pre-1"]

    # -- hostile input --

    @pytest.mark.parametrize("text", HOSTILE_QUERIES)
    def test_hostile_queries_never_raise(self, loaded, text):
        hits = self.search(loaded, text, facets=True)
        assert isinstance(hits, Hits)
        assert hits.hits or hits.total == 0

    def test_very_long_query(self, loaded):
        hits = self.search(loaded, "Antrag " * 1500)
        assert "bau-3" in ids_of(hits)
        assert any("gekürzt" in n for n in hits.notices)
        assert isinstance(self.search(loaded, "x" * 10_000), Hits)

    def test_only_stop_words(self, loaded):
        hits = self.search(loaded, "der die das und ist")
        assert hits.total == 0 and hits.hits == []
        assert "Die Suchanfrage enthält keine suchbaren Wörter." in hits.notices

    # -- snippets --

    def test_snippet_marks_original_words(self, loaded):
        snippet = self.search(loaded, "Antrag", folder="Bauamt/Baumschutz").hits[0].snippet
        assert "<mark>Anträge</mark>" in snippet

    def test_snippet_escapes_html(self, loaded):
        snippet = self.search(loaded, "Antrag", folder="Allgemein").hits[0].snippet
        assert "<mark>Antrag</mark>" in snippet
        assert "<script>" not in snippet and "&lt;script&gt;" in snippet
        assert "&amp;" in snippet and "&quot;" in snippet
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0

    def test_snippet_marks_exact_tokens(self, loaded):
        snippet = self.search(loaded, "§ 34 BauGB").hits[0].snippet
        assert "<mark>§ 34 BauGB</mark>" in snippet
