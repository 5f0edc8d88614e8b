import subprocess
import sys
from pathlib import Path

import pytest

from aktenlotse.enrich.aktenplan import AktenplanError, read_aktenplan
from aktenlotse.stores.aktenplan_store import AktenplanStore

MUSTER = Path(__file__).resolve().parent.parent / "enrich" / "data" / "aktenplan_muster.csv"


def _csv(tmp_path, text, encoding="utf-8", name="plan.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_muster_plan_has_three_levels_and_maps_aktenzeichen():
    plan = read_aktenplan(MUSTER)
    assert {c.level for c in plan.classes.values()} == {1, 2, 3}
    assert len(plan.level(1)) == 10
    assert plan.code_for_aktenzeichen("632.10-2023/145") == "632"
    assert [a.code for a in plan.ancestors("632")] == ["6", "63", "632"]


def test_german_headers_semicolons_and_inferred_parents(tmp_path):
    path = _csv(
        tmp_path,
        "Kennziffer;Bezeichnung;Schlagworte\n6;Bauen;\n63;Bauordnung;\n632;Baugenehmigungen;Bauantrag|Baugesuch\n",
    )
    plan = read_aktenplan(path)
    assert plan.classes["632"].parent == "63" and plan.classes["632"].level == 3


def test_cp1252_csv_is_decoded_with_a_warning(tmp_path):
    path = _csv(tmp_path, "code;title;parent\n1;Öffentliche Sicherheit;\n11;Straßenverkehr;1\n", encoding="cp1252")
    plan = read_aktenplan(path)
    assert plan.classes["11"].title == "Straßenverkehr"
    assert any("Windows-1252" in w for w in plan.warnings)


def test_duplicates_missing_parents_and_cycles_are_listed(tmp_path):
    path = _csv(tmp_path, "code,title,parent\n1,A,\n1,B,\n2,C,9\n")
    with pytest.raises(AktenplanError) as err:
        read_aktenplan(path)
    text = str(err.value)
    assert "Zeile 3" in text and "doppelt" in text and "Zeile 4" in text and "9" in text
    cycle = _csv(tmp_path, "code,title,parent\n1,A,\n2,B,3\n3,C,2\n", name="cycle.csv")
    with pytest.raises(AktenplanError, match="Zyklus"):
        read_aktenplan(cycle)


def test_deeper_levels_are_folded(tmp_path):
    path = _csv(
        tmp_path, "code,title,parent\n6,Bauen,\n63,Bauordnung,6\n632,Baugenehmigungen,63\n632.1,Wohnhäuser,632\n"
    )
    plan = read_aktenplan(path)
    assert "632.1" not in plan.classes and plan.folded == {"632.1": "632"}
    assert "Wohnhäuser" in plan.classes["632"].keywords
    assert any("eingefaltet" in w for w in plan.warnings)


def test_xlsx_with_merged_cells(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Kennziffer", "Bezeichnung", "übergeordnet", "Beschreibung"])
    ws.append([6, "Bauen", None, "Bauwesen"])
    ws.append([63, "Bauordnung", 6, "Bauaufsicht"])
    ws.append([632, "Baugenehmigungen", 63, "Bauanträge"])
    ws.append([633, "Abbruch", 63, None])
    ws.merge_cells("D4:D5")  # one description for two rows
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    plan = read_aktenplan(path)
    assert plan.classes["633"].description == "Bauanträge"
    assert plan.classes["632"].parent == "63"
    assert any("verbundene Zellen" in w for w in plan.warnings)


def test_store_is_versioned_and_failed_import_changes_nothing(tmp_path):
    store = AktenplanStore(tmp_path / "data")
    first = store.import_file(MUSTER)
    assert first.version == 1 and not first.unchanged
    assert store.import_file(MUSTER).unchanged
    bad = _csv(tmp_path, "code,title,parent\n1,A,\n1,B,\n")
    with pytest.raises(AktenplanError):
        store.import_file(bad)
    assert store.current_version() == 1 and len(store.load().classes) == len(first.warnings) * 0 + first.n_classes
    store.close()


def test_cli_import_list_show(tmp_path):
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")

    def run(*a: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), *a], capture_output=True, text=True
        )

    result = run("aktenplan", "import", str(MUSTER))
    assert result.returncode == 0, result.stderr
    result = run("aktenplan", "list", "--level", "1")
    assert result.returncode == 0 and "Allgemeine Verwaltung" in result.stdout
    assert "632" in run("aktenplan", "show", "632").stdout
    bad = _csv(tmp_path, "code,title,parent\n1,A,\n1,B,\n")
    result = run("aktenplan", "import", str(bad))
    assert result.returncode == 1 and result.stderr.startswith("Fehler:") and "Traceback" not in result.stderr
