"""The review page's work as plain functions: which folders and documents are shown, the
folder's own suggestion, a decision on many documents, what the page needs to open."""

from pathlib import Path

import pytest

from aktenlotse.core.config import Config
from aktenlotse.enrich.aktenplan import read_aktenplan
from aktenlotse.identity.users import UserInfo
from aktenlotse.services.review import DocRef, ReviewError, ReviewFolder, ReviewItem, ReviewStore
from aktenlotse.services.review_desk import (
    DeskUnavailable,
    ReviewDesk,
    decide_items,
    folder_suggestion,
    matching_folders,
    open_desk,
    shown_items,
)
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.statedb import StateDB

pytestmark = pytest.mark.review
PLAN_CSV = """code,title,parent,description,keywords
6,Bauen und Wohnen,,Bauwesen,Bau;Wohnen
632,Baugenehmigungen,6,Bauanträge und Baugenehmigungen,Bauantrag;Baugenehmigung
9,Finanzen,,Haushalt und Steuern,Haushalt;Steuer
902,Hundesteuer,9,Hundesteuer,Hundesteuer;Hund
"""
KRAUSE = UserInfo("krause", "Heike Krause", "", "", (), (), frozenset({"employee", "ag_dms"}))


def _plan(tmp_path: Path):
    path = tmp_path / "plan.csv"
    path.write_text(PLAN_CSV, encoding="utf-8")
    return read_aktenplan(path)


def _item(name: str, *suggestions: tuple[str, float]) -> ReviewItem:
    return ReviewItem(
        id=name,
        ref=DocRef("akten", f"Bauamt/{name}", f"hash-{name}"),
        title=name,
        suggestions=[
            {"code": code, "title": "", "score": score, "reasons": ["Stichwort"]} for code, score in suggestions
        ],
        decision=None,
    )


def test_matching_folders_are_those_of_the_source_containing_the_text():
    folders = [
        ReviewFolder("akten", "Bauamt/Anträge", 2, 2),
        ReviewFolder("akten", "Kämmerei", 1, 1),
        ReviewFolder("archiv", "Bauamt/Alt", 1, 1),
    ]
    assert list(matching_folders(folders, "akten", "bauamt")) == ["Bauamt/Anträge"]
    assert list(matching_folders(folders, "akten", "")) == ["Bauamt/Anträge", "Kämmerei"]
    assert matching_folders(folders, "nirgends", "") == {}


def test_shown_items_keep_undecidable_documents_and_filter_by_confidence_and_code():
    items = [_item("a", ("632", 0.9)), _item("b", ("902", 0.2)), _item("c")]
    assert [i.id for i in shown_items(items)] == ["a", "b", "c"]
    # Without a suggestion a document needs a decision most: a confidence floor keeps it.
    assert [i.id for i in shown_items(items, min_confidence=0.5)] == ["a", "c"]
    # A code prefix asks for a suggested class: documents without one cannot match.
    assert [i.id for i in shown_items(items, code_prefix="9")] == ["b"]
    assert [i.id for i in shown_items(items, min_confidence=0.5, code_prefix="9")] == []


def test_folder_suggestion_uses_only_classes_of_the_current_plan(tmp_path):
    plan = _plan(tmp_path)
    items = [_item("a", ("632", 0.8)), _item("b", ("632", 0.7)), _item("c", ("777", 0.99))]
    best = folder_suggestion(plan, "Bauamt/Bauanträge", items)
    assert best is not None and best.code == "632"
    assert all(s.code in plan.classes for s in [best])


def test_decide_items_accepts_each_documents_own_suggestion(tmp_path):
    plan = _plan(tmp_path)
    store = ReviewStore(tmp_path)
    desk = ReviewDesk(plan, StateDB(tmp_path / "state.sqlite"), store)
    try:
        items = [_item("a", ("632", 0.8)), _item("b", ("902", 0.6)), _item("c")]
        assert decide_items(desk, items, "accept", None, KRAUSE) == 2  # "c" has nothing to accept
        assert store.decision_for(items[0].ref).code == "632"
        assert store.decision_for(items[1].ref).code == "902"
        assert store.decision_for(items[2].ref) is None
        assert decide_items(desk, items, "reassign", "902", KRAUSE, "Dublette") == 3
        assert {store.decision_for(i.ref).code for i in items} == {"902"}
        with pytest.raises(ReviewError):  # a reassignment needs a class
            decide_items(desk, items, "reassign", None, KRAUSE)
        guest = UserInfo("gast", "Gast", "", "", (), (), frozenset({"employee"}))
        with pytest.raises(ReviewError):  # the store checks the roles, not only the page
            decide_items(desk, items, "skip", None, guest)
    finally:
        desk.close()


def test_suggestions_of_a_folded_class_count_for_its_target(tmp_path):
    plan = _plan(tmp_path)
    plan.folded["632.1"] = "632"  # as after `aktenplan fold 632.1`: the index still says 632.1
    items = [_item("a", ("632.1", 0.8)), _item("b", ("632.1", 0.7))]
    best = folder_suggestion(plan, "Bauamt/Garagen", items)
    assert best is not None and best.code == "632"
    store = ReviewStore(tmp_path)
    desk = ReviewDesk(plan, StateDB(tmp_path / "state.sqlite"), store)
    try:
        assert decide_items(desk, items, "accept", None, KRAUSE) == 2
        assert {store.decision_for(i.ref).code for i in items} == {"632"}
    finally:
        desk.close()


def test_open_desk_says_what_is_missing(tmp_path):
    config = Config(data_dir=tmp_path / "data")
    with pytest.raises(DeskUnavailable) as missing:
        open_desk(config)
    assert missing.value.kind == "no_plan"
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(PLAN_CSV, encoding="utf-8")
    with AktenplanStore(config.data_dir) as plans:
        plans.import_file(plan_file)
    with pytest.raises(DeskUnavailable) as missing:
        open_desk(config)
    assert missing.value.kind == "no_crawl"
    StateDB(config.state_db).close()
    desk = open_desk(config)
    try:
        assert set(desk.plan.classes) >= {"632", "902"}
    finally:
        desk.close()
