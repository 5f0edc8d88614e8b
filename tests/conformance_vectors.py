"""Conformance, semantic and hybrid search with vectors from the real offline encoder:
paraphrases, trimming and facets in the vector modes, vectors following their documents."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.visibility import may_read, of_item
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.backend import ChunkVectors, Hits, Query
from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import (
    BAUAMT,
    BY_ID,
    CORPUS,
    DOG_DOCUMENTS,
    EVERYONE,
    MUELLER,
    _doc,
    assert_facet_totals,
    ids_of,
    query_vector,
    shared_encoder,
)


class VectorConformance(ConformanceBase):
    """Semantic and hybrid search behave alike on every backend."""

    @pytest.fixture
    def with_vectors(self, loaded):
        """The corpus with chunk vectors from the resumable embedding pass."""
        stats = run_embedding_pass(loaded, shared_encoder(), EnrichConfig(chunk_words=50, chunk_overlap=10))
        assert stats.complete and stats.documents == len(CORPUS)
        return loaded

    def vsearch(self, backend, text: str, mode: str, principals=BAUAMT, **kwargs) -> Hits:
        vector = query_vector(text)
        return backend.search(
            Query(text=text, mode=mode, vector=vector, limit=kwargs.pop("limit", 50), **kwargs), principals
        )

    def test_semantic_finds_paraphrase_that_full_text_misses(self, with_vectors):
        text = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"
        assert ids_of(self.search(with_vectors, text)) == []
        assert ids_of(self.vsearch(with_vectors, text, "semantic"))[0] == "ord-1"
        assert ids_of(self.vsearch(with_vectors, text, "hybrid"))[0] == "ord-1"

    def test_semantic_snippet_is_the_best_chunk(self, with_vectors):
        hit = self.vsearch(with_vectors, "Einspruch gegen einen Bescheid einlegen", "semantic").hits[0]
        assert hit.id == "az-2"
        assert "Widerspruch" in hit.snippet and "<mark>Bescheid</mark>" in hit.snippet
        assert hit.score > 0

    def test_hybrid_keeps_lexical_and_semantic_matches(self, with_vectors):
        lexical = set(ids_of(self.search(with_vectors, "Hundesteuer Parkausweise")))
        hybrid = self.vsearch(with_vectors, "Hundesteuer Parkausweise", "hybrid", facets=True)
        assert lexical <= set(ids_of(hybrid))
        assert set(ids_of(hybrid)[:2]) == {"kaem-1", "ord-1"}
        assert hybrid.total == len(hybrid.hits)
        assert sum(n for _, n in hybrid.facets["file_type"]) == hybrid.total

    def test_semantic_without_query_vector_falls_back_to_full_text(self, with_vectors):
        hits = with_vectors.search(Query(text="Lindenweg", mode="semantic"), BAUAMT)
        assert ids_of(hits) == ["bau-1"] and hits.notices

    @pytest.mark.parametrize("mode", ["semantic", "hybrid"])
    def test_group_document_hidden_in_vector_modes(self, with_vectors, mode):
        text = "Vertraulicher Vermerk zum Ankauf eines Grundstücks im Projekt Sonnenhang"
        hidden = self.vsearch(with_vectors, text, mode, principals=EVERYONE, facets=True)
        assert "intern-1" not in ids_of(hidden)
        assert hidden.total == len(hidden.hits)
        assert dict(hidden.facets["folder"]).get("Bauamt", 0) == sum(1 for i in ids_of(hidden) if i.startswith("bau-"))
        assert all("Grundstücksankauf" not in h.snippet for h in hidden.hits)
        shown = self.vsearch(with_vectors, text, mode, principals=BAUAMT)
        assert ids_of(shown)[0] == "intern-1"

    @pytest.mark.parametrize("mode", ["semantic", "hybrid"])
    @pytest.mark.parametrize("principals", [EVERYONE, BAUAMT, MUELLER, ["group:bauamt"], ["user:mueller"], []])
    @pytest.mark.parametrize("text", ["Sonnenhang", "Antrag auf Bau", "Termine für das Personal"])
    def test_no_leaks_in_vector_modes(self, with_vectors, mode, principals, text):
        hits = self.vsearch(with_vectors, text, mode, principals=principals, facets=True)
        visible = {d.id for d in CORPUS if may_read(principals, of_item(d))}
        assert set(ids_of(hits)) <= visible
        assert hits.total == len(hits.hits)
        assert_facet_totals(hits)

    @pytest.mark.parametrize("mode", ["semantic", "hybrid"])
    def test_filters_and_paging_in_vector_modes(self, with_vectors, mode):
        text = "Antrag auf eine Genehmigung"
        assert set(ids_of(self.vsearch(with_vectors, text, mode, folder="Bauamt/632 Baugenehmigungen"))) <= {
            "bau-1",
            "bau-3",
        }
        assert set(ids_of(self.vsearch(with_vectors, text, mode, file_types=("pdf",)))) <= {
            "bau-1",
            "intern-1",
            "kaem-1",
            "ord-1",
        }
        assert ids_of(self.vsearch(with_vectors, text, mode, sources=("mail",))) in ([], ["az-2"])
        everything = self.vsearch(with_vectors, text, mode)
        pages = [self.vsearch(with_vectors, text, mode, limit=1, offset=i) for i in range(everything.total)]
        assert [ids_of(p)[0] for p in pages] == ids_of(everything)

    @pytest.fixture
    def with_dog_vectors(self, backend):
        """The corpus plus documents about dogs whose cosines to a dog question spread over
        more than the semantic band (a filter must not move the band's floor)."""
        backend.upsert([*CORPUS, *DOG_DOCUMENTS])
        stats = run_embedding_pass(backend, shared_encoder(), EnrichConfig(chunk_words=50, chunk_overlap=10))
        assert stats.complete and stats.documents == len(CORPUS) + len(DOG_DOCUMENTS)
        return backend

    @pytest.mark.parametrize("mode", ["fulltext", "semantic", "hybrid"])
    @pytest.mark.parametrize("text", ["Wie melde ich meinen Hund an?", "Hund", "Sonnenhang Termine"])
    def test_facet_count_equals_hits_after_picking_it(self, with_dog_vectors, mode, text):
        """Each facet value shown promises a number of hits; picking it (and then a value
        of the narrowed facets) must give exactly that many, in every mode."""

        def run(**filters) -> Hits:
            return self.vsearch(with_dog_vectors, text, mode, facets=True, limit=100, **filters)

        def picked(name: str, value: str) -> dict:
            if name == "year":
                return {"years": (int(value),)}
            return {
                "file_type": {"file_types": (value,)},
                "folder": {"folder": value},
                "source": {"sources": (value,)},
            }[name]

        first = run()
        assert first.total > 0 and not first.notices
        checked = 0
        for name in ("file_type", "year", "folder", "source"):
            for value, count in first.facets[name]:
                narrowed = run(**picked(name, value))
                assert (narrowed.total, len(narrowed.hits)) == (count, count), (name, value)
                assert set(ids_of(narrowed)) <= set(ids_of(first))
                checked += 1
                if name == "folder":
                    for child, child_count in narrowed.facets["folder"]:
                        assert child.startswith(value + "/"), (value, child)
                        below = run(folder=child)
                        assert (below.total, len(below.hits)) == (child_count, child_count), (value, child)
                        checked += 1
                for second_name in ("file_type", "year"):
                    if second_name == name:
                        continue
                    for second_value, second_count in narrowed.facets[second_name]:
                        both = run(**picked(name, value), **picked(second_name, second_value))
                        assert both.total == second_count == len(both.hits), (name, value, second_name, second_value)
        assert checked >= 4

    def test_empty_file_found_by_its_name_only(self, backend):
        empty = replace(
            _doc("leer-1", "Allgemein/Notizen Parkausweise.txt", "Notizen Parkausweise", "", "2024-01-01T10:00:00"),
            size=0,
        )
        backend.upsert([*CORPUS, empty])
        assert run_embedding_pass(backend, shared_encoder(), EnrichConfig(chunk_words=50, chunk_overlap=10)).complete
        text = "Wo bekomme ich einen Parkausweis für meine Straße?"
        semantic = self.vsearch(backend, text, "semantic", facets=True)
        assert "ord-1" in ids_of(semantic) and "leer-1" not in ids_of(semantic)
        hybrid = self.vsearch(backend, "Erlaubnis zum Parken vor der Wohnung", "hybrid")
        assert "ord-1" in ids_of(hybrid) and "leer-1" not in ids_of(hybrid)
        assert "leer-1" in ids_of(self.search(backend, "Notizen"))  # by its name
        assert "leer-1" in ids_of(self.vsearch(backend, "Notizen Parkausweise", "hybrid"))

    @pytest.mark.parametrize("mode", ["semantic", "hybrid"])
    def test_excluded_word_in_vector_modes(self, with_vectors, mode):
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, "Parken in der Stadt -Bewohnerparkausweise", mode))

    def test_vectors_dropped_when_content_changes(self, with_vectors):
        model = shared_encoder().name
        assert with_vectors.ids_without_vectors(model, 100) == []
        changed = replace(BY_ID["ord-1"], text="Ganz anderer Inhalt über Kastanien.", content_hash="new")
        with_vectors.upsert([changed])
        assert with_vectors.ids_without_vectors(model, 100) == ["ord-1"]
        text = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, text, "semantic"))

    def test_vectors_kept_on_move_and_permission_change(self, with_vectors):
        model = shared_encoder().name
        moved = replace(BY_ID["ord-1"], path="Archiv/Parkausweise.pdf", allow=("group:bauamt",))
        with_vectors.upsert([moved])
        assert with_vectors.ids_without_vectors(model, 100) == []
        text = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"
        assert ids_of(self.vsearch(with_vectors, text, "semantic", principals=BAUAMT))[0] == "ord-1"
        # The vectors follow the new permissions at once.
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, text, "semantic", principals=EVERYONE))

    def test_vectors_gone_with_their_document(self, with_vectors):
        with_vectors.delete(["ord-1"])
        text = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, text, "semantic"))
        with_vectors.upsert([BY_ID["ord-1"]])
        assert with_vectors.ids_without_vectors(shared_encoder().name, 100) == ["ord-1"]

    def test_count_without_vectors_is_what_the_listing_walks(self, loaded):
        encoder = shared_encoder()

        def listed(model: str) -> int:
            return len(loaded.ids_without_vectors(model, 10 * len(CORPUS)))

        assert loaded.count_without_vectors(encoder.name) == listed(encoder.name) == len(CORPUS)
        stats = run_embedding_pass(loaded, encoder, EnrichConfig(chunk_words=50, chunk_overlap=10), limit=3)
        assert stats.documents == 3
        # Vectors of another model leave a document due for this one.
        other = loaded.ids_without_vectors(encoder.name, 1)[0]
        text = BY_ID[other].text
        loaded.upsert_vectors([ChunkVectors(other, "anderes-modell", encoder.encode([text]), [(0, len(text))])])
        assert loaded.count_without_vectors(encoder.name) == listed(encoder.name) == len(CORPUS) - 3
        assert loaded.count_without_vectors("anderes-modell") == listed("anderes-modell") == len(CORPUS) - 1
        assert loaded.count_without_vectors("kein-modell") == listed("kein-modell") == len(CORPUS)

    def test_vector_index_changes_no_answer(self, with_vectors):
        """Embedded: the ANN snapshot answers as the exact search did (this corpus is far
        below the size where it is due, so it is forced); servers: a no-op."""
        model = shared_encoder().name
        assert with_vectors.refresh_vector_index(model) is None  # not due for ten documents
        texts = [
            "Sonnenhang",
            "Antrag auf Bau",
            "Termine für das Personal",
            "Parken in der Stadt -Bewohnerparkausweise",
        ]
        readers = [EVERYONE, BAUAMT, MUELLER, []]
        cases = [(mode, text, tuple(p)) for mode in ("semantic", "hybrid") for text in texts for p in readers]
        before = {
            case: ids_of(self.vsearch(with_vectors, case[1], case[0], principals=list(case[2]))) for case in cases
        }
        with_vectors.refresh_vector_index(model, force=True)
        for (mode, text, principals), ids in before.items():
            hits = self.vsearch(with_vectors, text, mode, principals=list(principals), facets=True)
            assert ids_of(hits) == ids
            assert set(ids) <= {d.id for d in CORPUS if may_read(principals, of_item(d))}
            assert_facet_totals(hits)
        # Writes after the snapshot count at once.
        text = "Wo bekomme ich eine Erlaubnis zum Parken vor meiner Wohnung?"
        moved = replace(BY_ID["ord-1"], path="Archiv/Parkausweise.pdf", allow=("group:bauamt",))
        with_vectors.upsert([moved])
        assert ids_of(self.vsearch(with_vectors, text, "semantic", principals=BAUAMT))[0] == "ord-1"
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, text, "semantic", principals=EVERYONE))
        with_vectors.delete(["ord-1"])
        assert "ord-1" not in ids_of(self.vsearch(with_vectors, text, "semantic", principals=BAUAMT))
