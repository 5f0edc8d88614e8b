"""Aktenplan care through the CLI and the portal page: import, audit, fold and undo with
their exit codes, the audit of a real crawl, and a deep plan handed over as xdomea."""

import json
import subprocess
import sys

from aktenlotse.core.config import Config
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.stores.appdb import open_app_db
from aktenlotse.stores.review_store import DocRef, ReviewTables
from aktenlotse.xdomea.service import export_aktenplan
from tests.deep_aktenplan import AG_DMS, ROWS, decision_rows, stored_plan
from tests.test_review import crawled  # noqa: F401 - the crawled share is a fixture

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


def test_a_plan_kept_deeper_than_three_levels_hands_over_as_valid_0301(tmp_path):
    stored_plan(tmp_path)
    written = export_aktenplan(Config(data_dir=tmp_path), tmp_path / "aktenplan.xml")  # validated before writing
    text = written.read_text(encoding="utf-8")
    assert "632.1.1" in text and "Carports" in text
