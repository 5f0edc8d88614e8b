"""Aktenplan care, the folds: proposals and their refusals, folds with their undo (10,000
decisions identical afterwards), new plan versions, and a failed fold that writes nothing."""

import sqlite3
import time

import pytest

from aktenlotse.enrich.aktenplan import build_aktenplan
from aktenlotse.services.aktenplan_fold import FoldError, apply_fold, fold_history, propose_fold, undo_last_fold
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.review_store import DocRef, ReviewTables
from tests.deep_aktenplan import AG_DMS, ROWS, decision_rows, deep_plan, plan_rows, stored_plan


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
