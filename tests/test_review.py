"""AG DMS review: roles, decisions that survive moves and re-crawls, learning from
decisions, the migration export (also 200,000 rows in bounded memory)."""

import json
import random
import shutil
import time
import tracemalloc
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from aktenlotse.core.config import Config, SourceConfig
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.enrich.aktenplan import read_aktenplan
from aktenlotse.enrich.suggest import Suggester
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.migration_export import COLUMNS, export_chunks, write_export
from aktenlotse.services.review import DocRef, NotAllowed, ReviewError, ReviewStore, folders, items_below, progress
from aktenlotse.services.review_training import evaluate_and_train, train_from_decisions
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import CrawlEnv

pytestmark = pytest.mark.review
AG_DMS = {"employee", "ag_dms"}


def krause_decides(store: ReviewStore, path: str, decision: str, code: str, comment: str = "") -> None:
    """krause (AG DMS) decides one document of the crawled share "daten", named by its
    path only (no content hash: the decision is found as the review finds it)."""
    store.decide(
        [DocRef("daten", path, None)], decision=decision, code=code, reviewer="krause", roles=AG_DMS, comment=comment
    )


def _reassign_anmeldung_to_902(store: ReviewStore, comment: str = "") -> None:
    """krause (AG DMS) files the dog-tax registration under 902 Hundesteuer."""
    krause_decides(store, "Kämmerei/Hundesteuer/anmeldung.txt", "reassign", "902", comment)


REVOSAX = Path(__file__).resolve().parents[2] / "shared" / "data" / "revosax"
PLAN_CSV = """code,title,parent,description,keywords
6,Bauen und Wohnen,,Bauwesen,Bau;Wohnen
632,Baugenehmigungen,6,Bauanträge und Baugenehmigungen,Bauantrag;Baugenehmigung
9,Finanzen,,Haushalt und Steuern,Haushalt;Steuer
902,Hundesteuer,9,Hundesteuer,Hundesteuer;Hund
"""


def test_employees_cannot_decide(tmp_path):
    store = ReviewStore(tmp_path)
    with pytest.raises(NotAllowed):
        store.decide(
            [DocRef("d", "a.txt", "h1")], decision="accept", code="632", reviewer="schmidt", roles={"employee"}
        )
    with pytest.raises(ReviewError, match="Klasse"):
        store.decide([DocRef("d", "a.txt", "h1")], decision="reassign", code="", reviewer="krause", roles=AG_DMS)
    with pytest.raises(ReviewError, match="gibt es im aktuellen Aktenplan nicht"):
        store.decide(
            [DocRef("d", "a.txt", "h1")],
            decision="reassign",
            code="999",
            reviewer="krause",
            roles=AG_DMS,
            known_codes={"632"},
        )
    assert (
        store.decide(
            [DocRef("d", "a.txt", "h1")],
            decision="skip",
            code=None,
            reviewer="krause",
            roles=AG_DMS,
            comment="Dublette",
        )
        == 1
    )
    decision = store.decision_for(DocRef("d", "a.txt", "h1"))
    assert (decision.decision, decision.reviewer, decision.comment) == ("skip", "krause", "Dublette")
    assert time.time() - decision.at < 60


def test_retrain_needs_the_role(tmp_path):
    config = Config(data_dir=tmp_path)
    with pytest.raises(ReviewError, match="AG DMS"):
        train_from_decisions(config, None, "schmidt", {"employee"})


@pytest.fixture
def crawled(tmp_path, tika_server):
    env = CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))
    env.write("Bauamt/632/bauantrag-1.txt", "Bauantrag für eine Garage, Az. 632.10-2024/001.")
    env.write("Bauamt/632/bauantrag-2.txt", "Bauantrag für ein Carport, Baugenehmigung erteilt.")
    env.write("Kämmerei/Hundesteuer/anmeldung.txt", "Anmeldung eines Hundes zur Hundesteuer.")
    (env.data).mkdir(parents=True, exist_ok=True)
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(PLAN_CSV, encoding="utf-8")
    AktenplanStore(env.data).import_file(plan_file)
    env.crawl()
    return env


def test_decisions_survive_move_and_recrawl(crawled):
    env = crawled
    store = ReviewStore(env.data)
    state = StateDB(env.data / "state.sqlite")
    backend = EmbeddedBackend(env.data / "index.sqlite")
    items = items_below(state, backend, store, "daten", "Bauamt", recursive=True, roles={"ag_dms"})
    assert [i.ref.path for i in items] == ["Bauamt/632/bauantrag-1.txt", "Bauamt/632/bauantrag-2.txt"]
    store.decide([i.ref for i in items], decision="reassign", code="632", reviewer="krause", roles=AG_DMS)
    state.close()
    backend.close()
    (env.root / "Archiv").mkdir()
    shutil.move(env.root / "Bauamt/632/bauantrag-1.txt", env.root / "Archiv/bauantrag-1.txt")
    assert env.crawl().moved == 1
    env.crawl()
    state = StateDB(env.data / "state.sqlite")
    backend = EmbeddedBackend(env.data / "index.sqlite")
    try:
        moved = items_below(state, backend, store, "daten", "Archiv", roles={"ag_dms"})
        assert moved[0].decision is not None and moved[0].decision.code == "632"
        figures = progress(state, store)
        assert (figures["documents"], figures["documents_decided"]) == (3, 2)
        assert figures["by_class"] == {"632": 2}
    finally:
        state.close()
        backend.close()


def test_export_matches_decisions_and_opens_with_pandas_and_openpyxl(crawled, tmp_path):
    env = crawled
    store = ReviewStore(env.data)
    shutil.copy(env.root / "Kämmerei/Hundesteuer/anmeldung.txt", env.root / "Kämmerei/anmeldung-kopie.txt")
    env.crawl()
    _reassign_anmeldung_to_902(store, comment="Steueramt")
    config = Config(data_dir=env.data, sources=(env.source_config,))
    from aktenlotse.services.migration_export import export_migration_list

    for fmt in ("xlsx", "csv"):
        target = tmp_path / f"liste.{fmt}"
        assert export_migration_list(config, target, fmt, roles={"ag_dms"}) == 4
        frame = (pd.read_excel(target, dtype=str) if fmt == "xlsx" else pd.read_csv(target, sep=";", dtype=str)).fillna(
            ""
        )
        assert list(frame.columns) == list(COLUMNS)
        row = frame[frame["UNC-Pfad"] == "\\\\rathaus\\daten\\Kämmerei\\Hundesteuer\\anmeldung.txt"].iloc[0]
        assert (
            row["Aktenplan-Kennziffer"],
            row["Aktenplan-Titel"],
            row["Entscheidung"],
            row["Geprüft von"],
            row["Kommentar"],
        ) == ("902", "Hundesteuer", "andere Klasse", "krause", "Steueramt")
        copies = frame[frame["Dublettengruppe"] != ""]
        assert len(copies) == 2 and copies["Dublettengruppe"].nunique() == 1
        assert set(frame["Entscheidung"]) == {"andere Klasse", "offen"}
    sheet = openpyxl.load_workbook(tmp_path / "liste.xlsx").active
    assert sheet.auto_filter.ref == "A1:M5"
    assert sheet["A1"].font.bold and sheet.column_dimensions["A"].width == COLUMNS["UNC-Pfad"]
    assert sheet.freeze_panes == "A2"


def test_stale_class_after_reimport_is_flagged_not_lost(crawled, tmp_path):
    env = crawled
    store = ReviewStore(env.data)
    _reassign_anmeldung_to_902(store)
    smaller = tmp_path / "plan2.csv"
    smaller.write_text(PLAN_CSV.replace("902,Hundesteuer,9,Hundesteuer,Hundesteuer;Hund\n", ""), encoding="utf-8")
    AktenplanStore(env.data).import_file(smaller)
    plan = AktenplanStore(env.data).load()
    stale = store.stale_decisions(plan.classes)
    assert [(d.path, d.code) for d in stale] == [("Kämmerei/Hundesteuer/anmeldung.txt", "902")]


def test_export_of_200000_rows_in_bounded_memory(tmp_path):
    state = StateDB(tmp_path / "state.sqlite")
    rows = [
        (
            f"{i:032x}",
            "daten",
            f"Ordner {i // 500}".encode(),
            f"datei-{i}.pdf".encode(),
            1000 + i,
            1.7e9,
            1.7e9,
            None,
            f"{i % 150000:032x}",
            "everyone",
            "",
            0,
            "indexed",
        )
        for i in range(200_000)
    ]
    state.add_indexed_rows(rows)
    del rows
    store = ReviewStore(tmp_path)
    store.decide(
        [DocRef("daten", "Ordner 0/datei-1.pdf", None)], decision="skip", code=None, reviewer="k", roles=AG_DMS
    )
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    config = Config(data_dir=tmp_path, sources=(SourceConfig(name="daten", root=tmp_path, display_root="\\\\srv\\d"),))
    tracemalloc.start()
    count = write_export(export_chunks(config, state, backend, store, roles={"ag_dms"}), tmp_path / "gross.csv", "csv")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 60 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    with open(tmp_path / "gross.csv", encoding="utf-8-sig") as f:
        header = f.readline()
        assert header.startswith("UNC-Pfad;")
        assert sum(1 for _ in f) == 200_000
    frame = pd.read_csv(tmp_path / "gross.csv", sep=";", dtype=str, nrows=5)
    assert frame.iloc[1]["Entscheidung"] == "nicht migrieren"
    assert frame.iloc[0]["UNC-Pfad"] == "\\\\srv\\d\\Ordner 0\\datei-0.pdf"


@pytest.mark.skipif(not REVOSAX.exists(), reason="labelled data not present")
def test_learning_from_more_decisions_raises_accuracy():
    plan = read_aktenplan(REVOSAX / "aktenplan.csv")
    rows = [json.loads(line) for line in (REVOSAX / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    random.Random(5).shuffle(rows)
    heldout = [json.loads(line) for line in (REVOSAX / "dev.jsonl").read_text(encoding="utf-8").splitlines()][:120]

    def accuracy(n_decisions: int) -> float:
        suggester = Suggester(plan, level=1)
        sub = rows[:n_decisions]
        suggester.train(
            [r["text_masked"] for r in sub], [r["label"] for r in sub], groups=[r["group"] or r["id"] for r in sub]
        )
        results = suggester.suggest_many([r["text_masked"] for r in heldout])
        return sum(r[0].code == h["label"] for r, h in zip(results, heldout, strict=True)) / len(heldout)

    few, many = accuracy(30), accuracy(150)
    assert many > few + 0.03, (few, many)


@pytest.mark.skipif(not REVOSAX.exists(), reason="labelled data not present")
def test_training_report_measures_on_heldout_folders():
    plan = read_aktenplan(REVOSAX / "aktenplan.csv")
    rows = [json.loads(line) for line in (REVOSAX / "train.jsonl").read_text(encoding="utf-8").splitlines()][:80]
    report = evaluate_and_train(
        Suggester(plan, level=1), [r["text_masked"] for r in rows], [r["label"] for r in rows], [r["id"] for r in rows]
    )
    assert report.n_decisions == 80 and 5 <= report.n_heldout <= 30
    assert 0.0 <= report.heldout_top1 <= report.heldout_top3 <= 1.0
    # Every held-out decision the model did not put first is one recorded mistake.
    mistakes = sum(n for _expected, _predicted, n in report.confusions)
    assert mistakes == round(report.n_heldout * (1 - report.heldout_top1))
    assert all(expected != predicted for expected, predicted, _n in report.confusions)


def _review_page(config: str, roles: tuple[str, ...]) -> None:
    from aktenlotse.identity.directory import UserInfo
    from aktenlotse.portal import ui_review
    from aktenlotse.portal.context import build_context

    ui_review.render(build_context(config), UserInfo("krause", "Eva Krause", "", "", (), (), frozenset(roles)))


def _review_app(env, tmp_path):
    from streamlit.testing.v1 import AppTest

    config = tmp_path / "portal.toml"
    config.write_text(
        f'data_dir = "{env.data}"\n[auth]\nmode = "demo"\n[[sources]]\nname = "daten"\nroot = "{env.root}"\n',
        encoding="utf-8",
    )
    return AppTest.from_function(_review_page, args=(str(config), tuple(AG_DMS)), default_timeout=90).run()


def _decisions_column(at) -> dict[str, str]:
    frame = at.dataframe[0].value
    return dict(zip(frame["Datei"], frame["Entscheidung"], strict=True))


def _submit(at):
    [button] = [b for b in at.button if b.label == "Entscheiden"]
    return button.click().run()


def test_review_folders_list_department_folders_without_files_of_their_own(crawled):
    state = StateDB(crawled.data / "state.sqlite")
    try:
        listed = {(f.path, f.own_files, f.files_below) for f in folders(state)}
    finally:
        state.close()
    assert listed == {("Bauamt", 0, 2), ("Bauamt/632", 2, 2), ("Kämmerei", 0, 1), ("Kämmerei/Hundesteuer", 1, 1)}


def test_review_page_shows_a_decision_at_once_and_clears_the_form(crawled, tmp_path):
    at = _review_app(crawled, tmp_path)
    assert not at.exception, at.exception
    assert at.metric[0].value == "0 / 3"
    assert "Bauamt" in at.selectbox(key="review_folder").options[0]  # listed although it holds no files itself
    at.selectbox(key="review_folder").set_value("Bauamt")
    at.checkbox(key="review_recursive").check().run()
    assert _decisions_column(at) == {"bauantrag-1.txt": "offen", "bauantrag-2.txt": "offen"}

    # "andere Klasse" without a class: refused, nothing saved, never a preselected class 0
    assert at.selectbox(key="review_code").value is None
    at.radio(key="review_action").set_value("reassign")
    _submit(at)
    assert [e.value for e in at.error] == ["Bitte eine Aktenplan-Klasse wählen."]
    assert at.metric[0].value == "0 / 3"

    first = next(i for i in at.multiselect(key="review_chosen").options if "bauantrag-1" in i)
    at.multiselect(key="review_chosen").select(first)
    at.selectbox(key="review_code").set_value("632")
    at.text_input(key="review_comment").input("Bauakte")
    _submit(at)
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["1 Dokumente entschieden."]
    assert at.metric[0].value == "1 / 3"  # the counter of this very run, not the one before
    assert _decisions_column(at) == {"bauantrag-1.txt": "andere Klasse 632 (krause)", "bauantrag-2.txt": "offen"}
    assert at.multiselect(key="review_chosen").value == []
    assert at.text_input(key="review_comment").value == ""
    assert at.selectbox(key="review_code").value is None
    assert at.radio(key="review_action").value == "accept"

    # the next decision (the whole Bauamt in one step) does not carry the previous comment or class
    at.radio(key="review_action").set_value("skip")
    _submit(at)
    assert at.metric[0].value == "2 / 3"
    assert _decisions_column(at) == {
        "bauantrag-1.txt": "nicht migrieren (krause)",
        "bauantrag-2.txt": "nicht migrieren (krause)",
    }
    store = ReviewStore(crawled.data)
    try:
        decision = store.decision_for(DocRef("daten", "Bauamt/632/bauantrag-2.txt", None))
        assert (decision.decision, decision.code, decision.comment) == ("skip", None, "")
    finally:
        store.close()
    assert at.metric[1].value == "1 / 2"
