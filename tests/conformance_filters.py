"""Conformance, narrowing and ordering: folder, type, year, source, keyword and Aktenplan
filters, sorting, paging, the facets with their counts, the fields of a hit."""

from __future__ import annotations

from dataclasses import replace

from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import BAUAMT, BY_ID, _doc, ids_of


class FilterConformance(ConformanceBase):
    """Filters, facets and paging give the same results on every backend."""

    def test_folder_filter(self, loaded):
        found = set(ids_of(self.search(loaded, "Antrag", folder="Bauamt/632 Baugenehmigungen")))
        assert found == {"bau-1", "bau-3"}
        assert ids_of(self.search(loaded, "Antrag", folder="Bauamt/632")) == []
        assert set(ids_of(self.search(loaded, "Antrag", folder="/Bauamt/"))) == {"bau-1", "bau-2", "bau-3"}

    def test_type_year_source_filters(self, loaded):
        assert set(ids_of(self.search(loaded, "Antrag", file_types=("pdf",)))) == {"bau-1"}
        assert set(ids_of(self.search(loaded, "Antrag", years=(2024,)))) == {"bau-2"}
        assert set(ids_of(self.search(loaded, "Antrag", years=(2022, 2024)))) == {"bau-2", "bau-3"}
        assert set(ids_of(self.search(loaded, "Widerspruch", sources=("mail",)))) == {"az-2"}
        assert ids_of(self.search(loaded, "Widerspruch", sources=("share",))) == []

    def test_sort_by_date(self, loaded):
        hits = self.search(loaded, "Antrag", sort="date")
        dates = [BY_ID[i].modified for i in ids_of(hits)]
        assert len(dates) >= 3 and dates == sorted(dates, reverse=True)

    def test_paging(self, loaded):
        everything = self.search(loaded, "Antrag")
        pages = [self.search(loaded, "Antrag", limit=1, offset=i) for i in range(everything.total)]
        assert [ids_of(p)[0] for p in pages] == ids_of(everything)
        assert all(p.total == everything.total for p in pages)
        assert self.search(loaded, "Antrag", limit=2, offset=everything.total).hits == []

    def test_facets(self, loaded):
        hits = self.search(loaded, "Antrag", facets=True)
        assert dict(hits.facets["folder"]) == {"Bauamt": 3, "Allgemein": 1}
        assert dict(hits.facets["year"]) == {"2023": 1, "2024": 1, "2022": 1, "2020": 1}
        assert dict(hits.facets["file_type"]) == {"pdf": 1, "docx": 1, "odt": 1, "txt": 1}
        assert dict(hits.facets["source"]) == {"share": 4}
        assert self.search(loaded, "Antrag").facets == {}

    def test_folder_facet_is_a_tree(self, loaded):
        """Without a folder the facet offers the top level; a chosen folder offers its
        children as full paths, each counting what choosing it finds."""
        assert dict(self.search(loaded, "Antrag", facets=True, folder="Bauamt").facets["folder"]) == {
            "Bauamt/632 Baugenehmigungen": 2,
            "Bauamt/Baumschutz": 1,
        }
        deeper = self.search(loaded, "Antrag", facets=True, folder="/Bauamt/632 Baugenehmigungen/")
        assert dict(deeper.facets["folder"]) == {
            "Bauamt/632 Baugenehmigungen/2022": 1,
            "Bauamt/632 Baugenehmigungen/2023": 1,
        }
        for value, count in deeper.facets["folder"]:
            assert self.search(loaded, "Antrag", folder=value).total == count
        # A document directly in the chosen folder is in the total, under no child.
        bauamt = self.search(loaded, "", principals=BAUAMT, facets=True, folder="Bauamt/Intern")
        assert (bauamt.total, bauamt.facets["folder"]) == (1, [])
        assert self.search(loaded, "Antrag", facets=True, folder="Bauamt/632").facets["folder"] == []

    def test_folder_facet_with_marks_in_folder_names(self, backend):
        """Folder names with characters a pattern language reads as operators count as
        plain text (the search servers' aggregation takes a regular expression)."""
        odd = "Kämmerei (alt)/Haushalt+Plan [2024]*"
        docs = [
            _doc("odd-1", f"{odd}/Teil.1/Plan.pdf", "Haushaltsplan", "Haushalt Entwurf", "2024-01-01T10:00:00"),
            _doc("odd-2", f"{odd}/Teil.1/Anlage.pdf", "Anlage", "Haushalt Anlage", "2024-01-02T10:00:00"),
            _doc("odd-3", f"{odd}/Teil 2\\x/Rest.pdf", "Rest", "Haushalt Rest", "2024-01-03T10:00:00"),
            _doc(
                "odd-4",
                "Kämmerei (alt)/HaushaltXPlan [2024]*/Teil/Rest.pdf",
                "Ähnlich",
                "Haushalt",
                "2024-01-04T10:00:00",
            ),
        ]
        backend.upsert(docs)
        top = self.search(backend, "Haushalt", facets=True)
        assert dict(top.facets["folder"]) == {"Kämmerei (alt)": 4}
        middle = self.search(backend, "Haushalt", facets=True, folder="Kämmerei (alt)")
        assert dict(middle.facets["folder"]) == {odd: 3, "Kämmerei (alt)/HaushaltXPlan [2024]*": 1}
        below = self.search(backend, "Haushalt", facets=True, folder=odd)
        assert dict(below.facets["folder"]) == {f"{odd}/Teil.1": 2, f"{odd}/Teil 2\\x": 1}
        for value, count in below.facets["folder"]:
            assert self.search(backend, "Haushalt", folder=value).total == count

    def test_keyword_and_aktenplan_facets_and_filters(self, backend):
        enriched = [
            replace(
                BY_ID["bau-1"],
                extra={
                    "keywords": ["Bauantrag", "Lindenweg"],
                    "aktenplan": [
                        {"code": "632", "title": "Baugenehmigungen", "score": 0.9},
                        {"code": "62", "title": "Vermessung", "score": 0.1},
                    ],
                },
            ),
            replace(
                BY_ID["bau-3"],
                extra={
                    "keywords": ["Garage", "Bauantrag"],
                    "aktenplan": [{"code": "632", "score": 0.7}],
                    "aktenplan_decided": {"code": "631"},
                },
            ),
            replace(BY_ID["intern-1"], extra={"keywords": ["Bauantrag"], "aktenplan": [{"code": "632"}]}),
        ]
        backend.upsert(enriched)
        everyone = ["everyone"]
        hits = self.search(backend, "Bauantrag Garage Antrag", everyone, facets=True)
        assert dict(hits.facets["keywords"]) == {"Bauantrag": 2, "Lindenweg": 1, "Garage": 1}  # intern-1 hidden
        assert dict(hits.facets["aktenplan"]) == {"632": 1, "631": 1}  # decided class wins; best suggestion only
        assert ids_of(self.search(backend, "Bauantrag Garage Antrag", everyone, keywords=("Garage",))) == ["bau-3"]
        assert ids_of(self.search(backend, "Bauantrag Garage Antrag", everyone, aktenplan=("632",))) == ["bau-1"]
        assert set(ids_of(self.search(backend, "", BAUAMT, aktenplan=("632",)))) == {"bau-1", "intern-1"}  # browse

    def test_hit_fields(self, loaded):
        hit = self.search(loaded, "Lindenweg").hits[0]
        doc = BY_ID["bau-1"]
        assert (hit.id, hit.path, hit.title, hit.source) == (doc.id, doc.path, doc.title, doc.source)
        assert (hit.display_path, hit.file_type, hit.size, hit.modified) == (
            doc.display_path,
            doc.file_type,
            doc.size,
            doc.modified,
        )
        assert hit.score > 0
