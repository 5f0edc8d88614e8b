"""Conformance, security trimming: what a reader's principals may see in every read
(search, facets, get), the further clauses a share ACL or traverse adds, deny entries, and
permissions set after a crawl."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aktenlotse.core.visibility import NOBODY, may_read, of_item, permissions
from tests.conformance_base import ConformanceBase
from tests.conformance_corpus import BAUAMT, BY_ID, CORPUS, EVERYONE, MUELLER, assert_facet_totals, ids_of


class PermissionConformance(ConformanceBase):
    """No read of any backend shows a document its reader may not open."""

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
        loaded.set_permissions(["bau-1", "missing"], NOBODY)
        assert ids_of(self.search(loaded, "Lindenweg", principals=BAUAMT)) == []
        assert loaded.get("bau-1", BAUAMT) is None
        assert loaded.fetch_untrimmed(["bau-1"])[0].allow == ("everyone",)  # the ACL as crawled is kept
        loaded.set_permissions(["bau-1"], permissions(["group:bauamt"]), (("group:bauamt",), (), ()))
        assert ids_of(self.search(loaded, "Lindenweg", principals=BAUAMT)) == ["bau-1"]
        assert ids_of(self.search(loaded, "Lindenweg", principals=EVERYONE)) == []
        assert loaded.fetch_untrimmed(["bau-1"])[0].allow == ("group:bauamt",)
