"""Conformance, suggestions while typing and after a search: spelling suggestions
("Meinten Sie") and autocomplete, both trimmed like every read."""

from __future__ import annotations

import pytest

from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import BAUAMT, EVERYONE, HOSTILE_QUERIES, MUELLER, _doc


class SuggestionConformance(ConformanceBase):
    """Suggestions come from readable documents only, on every backend."""

    # -- spelling suggestions ("Meinten Sie"), trimmed like every read --

    def test_spelling_suggestion_from_readable_documents(self, loaded):
        assert loaded.spelling_suggestions("Lindenwek", EVERYONE) == ["Lindenweg"]
        assert loaded.spelling_suggestions("Vertraulicer", BAUAMT) == ["Vertraulicher"]

    def test_spelling_suggestions_never_from_hidden_documents(self, loaded):
        assert loaded.spelling_suggestions("Vertraulicer", EVERYONE) == []  # only in the Bauamt's document
        assert loaded.spelling_suggestions("Ortstermim", BAUAMT) == []  # only in Müller's document
        assert loaded.spelling_suggestions("Ortstermim", MUELLER) == ["Ortstermin"]

    def test_spelling_suggestions_for_no_principals_or_a_known_word(self, loaded):
        assert loaded.spelling_suggestions("Lindenwek", []) == []
        assert loaded.spelling_suggestions("Lindenweg", EVERYONE) == []

    # -- autocomplete, trimmed like every read --

    def test_completions_from_readable_documents(self, loaded):
        assert "Lindenweg" in loaded.completions("Lind", EVERYONE)
        assert "Vertraulicher" in loaded.completions("Vertrau", BAUAMT)
        assert "Ortstermin" in loaded.completions("Ortst", MUELLER)

    def test_completions_never_from_hidden_documents(self, loaded):
        assert loaded.completions("Vertrau", EVERYONE) == []  # only in the Bauamt's document
        assert loaded.completions("Ortst", BAUAMT) == []  # only in Müller's document
        assert loaded.completions("Lind", []) == []

    def test_completions_are_written_as_readable_documents_write_them(self, loaded):
        assert "Kämmerei" in loaded.completions("Kämm", EVERYONE)
        assert "Kämmerei" in loaded.completions("kaemm", EVERYONE)  # the index holds "kaemmerei" only

    def test_completions_ordered_by_readable_documents_only(self, backend):
        texts = ["Quorxa Quorxi.", "Quorxa.", "Quorxa."]
        public = [_doc(f"q-{i}", f"Q/{i}.txt", f"Q {i}", text, "2024-01-01T10:00:00") for i, text in enumerate(texts)]
        hidden = [
            _doc(f"h-{i}", f"H/{i}.txt", f"H {i}", "Quorxi Quorxo.", "2024-01-01T10:00:00", allow=("group:geheim",))
            for i in range(5)
        ]
        backend.upsert(public)
        without_hidden = backend.completions("Quor", EVERYONE)
        backend.upsert(hidden)
        assert backend.completions("Quor", EVERYONE) == without_hidden == ["Quorxa", "Quorxi"]
        assert backend.completions("Quor", [*EVERYONE, "group:geheim"]) == ["Quorxi", "Quorxo", "Quorxa"]

    def test_completions_limit(self, loaded):
        assert len(loaded.completions("a", EVERYONE, limit=2)) == 2
        assert loaded.completions("a", EVERYONE, limit=0) == []
        assert len(loaded.completions("a", EVERYONE, limit=10_000)) <= 50

    @pytest.mark.parametrize("text", [*HOSTILE_QUERIES, "", "   ", "a" * 10_000, "Lind*", '"Lind', "Lind OR"])
    def test_completions_of_odd_input_are_safe(self, loaded, text):
        found = loaded.completions(text, EVERYONE)
        assert isinstance(found, list) and all(isinstance(word, str) and word for word in found)
        assert "Vertraulicher" not in found
