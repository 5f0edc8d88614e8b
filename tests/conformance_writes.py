"""Conformance, writes and reads of whole documents: upsert, delete, get, the untrimmed
fetch of the passes and the AG DMS listing, the passes' field updates, chunk vectors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.core.visibility import DmsRoleRequired, permissions
from aktenlotse.search.backend import Backend, ChunkVectors, FieldUpdate, PassIndex
from aktenlotse.search.vector_store import content_key
from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, EVERYONE, ids_of


class WriteConformance(ConformanceBase):
    """What is written is read back the same on every backend."""

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

    def test_update_fields_cannot_carry_permissions(self):
        with pytest.raises(ValueError):
            FieldUpdate("bau-1", {"allow": ("everyone",)}, "key")
        with pytest.raises(ValueError):
            FieldUpdate("bau-1", {"path": "x"}, "key")

    def test_update_fields_keeps_permissions_set_after_the_read(self, loaded):
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
