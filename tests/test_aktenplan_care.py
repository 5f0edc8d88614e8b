"""Aktenplan care: the audit's rules, folds with their undo (10,000 decisions identical
afterwards), the refusals, and the CLI's exit codes."""

import json
import sqlite3
import subprocess
import sys
import time

import pytest

from aktenlotse.enrich.aktenplan import build_aktenplan
from aktenlotse.services.aktenplan_audit import AuditDoc, build_audit, is_overfull, keyword_topics
from aktenlotse.services.aktenplan_audit_text import audit_dict, audit_lines
from aktenlotse.services.aktenplan_fold import FoldError, apply_fold, fold_history, propose_fold, undo_last_fold
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.appdb import app_db_path, open_app_db
from aktenlotse.stores.review_store import DocRef, ReviewTables
from tests.test_review import crawled  # noqa: F401 - the crawled share is a fixture

AG_DMS = {"ag_dms"}
# Five levels below 6: 632 (level 3) has 632.1 (level 4) with 632.1.1 (level 5).
ROWS = [
    ("6", "Bauen und Wohnen", ""),
    ("63", "Bauordnung", "6"),
    ("632", "Baugenehmigungen", "63"),
    ("632.1", "Garagen", "632"),
    ("632.1.1", "Carports", "632.1"),
    ("633", "Bauvoranfragen", "63"),
    ("9", "Finanzen", ""),
    ("90", "Steuern", "9"),
    ("902", "Hundesteuer", "90"),
    ("903", "Grundsteuer", "90"),
]


def deep_plan():
    rows = [(i + 2, {"code": c, "title": t, "parent": p or None, "keywords": t}) for i, (c, t, p) in enumerate(ROWS)]
    return build_aktenplan(rows, max_levels=None)


def stored_plan(data_dir):
    with AktenplanStore(data_dir) as store:
        return store.save(deep_plan(), "plan.csv").version


def decision_rows(data_dir):
    conn = sqlite3.connect(app_db_path(data_dir))
    try:
        return conn.execute("SELECT * FROM review_decisions ORDER BY id").fetchall()
    finally:
        conn.close()


def plan_rows(data_dir):
    conn = sqlite3.connect(app_db_path(data_dir))
    try:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("aktenplan_imports", "aktenplan_classes", "aktenplan_folded")
        ]
    finally:
        conn.close()


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
        tables.add_model("krause", 40, 8, 0.75, 0.875, [("632", "633", 2)])
        assert tables.latest_model_confusions() == [("632", "633", 2)]
        tables.add_model("krause", 41, 8, 1.0, 1.0, [])
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


# -- folds ---------------------------------------------------------------------------------


def test_proposal_folds_the_branch_into_level_three():
    proposal = propose_fold(deep_plan(), "632.1")
    assert (proposal.target, proposal.codes) == ("632", ("632.1", "632.1.1"))
    assert "632.1" not in proposal.plan.classes and "632.1.1" not in proposal.plan.classes
    assert proposal.plan.folded == {"632.1": "632", "632.1.1": "632"}
    assert {"Garagen", "Carports"} <= set(proposal.plan.classes["632"].keywords)
    merge = propose_fold(deep_plan(), "633", into="632")
    assert merge.codes == ("633",) and merge.plan.get("633").code == "632"


@pytest.mark.parametrize(
    ("code", "into", "message"),
    [
        ("999", None, "gibt es im aktuellen Aktenplan nicht"),
        ("632", None, "nicht tiefer als Ebene 3"),
        ("633", "999", "Zielklasse 999 gibt es"),
        ("632", "632.1", "das Ziel liegt in der Klasse selbst"),
        ("632", "632", "das Ziel liegt in der Klasse selbst"),
    ],
)
def test_fold_refusals(code, into, message):
    with pytest.raises(FoldError, match=message):
        propose_fold(deep_plan(), code, into)


def test_fold_of_10000_decisions_and_undo_leave_the_rows_identical(tmp_path):
    stored_plan(tmp_path)
    tables = ReviewTables(open_app_db(tmp_path))
    for i, code in enumerate(("632.1", "632.1.1", "632", "633")):
        n = 10_000 if code == "632.1" else 500
        refs = [DocRef("daten", f"{code}/{k}.txt", f"h{i}-{k}") for k in range(n)]
        tables.add_decisions(refs, decision="accept", code=code, comment="", reviewer="krause")
    tables.add_decisions([DocRef("daten", "skip.txt", None)], decision="skip", code=None, comment="", reviewer="k")
    tables.close()
    before, plan_before = decision_rows(tmp_path), plan_rows(tmp_path)
    started = time.perf_counter()
    fold = apply_fold(tmp_path, "632.1", None, reviewer="krause", roles=AG_DMS)
    folded_at = time.perf_counter()
    after_fold = decision_rows(tmp_path)
    undone = undo_last_fold(tmp_path, reviewer="yilmaz", roles=AG_DMS)
    finished = time.perf_counter()
    print(f"fold {folded_at - started:.3f} s, undo {finished - folded_at:.3f} s for 10,500 decisions")
    assert fold.moved == 10_500 and undone.moved == 10_500
    assert len(after_fold) == len(before)
    assert {row[4] for row in after_fold if row[2].startswith("632.1")} == {"632"}
    assert [r for r in after_fold if not r[2].startswith("632.1")] == [
        r for r in before if not r[2].startswith("632.1")
    ]
    with AktenplanStore(tmp_path) as store:
        # the plan before the fold, as the next version: version numbers only grow
        assert store.current_version() == undone.undo_version == fold.to_version + 1
        restored, original = store.load(), store.load(fold.from_version)
        assert (restored.classes, restored.folded) == (original.classes, original.folded)
    assert decision_rows(tmp_path) == before
    imports, classes, folded = plan_rows(tmp_path)
    assert [row[3] for row in imports] == [plan_before[0][0][3], imports[1][3], plan_before[0][0][3]]  # hashes
    assert [row[1:] for row in classes if row[0] == undone.undo_version] == [row[1:] for row in plan_before[1]]
    assert [row[1:] for row in folded if row[0] == undone.undo_version] == [row[1:] for row in plan_before[2]]
    assert [(f.codes, f.undone_by) for f in fold_history(tmp_path)] == [(("632.1", "632.1.1"), "yilmaz")]


def test_two_folds_undone_newest_first(tmp_path):
    stored_plan(tmp_path)
    tables = ReviewTables(open_app_db(tmp_path))
    for code in ("632.1.1", "633", "632"):
        tables.add_decisions(
            [DocRef("daten", f"{code}.txt", code)], decision="accept", code=code, comment="", reviewer="k"
        )
    tables.close()
    before = decision_rows(tmp_path)
    apply_fold(tmp_path, "632.1", None, reviewer="k", roles=AG_DMS)
    apply_fold(tmp_path, "632", "633", reviewer="k", roles=AG_DMS)  # 632 now holds what 632.1.1 had
    assert {row[4] for row in decision_rows(tmp_path)} == {"633"}
    second = undo_last_fold(tmp_path, reviewer="k", roles=AG_DMS)
    assert second.codes == ("632",)
    assert [row[4] for row in decision_rows(tmp_path)] == ["632", "633", "632"]
    first = undo_last_fold(tmp_path, reviewer="k", roles=AG_DMS)
    assert first.codes == ("632.1", "632.1.1")
    assert decision_rows(tmp_path) == before
    with AktenplanStore(tmp_path) as store:
        assert list(store.load().classes) == [code for code, _, _ in ROWS]


def test_fold_makes_a_new_version_and_the_code_stays_known(tmp_path):
    first = stored_plan(tmp_path)
    fold = apply_fold(tmp_path, "633", "632", reviewer="krause", roles=AG_DMS)
    with AktenplanStore(tmp_path) as store:
        assert store.current_version() == fold.to_version == first + 1
        assert store.load().get("633").code == "632"
        assert "633" in store.load(first).classes  # the old version is kept


def test_undo_refusals(tmp_path):
    with pytest.raises(FoldError, match="noch kein Aktenplan|Noch kein Aktenplan"):
        apply_fold(tmp_path, "632.1", None, reviewer="k", roles=AG_DMS)
    stored_plan(tmp_path)
    with pytest.raises(FoldError, match="keine Faltung"):
        undo_last_fold(tmp_path, reviewer="k", roles=AG_DMS)
    with pytest.raises(FoldError, match="AG DMS"):
        apply_fold(tmp_path, "632.1", None, reviewer="k", roles={"employee"})
    apply_fold(tmp_path, "632.1", None, reviewer="k", roles=AG_DMS)
    with pytest.raises(FoldError, match="schon in 632 eingefaltet"):
        apply_fold(tmp_path, "632.1", None, reviewer="k", roles=AG_DMS)
    with AktenplanStore(tmp_path) as store:  # another import after the fold
        store.save(build_aktenplan([(2, {"code": "1", "title": "Neu", "parent": None})]), "neu.csv")
    before = decision_rows(tmp_path), plan_rows(tmp_path)
    with pytest.raises(FoldError, match="seit ihr wurde ein anderer Aktenplan importiert"):
        undo_last_fold(tmp_path, reviewer="k", roles=AG_DMS)
    assert (decision_rows(tmp_path), plan_rows(tmp_path)) == before  # nothing changed


def test_failed_fold_writes_nothing(tmp_path):
    stored_plan(tmp_path)
    conn = open_app_db(tmp_path)
    ReviewTables(conn).add_decisions(
        [DocRef("daten", "a.txt", "h")], decision="accept", code="632.1", comment="", reviewer="k"
    )
    # The move of the decisions is the fold's last write: failing there, after the new plan
    # version and the fold record were written, must take those back too.
    with conn:
        conn.execute("CREATE TRIGGER no_moves BEFORE UPDATE ON review_decisions BEGIN SELECT RAISE(ABORT, 'voll'); END")
    conn.close()
    before = decision_rows(tmp_path), plan_rows(tmp_path)
    with pytest.raises(sqlite3.IntegrityError):
        apply_fold(tmp_path, "632.1", None, reviewer="k", roles=AG_DMS)
    assert (decision_rows(tmp_path), plan_rows(tmp_path)) == before
    assert fold_history(tmp_path) == []


# -- the CLI -------------------------------------------------------------------------------


def run_cli(config, *args):
    command = [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "aktenplan", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_cli_import_audit_fold_undo(tmp_path):
    data = tmp_path / "data"
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    no_plan = run_cli(config, "audit")
    assert no_plan.returncode == 1 and no_plan.stderr.count("\n") == 1 and "kein Aktenplan" in no_plan.stderr
    assert not (data / "app.sqlite").exists()  # a reading command writes nothing
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text("code,title,parent\n" + "".join(f"{c},{t},{p}\n" for c, t, p in ROWS), encoding="utf-8")
    imported = run_cli(config, "import", plan_file, "--keep-levels")
    assert imported.returncode == 0, imported.stderr
    audit = run_cli(config, "audit", "--json")
    assert audit.returncode == 0, audit.stderr
    assert [d["code"] for d in json.loads(audit.stdout)["deep"]] == ["632.1"]
    assert "Tiefer als Ebene 3" in run_cli(config, "audit").stdout
    refused = run_cli(config, "fold", "632", "--reviewer", "krause")
    assert refused.returncode == 1 and "nicht tiefer als Ebene 3" in refused.stderr
    assert "Traceback" not in refused.stderr and refused.stderr.count("\n") == 1
    assert run_cli(config, "fold", "999", "--reviewer", "krause").returncode == 1
    folded = run_cli(config, "fold", "632.1", "--reviewer", "krause")
    assert folded.returncode == 0 and "Version 2" in folded.stdout, folded.stderr
    versions = run_cli(config, "versions")
    assert "Faltung 632.1, 632.1.1 → 632 von krause" in versions.stdout
    assert run_cli(config, "undo-fold", "--reviewer", "krause").returncode == 0
    nothing = run_cli(config, "undo-fold", "--reviewer", "krause")
    assert nothing.returncode == 1 and "keine Faltung" in nothing.stderr
    assert run_cli(config, "fold", "632.1").returncode == 2  # --reviewer is required


# -- the page ------------------------------------------------------------------------------


def _care_page(config: str, roles: tuple[str, ...]) -> None:
    from aktenlotse.identity.users import UserInfo
    from aktenlotse.portal import ui_aktenplan
    from aktenlotse.portal.context import build_context

    ui_aktenplan.render(build_context(config), UserInfo("krause", "Heike Krause", "", "", (), (), frozenset(roles)))


def plain(markdown: str) -> str:
    """A page text without the escapes `markdown_text` adds."""
    return markdown.replace("\\", "")


def test_page_folds_and_undoes_after_confirmation(tmp_path):
    from streamlit.testing.v1 import AppTest

    data = tmp_path / "data"
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{data}"\n[auth]\nmode = "demo"\n', encoding="utf-8")
    stored_plan(data)
    tables = ReviewTables(open_app_db(data))
    tables.add_decisions([DocRef("daten", "a.txt", "h")], decision="accept", code="632.1", comment="", reviewer="k")
    tables.close()
    before = decision_rows(data)
    at = AppTest.from_function(_care_page, args=(str(config), ("ag_dms",)), default_timeout=120).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric][:2] == ["10", "1"]  # ten classes, 632.1 deeper than level 3
    at.button(key="aplan_fold_632.1").click().run()
    assert decision_rows(data) == before  # nothing happens before the confirmation
    assert "in 632 einfalten" in plain(at.warning[0].value)
    at.button(key="aplan_confirm").click().run()
    assert not at.exception, at.exception
    assert "632.1, 632.1.1 in 632 eingefaltet" in plain(at.success[0].value)
    assert [row[4] for row in decision_rows(data)] == ["632"]
    at.button(key="aplan_undo").click().run()
    at.button(key="aplan_cancel").click().run()
    assert [row[4] for row in decision_rows(data)] == ["632"]  # cancelled: still folded
    at.button(key="aplan_undo").click().run()
    at.button(key="aplan_confirm").click().run()
    assert "rückgängig gemacht" in plain(at.success[0].value)
    assert decision_rows(data) == before
    at.selectbox(key="aplan_merge_code").set_value("633")
    at.selectbox(key="aplan_merge_into").set_value("633")
    at.button(key="aplan_merge").click().run()
    assert "andere Zielklasse" in at.error[0].value and not at.warning
    at.selectbox(key="aplan_merge_into").set_value("632")
    at.button(key="aplan_merge").click().run()
    at.button(key="aplan_confirm").click().run()
    assert "633 in 632 eingefaltet" in plain(at.success[0].value)
    with AktenplanStore(data) as store:
        assert "633" not in store.load().classes and store.load().folded["633"] == "632"
    refused = AppTest.from_function(_care_page, args=(str(config), ("employee",)), default_timeout=120).run()
    assert "AG DMS" in refused.error[0].value and not refused.button


def test_audit_of_a_real_crawl_through_the_cli(crawled, tmp_path):  # noqa: F811 - the fixture
    from aktenlotse.services.review import ReviewStore

    store = ReviewStore(crawled.data)
    # by path only (no hash): the decision is found as the review finds it
    store.decide(
        [DocRef("daten", "Bauamt/632/bauantrag-1.txt", None)], decision="accept", code="632", reviewer="k", roles=AG_DMS
    )
    store.decide(
        [DocRef("daten", "Kämmerei/Hundesteuer/anmeldung.txt", None)],
        decision="skip",
        code=None,
        reviewer="k",
        roles=AG_DMS,
    )
    store.close()
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{crawled.data}"\n', encoding="utf-8")
    out = run_cli(config, "audit", "--json")
    assert out.returncode == 0, out.stderr
    audit = json.loads(out.stdout)
    figures = {c["code"]: c for c in audit["classes"]}
    size = (crawled.root / "Bauamt/632/bauantrag-1.txt").stat().st_size
    assert audit["documents"] == 3
    assert (figures["632"]["decided"], figures["632"]["decided_bytes"], figures["632"]["decided_folders"]) == (
        1,
        size,
        1,
    )
    assert audit["empty"] == ["9", "902"]  # the one Kämmerei document is not to be migrated
