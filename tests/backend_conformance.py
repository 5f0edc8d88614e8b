"""The conformance suite every Backend must pass with the same results.

Use it by subclassing `BackendConformance` in a test module and providing a `backend`
fixture that yields an empty backend (closed afterwards):

    class TestMyBackend(BackendConformance):
        @pytest.fixture
        def backend(self, tmp_path):
            b = MyBackend(...)
            yield b
            b.close()
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.core.records import Document
from aktenlotse.core.visibility import DmsRoleRequired, may_read, of_item
from aktenlotse.search.backend import Backend, ChunkVectors, Hits, PassIndex, Query
from tests.sample_documents import sample_document

EVERYONE = ["everyone"]
BAUAMT = ["everyone", "authenticated", "group:bauamt"]
MUELLER = ["everyone", "authenticated", "user:mueller"]


def _doc(
    doc_id: str, path: str, title: str, text: str, modified: str, allow=("everyone",), deny=(), source="share"
) -> Document:
    return sample_document(
        doc_id,
        path,
        title,
        text,
        source=source,
        modified=modified,
        size=len(text),
        display_path="\\\\server\\share\\" + path.replace("/", "\\"),
        allow=tuple(allow),
        deny=tuple(deny),
        extra={"note": "fixture"},
    )


CORPUS: tuple[Document, ...] = (
    _doc(
        "bau-1",
        "Bauamt/632 Baugenehmigungen/2023/Bauantrag_Lindenweg.pdf",
        "Bauantrag Lindenweg 4",
        "Der Bauantrag für das Grundstück Lindenweg 4 wurde nach § 34 BauGB geprüft. "
        "Az.: 632.10-2023/145. Die Aufsichtsbehörde wurde beteiligt.",
        "2023-05-10T09:00:00",
    ),
    _doc(
        "bau-2",
        "Bauamt/Baumschutz/Faellungen.docx",
        "Baumfällungen 2024",
        "Mehrere Anträge auf Fällung von Bäumen liegen vor. Die Frist endet im März.",
        "2024-02-01T10:00:00",
    ),
    _doc(
        "bau-3",
        "Bauamt/632 Baugenehmigungen/2022/Garage.odt",
        "Garage Birkenallee",
        "Der Antrag betrifft den Bau einer Garage an der Birkenallee.",
        "2022-07-15T08:30:00",
    ),
    _doc(
        "intern-1",
        "Bauamt/Intern/Vermerk.pdf",
        "Vermerk Sonnenhang",
        "Vertraulicher Vermerk zum Projekt Sonnenhang: Grundstücksankauf vorbereiten.",
        "2023-11-02T12:00:00",
        allow=("group:bauamt",),
    ),
    _doc(
        "deny-1",
        "Personal/Uebersicht.xlsx",
        "Übersicht Sonnenhang",
        "Übersicht der Termine am Sonnenhang für das Personal.",
        "2024-03-03T09:00:00",
        allow=("everyone",),
        deny=("user:mueller",),
    ),
    _doc(
        "mueller-1",
        "Personal/Mueller/Notiz.txt",
        "Notiz Sonnenhang",
        "Notiz für Herrn Müller: Ortstermin Sonnenhang.",
        "2024-04-04T09:00:00",
        allow=("user:mueller",),
    ),
    _doc(
        "kaem-1",
        "Kaemmerei/Satzungen/Hundesteuersatzung.pdf",
        "Hundesteuersatzung der Stadt",
        "Die Hundesteuersatzung regelt die Hundesteuer. Zuständig ist die Kämmerei, Zimmer 12.",
        "2021-01-20T10:00:00",
    ),
    _doc(
        "html-1",
        "Allgemein/Vergleich.txt",
        "Vergleich & Co",
        'Ein Antrag mit <script>alert(1)</script> & "Anführungszeichen" im Text.',
        "2020-06-01T10:00:00",
    ),
    _doc(
        "az-2",
        "Rechtsamt/Widerspruch.msg",
        "Widerspruch Bescheid",
        "Az.: 20 14 03 Widerspruch gegen den Bescheid vom 1. März.",
        "2024-05-05T10:00:00",
        source="mail",
    ),
    _doc(
        "ord-1",
        "Ordnungsamt/Parkausweise.pdf",
        "Parkausweise",
        "Bewohnerparkausweise werden im Ordnungsamt ausgestellt.",
        "2023-09-09T10:00:00",
    ),
)
BY_ID = {d.id: d for d in CORPUS}
DOG_DOCUMENTS: tuple[Document, ...] = (
    _doc(
        "hund-2",
        "Kaemmerei/Hunde/Anmeldung.docx",
        "Anmeldung Hund",
        "Anmeldung eines Hundes zur Hundesteuer bei der Stadtkasse.",
        "2022-01-01T10:00:00",
    ),
    _doc(
        "hund-3",
        "Kaemmerei/Hunde/Tierheim.docx",
        "Tierheim",
        "Das Tierheim nimmt Katzen und Hunde auf. Öffnungszeiten montags.",
        "2023-01-01T10:00:00",
    ),
    _doc(
        "hund-4",
        "Ordnungsamt/Leinenpflicht.docx",
        "Leinenpflicht",
        "Im Stadtpark gilt Leinenpflicht für alle Hunde.",
        "2023-01-01T10:00:00",
    ),
    _doc(
        "hund-5",
        "Ordnungsamt/Tiere.docx",
        "Haustiere",
        "Haltung von Haustieren in Mietwohnungen.",
        "2023-01-01T10:00:00",
    ),
)

HOSTILE_QUERIES = (
    '"',
    '""',
    '"""',
    "*",
    "**",
    "(",
    ")",
    "()",
    "NEAR",
    "NEAR(",
    "-",
    "--",
    "- -",
    "AND OR NOT",
    "AND",
    "Antrag AND",
    "OR Antrag",
    "NOT Antrag",
    ":",
    "title:Antrag",
    "^Antrag",
    "Antrag^2",
    "{Antrag}",
    "[Antrag]",
    "'",
    "'; DROP TABLE docs; --",
    "Antrag\x00",
    "\\",
    "%",
    "_",
    "Antrag*)",
    '"Antrag',
    'Antrag"',
    '"Antrag" "',
    "-Antrag",
    "Antrag -",
    "a*",
    "NEAR(Antrag Bau, 2)",
    "Antrag + Bau",
    "Bau/Antrag",
    "§",
    "§§",
    "Az.:",
    "…",
    "🙂",
    "Ünïcödé ẞ",
    "\t\n",
)


def assert_facet_totals(hits: Hits) -> None:
    """Facet counts add up to the (trimmed) total: single-valued facets exactly, the
    Aktenplan class at most once per document; keywords are many per document."""
    for name, counts in hits.facets.items():
        total = sum(n for _, n in counts)
        if name in ("file_type", "year", "folder", "source"):
            assert total == hits.total, name
        elif name == "aktenplan":
            assert total <= hits.total, name


def ids_of(hits: Hits) -> list[str]:
    return [h.id for h in hits.hits]


class BackendConformance:
    """Behaviour every Backend shares. Subclasses provide an empty `backend` fixture."""

    @pytest.fixture
    def backend(self):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    @pytest.fixture
    def loaded(self, backend):
        backend.upsert(list(CORPUS))
        return backend

    def search(self, backend, text: str, principals=BAUAMT, **kwargs) -> Hits:
        return backend.search(Query(text=text, limit=kwargs.pop("limit", 50), **kwargs), principals)

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

    # -- security trimming --

    def test_group_document_hidden_from_everyone(self, loaded):
        hits = self.search(loaded, "Sonnenhang", principals=EVERYONE, facets=True)
        assert ids_of(hits) == ["deny-1"]
        assert hits.total == 1
        assert sum(n for _, n in hits.facets["file_type"]) == 1
        assert dict(hits.facets["folder"]) == {"Personal": 1}
        assert loaded.get("intern-1", EVERYONE) is None

    def test_group_document_visible_to_group(self, loaded):
        found = set(ids_of(self.search(loaded, "Sonnenhang", principals=BAUAMT)))
        assert found == {"intern-1", "deny-1"}
        assert loaded.get("intern-1", BAUAMT) is not None

    def test_deny_wins_over_allow(self, loaded):
        hits = self.search(loaded, "Sonnenhang", principals=MUELLER, facets=True)
        assert ids_of(hits) == ["mueller-1"]
        assert hits.total == 1
        assert loaded.get("deny-1", MUELLER) is None

    def test_no_principals_sees_nothing(self, loaded):
        assert self.search(loaded, "Sonnenhang", principals=[]).total == 0
        assert loaded.get("bau-1", []) is None

    @pytest.mark.parametrize("principals", [EVERYONE, BAUAMT, MUELLER, ["group:bauamt"], ["user:mueller"]])
    @pytest.mark.parametrize("text", ["Sonnenhang", "Antrag", "Bauantrag", "Personal", "Termin", "Bau*"])
    def test_no_leaks(self, loaded, principals, text):
        hits = self.search(loaded, text, principals=principals, facets=True)
        visible = {d.id for d in CORPUS if may_read(principals, of_item(d))}
        assert set(ids_of(hits)) <= visible
        assert hits.total == len(hits.hits)
        assert_facet_totals(hits)
        for doc in CORPUS:
            got = loaded.get(doc.id, principals)
            assert (got is not None) == (doc.id in visible)

    # -- permission sets: further clauses (share ACL, traverse) and deny --

    @pytest.fixture
    def clauses(self, backend):
        """Documents whose access needs the share's clause as well as their own ACL."""
        files = [
            ("share-1", "Freigabe/Plan.pdf", "Freigabeplan Eichenhof für alle."),
            ("share-2", "Freigabe/Notiz.pdf", "Freigabenotiz Eichenhof."),
            ("share-3", "Freigabe/Liste.pdf", "Freigabeliste Eichenhof."),
            ("open-1", "Offen/Info.pdf", "Information Eichenhof."),
        ]
        # Who may read each: (allow, deny, require), require being the share's clauses.
        acls = {
            "share-1": (("everyone",), (), (("group:bauamt", "group:kaemmerei"),)),
            "share-2": (("user:mueller",), (), (("group:bauamt",),)),
            "share-3": (("group:bauamt",), ("user:schmidt",), (("everyone",), ("group:bauamt",))),
            "open-1": (("everyone",), (), ()),
        }
        docs = []
        for doc_id, path, text in files:
            allow, deny, require = acls[doc_id]
            docs.append(
                replace(BY_ID["bau-1"], id=doc_id, path=path, text=text, allow=allow, deny=deny, require=require)
            )
        backend.upsert(docs)
        return backend, docs

    READERS = (
        [],
        ["everyone"],
        ["everyone", "group:bauamt"],
        ["everyone", "user:mueller"],
        ["everyone", "user:mueller", "group:bauamt"],
        ["everyone", "group:kaemmerei"],
        ["everyone", "user:schmidt", "group:bauamt"],
        ["group:bauamt"],
    )

    @pytest.mark.parametrize("principals", READERS)
    def test_require_clauses_and_deny_trim_every_read(self, clauses, principals):
        backend, docs = clauses
        visible = {d.id for d in docs if may_read(principals, of_item(d))}
        hits = self.search(backend, "Eichenhof", principals=principals, facets=True)
        assert set(ids_of(hits)) == visible
        assert hits.total == len(visible)
        assert_facet_totals(hits)
        browse = self.search(backend, "", principals=principals, folder="Freigabe")
        assert set(ids_of(browse)) == visible - {"open-1"}
        for doc in docs:
            assert (backend.get(doc.id, principals) is not None) == (doc.id in visible)

    def test_require_clauses_expected_visibility(self, clauses):
        backend, _ = clauses
        found = lambda principals: set(ids_of(self.search(backend, "Eichenhof", principals=principals)))  # noqa: E731
        assert found(["everyone"]) == {"open-1"}
        assert found(["everyone", "group:kaemmerei"]) == {"open-1", "share-1"}
        assert found(["everyone", "user:mueller"]) == {"open-1"}  # own ACL yes, share clause no
        assert found(["everyone", "user:mueller", "group:bauamt"]) == {"open-1", "share-1", "share-2", "share-3"}
        assert found(["everyone", "user:schmidt", "group:bauamt"]) == {"open-1", "share-1"}  # deny wins

    def test_fetch_returns_the_stored_acl_with_its_clauses(self, clauses):
        backend, _ = clauses
        [doc] = backend.fetch_untrimmed(["share-2"])
        assert (doc.allow, doc.deny, doc.require) == (("user:mueller",), (), (("group:bauamt",),))

    def test_set_permissions_hides_and_restores(self, loaded):
        from aktenlotse.core.visibility import NOBODY, permissions

        loaded.set_permissions(["bau-1", "missing"], NOBODY)
        assert ids_of(self.search(loaded, "Lindenweg", principals=BAUAMT)) == []
        assert loaded.get("bau-1", BAUAMT) is None
        assert loaded.fetch_untrimmed(["bau-1"])[0].allow == ("everyone",)  # the ACL as crawled is kept
        loaded.set_permissions(["bau-1"], permissions(["group:bauamt"]), (("group:bauamt",), (), ()))
        assert ids_of(self.search(loaded, "Lindenweg", principals=BAUAMT)) == ["bau-1"]
        assert ids_of(self.search(loaded, "Lindenweg", principals=EVERYONE)) == []
        assert loaded.fetch_untrimmed(["bau-1"])[0].allow == ("group:bauamt",)

    def test_update_fields_cannot_carry_permissions(self):
        from aktenlotse.search.backend import FieldUpdate

        with pytest.raises(ValueError):
            FieldUpdate("bau-1", {"allow": ("everyone",)}, "key")
        with pytest.raises(ValueError):
            FieldUpdate("bau-1", {"path": "x"}, "key")

    def test_update_fields_keeps_permissions_set_after_the_read(self, loaded):
        from aktenlotse.core.visibility import permissions
        from aktenlotse.search.backend import FieldUpdate
        from aktenlotse.search.vector_store import content_key

        [read] = loaded.fetch_untrimmed(["bau-3"])  # a pass reads the document ...
        loaded.set_permissions(
            ["bau-3"], permissions(["group:bauamt"]), (("group:bauamt",), (), ())
        )  # ... a crawl hides it
        key = content_key(read.content_hash, read.title, read.text)
        done = loaded.update_fields(
            [FieldUpdate("bau-3", {"text": read.text + " Carport Ahornweg.", "extra": {"keywords": ["Carport"]}}, key)]
        )
        assert done == ["bau-3"]
        assert ids_of(self.search(loaded, "Carport", principals=EVERYONE)) == []
        assert ids_of(self.search(loaded, "Carport", principals=BAUAMT, facets=True)) == ["bau-3"]
        assert dict(self.search(loaded, "Carport", principals=BAUAMT, facets=True).facets["keywords"]) == {"Carport": 1}
        [stored] = loaded.fetch_untrimmed(["bau-3"])
        assert stored.allow == ("group:bauamt",)
        assert stored.extra == {"note": "fixture", "keywords": ["Carport"]}  # merged, not replaced

    def test_update_fields_refused_when_content_moved(self, loaded):
        from aktenlotse.search.backend import FieldUpdate
        from aktenlotse.search.vector_store import content_key

        [read] = loaded.fetch_untrimmed(["ord-1"])
        key = content_key(read.content_hash, read.title, read.text)
        loaded.upsert([replace(BY_ID["ord-1"], text="Neu: Anwohnerparken.", content_hash="neu")])
        assert (
            loaded.update_fields(
                [
                    FieldUpdate("ord-1", {"extra": {"ocr": "done"}}, key),
                    FieldUpdate("missing", {"extra": {"ocr": "done"}}, key),
                ]
            )
            == []
        )
        assert "ocr" not in loaded.fetch_untrimmed(["ord-1"])[0].extra
        assert loaded.update_fields([]) == []

    # -- filters, sorting, paging, facets --

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
        from dataclasses import replace

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

    # -- writes --

    def test_get_returns_full_document(self, loaded):
        got = loaded.get("bau-1", BAUAMT)
        doc = BY_ID["bau-1"]
        for field in (
            "id",
            "source",
            "path",
            "title",
            "text",
            "modified",
            "file_type",
            "size",
            "display_path",
            "allow",
            "deny",
            "extra",
        ):
            assert getattr(got, field) == getattr(doc, field), field

    @pytest.mark.parametrize("doc_id", ["", "nicht-da", "../bau-1"])
    def test_get_of_an_unknown_or_empty_id_is_none(self, loaded, doc_id):
        assert loaded.get(doc_id, BAUAMT) is None  # a download with a hostile id is refused, not an error

    def test_fetch_is_untrimmed_and_complete(self, loaded):
        fetched = {d.id: d for d in loaded.fetch_untrimmed(["intern-1", "bau-1", "missing"])}
        assert set(fetched) == {"intern-1", "bau-1"}
        assert fetched["intern-1"].allow == ("group:bauamt",)
        assert fetched["bau-1"].text == BY_ID["bau-1"].text
        assert "hund" in loaded.fetch_untrimmed(["kaem-1"])[0].terms.split()
        assert loaded.fetch_untrimmed([]) == []

    def test_dms_listing_is_every_document_for_a_dms_role(self, loaded):
        for roles in ({"ag_dms"}, {"admin"}, ["employee", "ag_dms"]):
            listed = {d.id: d for d in loaded.dms_listing(["intern-1", "mueller-1", "missing"], roles)}
            assert set(listed) == {"intern-1", "mueller-1"}
            assert listed["intern-1"].text == BY_ID["intern-1"].text

    @pytest.mark.parametrize("roles", [(), ("employee",), ("wiki_editor",), ("AG_DMS",)])
    def test_dms_listing_refused_without_a_dms_role(self, loaded, roles):
        with pytest.raises(DmsRoleRequired, match="AG DMS und den Administratoren vorbehalten"):
            loaded.dms_listing(["bau-1"], roles)

    def test_every_protocol_operation_is_implemented(self, backend):
        for protocol in (Backend, PassIndex):
            operations = [name for name, value in vars(protocol).items() if callable(value) and name[0] != "_"]
            assert operations
            for name in operations:
                assert callable(getattr(backend, name, None)), f"{type(backend).__name__}.{name} fehlt"

    def test_parse_is_what_search_runs(self, loaded):
        parsed = loaded.parse("Bauantrag -Garage")
        assert [t.text for t in parsed.terms] == ["Bauantrag"]
        assert [t.text for t in parsed.excluded] == ["Garage"]
        assert list(loaded.parse("und oder").notices) == self.search(loaded, "und oder").notices

    def test_upsert_vectors_refused_for_a_text_that_changed(self, loaded):
        stale = ChunkVectors("bau-1", "test-model", [[1.0, 0.0, 0.0]], [(0, 10)], content_key="text:stale")
        loaded.upsert_vectors([stale, replace(stale, doc_id="missing")])
        assert "bau-1" in loaded.ids_without_vectors("test-model", len(CORPUS))
        assert "missing" not in loaded.ids()

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

    def test_upsert_is_idempotent(self, loaded):
        loaded.upsert([BY_ID["bau-1"]])
        loaded.upsert([BY_ID["bau-1"], BY_ID["bau-1"]])
        assert loaded.ids() == set(BY_ID)
        assert ids_of(self.search(loaded, "Lindenweg")) == ["bau-1"]

    def test_upsert_replaces_content_and_principals(self, loaded):
        changed = replace(BY_ID["bau-1"], text="Neuer Inhalt über Kastanien.", allow=("group:bauamt",))
        loaded.upsert([changed])
        assert ids_of(self.search(loaded, "Aufsichtsbehörde")) == []
        assert ids_of(self.search(loaded, "Kastanien")) == ["bau-1"]
        assert ids_of(self.search(loaded, "Kastanien", principals=EVERYONE)) == []

    def test_delete(self, loaded):
        loaded.delete(["bau-1", "does-not-exist"])
        assert "bau-1" not in loaded.ids()
        assert ids_of(self.search(loaded, "Lindenweg")) == []
        assert loaded.get("bau-1", BAUAMT) is None
        loaded.delete([])

    def test_stats(self, loaded):
        assert loaded.stats()["documents"] == len(CORPUS)

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

    # -- semantic and hybrid search (vectors from the real offline encoder) --

    @pytest.fixture
    def with_vectors(self, loaded):
        """The corpus with chunk vectors from the resumable embedding pass."""
        from aktenlotse.core.config import EnrichConfig
        from aktenlotse.pipeline.embed_pass import run_embedding_pass

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
        from aktenlotse.core.config import EnrichConfig
        from aktenlotse.pipeline.embed_pass import run_embedding_pass

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
        from aktenlotse.core.config import EnrichConfig
        from aktenlotse.pipeline.embed_pass import run_embedding_pass

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


def shared_encoder():
    """The offline default encoder, loaded once per process."""
    from aktenlotse.enrich.embeddings import load_encoder

    return load_encoder("use-multilingual")


_query_vectors: dict[str, tuple[float, ...]] = {}


def query_vector(text: str) -> tuple[float, ...]:
    if text not in _query_vectors:
        from aktenlotse.enrich.embeddings import encode_queries

        _query_vectors[text] = tuple(float(x) for x in encode_queries(shared_encoder(), [text])[0])
    return _query_vectors[text]
