"""Aktenplan care, the audit: its rules (figures, classes deeper than level 3, empty and
overfull classes, keyword topics, confusion pairs) and what it reads from a crawl."""

import json

import pytest

from aktenlotse.enrich.aktenplan import build_aktenplan
from aktenlotse.services.aktenplan_audit import AuditDoc, build_audit, is_overfull, keyword_topics
from aktenlotse.services.aktenplan_audit_text import audit_dict, audit_lines
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.review_store import DocRef, ModelRun, ReviewTables
from tests.deep_aktenplan import AG_DMS, ROWS, deep_plan


def doc(path, decided=None, suggested=None, size=100, reassigned=False, keywords=()):
    return AuditDoc("daten", path, size, decided, suggested, reassigned, tuple(keywords))


# -- the audit's rules -------------------------------------------------------------------


def test_figures_deep_and_empty_classes():
    plan = deep_plan()
    docs = [
        doc("Bauamt/a.txt", decided="632", suggested="633", size=10),
        doc("Bauamt/b.txt", decided="632.1.1", suggested="632", size=20),
        doc("Bauamt/Garagen/c.txt", decided="632.1", size=30),
        doc("Kämmerei/d.txt", suggested="902", size=40),
        doc("Kämmerei/e.txt", decided="777"),  # a class the plan does not have: reported, not counted
    ]
    audit = build_audit(plan, docs)
    figures = {c.code: c for c in audit.classes}
    assert (figures["632"].decided, figures["632"].decided_bytes, figures["632"].decided_folders) == (1, 10, 1)
    assert (figures["632.1"].decided, figures["632.1"].decided_folders) == (1, 1)
    assert (figures["633"].suggested, figures["632"].suggested, figures["902"].suggested_bytes) == (1, 1, 40)
    assert [(d.code, d.target, d.decided) for d in audit.deep] == [("632.1", "632", 2)]
    assert set(audit.deep[0].documents) == {"daten:Bauamt/b.txt", "daten:Bauamt/Garagen/c.txt"}
    assert audit.empty == ["903"]  # 9 and 90 hold 902's suggestion below them
    assert audit.unknown_codes == {"777": 1}
    assert audit.documents == 5
    text = "\n".join(audit_lines(audit))
    assert "632.1 Garagen → 632: 2 entschiedene Dokumente" in text and "777: 1" in text
    assert json.loads(json.dumps(audit_dict(audit)))["deep"][0]["target"] == "632"


def test_folded_codes_count_for_their_target():
    plan = build_aktenplan([(i + 2, {"code": c, "title": t, "parent": p or None}) for i, (c, t, p) in enumerate(ROWS)])
    assert plan.folded == {"632.1": "632", "632.1.1": "632"}
    audit = build_audit(plan, [doc("a.txt", decided="632.1.1")])
    assert {c.code: c.decided for c in audit.classes}["632"] == 1
    assert audit.deep == [] and audit.unknown_codes == {}


def test_overfull_rule():
    # far above the median but a tiny share of everything: not overfull
    assert not is_overfull(30, [30] + [1] * 10 + [10] * 100, 1040)
    # a third of all documents, ten times the median: overfull
    assert is_overfull(60, [60, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6], 180)
    # the largest class of an even plan is not
    assert not is_overfull(12, [12, 10, 11, 10, 9], 52)
    # too small to split, whatever the share
    assert not is_overfull(9, [9, 1, 1], 11)
    assert not is_overfull(40, [40], 40)  # one class alone has no "rest" to compare with


def test_overfull_class_gets_keyword_topics():
    docs = [doc(f"Bau/g{i}.txt", suggested="632", keywords=("Bauantrag", "Garage", "Stellplatz")) for i in range(12)]
    docs += [doc(f"Bau/w{i}.txt", suggested="632", keywords=("Bauantrag", "Windkraft", "Abstand")) for i in range(8)]
    docs += [doc(f"Fin/h{i}.txt", suggested=code) for i, code in enumerate(["902", "903", "633"] * 2)]
    audit = build_audit(deep_plan(), docs)
    assert [o.code for o in audit.overfull] == ["632"]
    # documents not to be migrated lie in no class: skipped, the same class is not overfull
    skipped = [AuditDoc(d.source, d.path, d.size, None, d.suggested, skipped=d.suggested == "632") for d in docs]
    assert build_audit(deep_plan(), skipped).overfull == []
    topics = audit.overfull[0].topics
    # "bauantrag" is on every document of the class: it names the class, not a sub-topic
    assert [(t.keywords[0], t.documents) for t in topics] == [("garage", 12), ("windkraft", 8)]
    assert set(topics[0].keywords) == {"garage", "bauantrag", "stellplatz"}


def test_keyword_topics_need_two_documents():
    assert keyword_topics([("a", "b"), ("c",), ("d",)]) == ()
    assert keyword_topics([]) == ()


def test_confusion_pairs_from_reassign_decisions():
    docs = [doc(f"x{i}", decided="633", suggested="632", reassigned=True) for i in range(2)]
    docs += [doc("y", decided="632", suggested="633", reassigned=True)]
    docs += [doc("z", decided="902", suggested="903", reassigned=True)]  # once: not yet "keeps confusing"
    docs += [doc(f"a{i}", decided="632", suggested="632") for i in range(3)]  # accepted: no confusion
    audit = build_audit(deep_plan(), docs)
    assert [(p.first, p.second, p.count) for p in audit.confusions] == [("632", "633", 3)]
    assert [(p.first, p.second) for p in build_audit(deep_plan(), docs, min_confusions=1).confusions][1] == (
        "902",
        "903",
    )


def test_confusion_pairs_from_the_heldout_evaluation():
    # (decided, put first by the model, count); folded and removed codes as the plan has them
    mistakes = [("632", "633", 2), ("633", "632", 1), ("632.9", "902", 2), ("632", "999", 5), ("902", "903", 1)]
    plan = deep_plan()
    plan.folded["632.9"] = "632"  # a class folded away since the training
    audit = build_audit(plan, [], model_mistakes=mistakes)
    assert [(p.first, p.second, p.count) for p in audit.model_confusions] == [("632", "633", 3), ("632", "902", 2)]
    assert audit_dict(audit)["model_confusions"][0] == {"first": "632", "second": "633", "count": 3}
    assert any("Vom Modell verwechselt" in line for line in audit_lines(audit))


def test_training_runs_keep_their_heldout_mistakes(tmp_path):
    tables = ReviewTables(open_app_db(tmp_path))
    try:
        tables.add_model(ModelRun("krause", 40, 8, 0.75, 0.875, [("632", "633", 2)]))
        assert tables.latest_model_confusions() == [("632", "633", 2)]
        tables.add_model(ModelRun("krause", 41, 8, 1.0, 1.0))
        assert tables.latest_model_confusions() == []  # the newest run counts
    finally:
        tables.close()


def test_audit_reads_sizes_decisions_suggestions_and_keywords(tmp_path):
    from aktenlotse.search.embedded import EmbeddedBackend
    from aktenlotse.services.aktenplan_audit_data import audit_docs
    from aktenlotse.services.review import ReviewStore
    from aktenlotse.stores.statedb import StateDB
    from tests.sample_documents import sample_document

    files = [  # path, size, first suggestion, keywords
        ("Bauamt/Garagen/a.txt", 100, "632", ["Garage"]),
        ("Bauamt/b.txt", 200, "633", ["Voranfrage", "Garage"]),
        ("Kämmerei/c.txt", 300, None, []),
    ]
    state = StateDB(tmp_path / "state.sqlite")
    state.add_indexed_rows(
        (f"i{n}", "daten", folder.encode(), name.encode(), size, 0.0, 0.0, None, f"h{n}", "", "", 0, "indexed")
        for n, (path, size, _, _) in enumerate(files)
        for folder, _, name in [path.rpartition("/")]
    )
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    backend.upsert(
        [
            sample_document(
                f"i{n}",
                path,
                path,
                "Text",
                source="daten",
                extra={"keywords": keywords, "aktenplan": [{"code": code, "score": 0.5}] if code else []},
            )
            for n, (path, _, code, keywords) in enumerate(files)
        ]
    )
    store = ReviewStore(tmp_path)
    store.decide([DocRef("daten", "Bauamt/b.txt", "h1")], decision="reassign", code="632", reviewer="k", roles=AG_DMS)
    store.decide([DocRef("daten", "Kämmerei/c.txt", "h2")], decision="skip", code=None, reviewer="k", roles=AG_DMS)
    try:
        docs = list(audit_docs(state, store, backend, AG_DMS))
        with pytest.raises(Exception, match="AG DMS|Administrator"):
            list(audit_docs(state, store, backend, {"employee"}))
    finally:
        store.close()
        backend.close()
        state.close()
    assert docs == [  # in the crawl's order: folder, then name
        doc("Bauamt/b.txt", "632", "633", 200, True, ["Voranfrage", "Garage"]),
        doc("Bauamt/Garagen/a.txt", None, "632", 100, False, ["Garage"]),
        AuditDoc("daten", "Kämmerei/c.txt", 300, None, None, keywords=(), skipped=True),
    ]
    audit = build_audit(deep_plan(), docs, min_confusions=1)
    assert [(p.first, p.second) for p in audit.confusions] == [("632", "633")]
