"""The hand-over to the DMS as xdomea 3.0.0 (Abgabe 0401, Aktenplan 0301): real files
crawled through the real Tika server, every message validated against the official XSDs."""

import csv
import hashlib
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from aktenlotse.cli.main import main
from aktenlotse.core.config import Config
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.stores.aktenplan_store import AktenplanStore
from aktenlotse.xdomea.folders import FolderPlan
from aktenlotse.xdomea.message_xml import NS, safe_file_name
from aktenlotse.xdomea.schema import validation_errors
from aktenlotse.xdomea.service import HandoverError, export_aktenplan, export_handover
from tests.crawl_env import CrawlEnv

pytestmark = pytest.mark.review
AG_DMS = {"ag_dms"}
OFFICIAL_XSD = Path(__file__).resolve().parents[2] / "shared" / "xdomea" / "3.0.0" / "xdomea.xsd"
X = {"x": NS}
PLAN_CSV = """code,title,parent,description
6,Bauen und Wohnen,,Bauwesen
63,Bauaufsicht,6,
632,Baugenehmigungen,63,Bauanträge und Baugenehmigungen
9,Finanzen,,Haushalt und Steuern
90,Steuern,9,
902,Hundesteuer,90,Hundesteuer
903,Zweitwohnungsteuer,90,
"""
FILES = {
    "Bauamt/632/bauantrag-1.txt": ("Bauantrag für eine Garage, Az. 632.10-2024/001.", "632"),
    "Bauamt/632/2024/bauantrag-3.txt": ("Bauantrag für ein Carport.", "632"),
    "Bauamt/632/2024/Nachträge/nachtrag.txt": ("Nachtrag zum Bauantrag.", "632"),
    "Bauamt/632/Hunde/hund.txt": ("Hund auf der Baustelle: Hundesteuer.", "902"),
    "Kämmerei/Hundesteuer/anmeldung.txt": ("Anmeldung eines Hundes zur Hundesteuer.", "902"),
    "Kämmerei/Hundesteuer/Bescheid: 2024?.txt": ("Bescheid über die Hundesteuer 2024.", "902"),
    "Kämmerei/Hundesteuer/alt.txt": ("Alter Entwurf.", "skip"),
    "Kämmerei/Hundesteuer/offen.txt": ("Noch nicht geprüft.", None),
    "Kämmerei/Zweitwohnung/bescheid.txt": ("Zweitwohnungsteuer-Bescheid.", "903"),
}


@pytest.fixture
def handover(tmp_path, tika_server):
    env = CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))
    for path, (text, _) in FILES.items():
        env.write(path, text)
    env.data.mkdir(parents=True, exist_ok=True)
    plan_file = tmp_path / "plan.csv"
    plan_file.write_text(PLAN_CSV, encoding="utf-8")
    AktenplanStore(env.data).import_file(plan_file)
    env.crawl()
    store = ReviewStore(env.data)
    for path, (_, code) in FILES.items():
        if code == "skip":
            store.decide([DocRef("daten", path, None)], decision="skip", code=None, reviewer="krause", roles=AG_DMS)
        elif code:
            store.decide(
                [DocRef("daten", path, None)],
                decision="reassign",
                code=code,
                reviewer="krause",
                roles=AG_DMS,
                comment="geprüft",
            )
    store.close()
    # The AG DMS dropped 903 from the Aktenplan after deciding: that decision is stale now.
    smaller = tmp_path / "plan2.csv"
    smaller.write_text(PLAN_CSV.replace("903,Zweitwohnungsteuer,90,\n", ""), encoding="utf-8")
    AktenplanStore(env.data).import_file(smaller)
    config_file = tmp_path / "aktenlotse.toml"
    config_file.write_text(
        f'data_dir = "{env.data}"\n[[sources]]\nname = "daten"\nroot = "{env.root}"\n'
        f'display_root = "\\\\\\\\rathaus\\\\daten"\n[dms]\ninstitution = "Stadt Zeitz"\n',
        encoding="utf-8",
    )
    return env, config_file


def _review_export(config_file: Path, output_format: str, *args: str) -> int:
    """`aktenlotse review export --format FORMAT ARGS` with the hand-over config."""
    return main(["--config", str(config_file), "review", "export", "--format", output_format, *args])


def _official_schema():
    if not OFFICIAL_XSD.exists():
        pytest.skip("official xdomea schemas not present")
    return etree.XMLSchema(etree.parse(str(OFFICIAL_XSD)))


def _message(zip_path: Path) -> tuple[etree._Element, zipfile.ZipFile]:
    archive = zipfile.ZipFile(zip_path)
    xml_names = [n for n in archive.namelist() if n.endswith(".xml")]
    assert len(xml_names) == 1 and re.fullmatch(
        r"[0-9a-f-]{36}_(Abgabe\.Abgabe\.0401|Aktenplan\.Aktenplan\.0301)\.xml", xml_names[0]
    )
    root = etree.fromstring(archive.read(xml_names[0]))
    schema = _official_schema()
    assert schema.validate(root), schema.error_log
    return root, archive


def test_handover_with_files_validates_and_keeps_the_folder_structure(handover, tmp_path):
    env, config_file = handover
    (env.root / "Kämmerei/Hundesteuer/anmeldung.txt").unlink()  # gone since the crawl
    out = tmp_path / "abgabe"
    from aktenlotse.core.config import load_config

    report = export_handover(load_config(config_file), out, with_files=True)
    assert re.fullmatch(r"[0-9a-f-]{36}_Abgabe\.Abgabe\.0401\.zip", report.zip_path.name)
    assert report.zip_path.parent == out
    root, archive = _message(report.zip_path)
    assert root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=X) == "0401"
    assert root.findtext("x:Kopf/x:ProzessID", namespaces=X) == report.process_id
    assert root.findtext("x:Kopf/x:Absender/x:Institution/x:Name", namespaces=X) == "Stadt Zeitz"

    akten = {
        a.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=X): a.findtext(
            "x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", namespaces=X
        )
        for a in root.iterfind("x:Schriftgutobjekt/x:Akte", X)
    }
    assert akten == {"632": "632", "Hunde": "902", "Hundesteuer": "902"}
    bau = next(
        a
        for a in root.iterfind("x:Schriftgutobjekt/x:Akte", X)
        if a.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=X) == "632"
    )
    vorgang = bau.find("x:Akteninhalt/x:Vorgang", X)
    assert vorgang.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=X) == "2024"
    teil = vorgang.find("x:Teilvorgang", X)
    assert teil.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=X) == "Nachträge"
    assert [d.findtext(".//x:DateinameOriginal", namespaces=X) for d in teil.iterfind("x:Dokument", X)] == [
        "nachtrag.txt"
    ]

    documents = {d.findtext(".//x:DateinameOriginal", namespaces=X): d for d in root.iter(f"{{{NS}}}Dokument")}
    assert set(documents) == {"bauantrag-1.txt", "bauantrag-3.txt", "nachtrag.txt", "hund.txt", "Bescheid: 2024?.txt"}
    for path, (text, code) in FILES.items():
        name = path.rsplit("/", 1)[-1]
        if name not in documents:
            continue
        doc = documents[name]
        zip_name = doc.findtext(".//x:Primaerdokument/x:Dateiname", namespaces=X)
        assert zip_name.endswith("_" + safe_file_name(name)) and ":" not in zip_name and "?" not in zip_name
        assert archive.read(zip_name) == text.encode("utf-8")
        fields = {
            f.findtext("x:Name", namespaces=X): f.findtext("x:Wert", namespaces=X)
            for f in doc.iterfind("x:AnwendungsspezifischeErweiterung/x:Feld", X)
        }
        assert fields["Ursprungsort"] == "\\\\rathaus\\daten\\" + path.replace("/", "\\")
        assert fields["Inhalts-Hash (BLAKE2b-128)"] == hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        assert doc.findtext("x:AllgemeineMetadaten/x:Aktenplaneinheit/x:Kennzeichen", namespaces=X) == code
        assert doc.findtext("x:HistorienProtokollInformation/x:Akteur", namespaces=X) == "krause"
        assert doc.findtext(".//x:Format/x:Name/code", namespaces=X) == "045"  # txt
        assert doc.findtext("x:DatumDesSchreibens", namespaces=X)
    assert {e.findtext("x:Kennzeichen", namespaces=X) for e in root.iterfind("x:Aktenplan//x:Einheit", X)} == {
        "6",
        "63",
        "632",
        "9",
        "90",
        "902",
    }

    assert report.counts["exported"] == 5 and report.counts["skipped"] == 1
    assert (report.counts["undecided"], report.counts["stale"], report.counts["gone"], report.counts["renamed"]) == (
        1,
        1,
        1,
        1,
    )
    with open(report.list_path, encoding="utf-8-sig") as f:
        listed = {
            (r["UNC-Pfad"].rsplit("\\", 1)[-1], r["Grund"], r["Übergeben"]) for r in csv.DictReader(f, delimiter=";")
        }
    assert listed == {
        ("offen.txt", "noch nicht entschieden", "nein"),
        ("bescheid.txt", "Aktenplan-Klasse gibt es nicht mehr", "nein"),
        ("anmeldung.txt", "Datei seit dem Crawl verschwunden", "nein"),
        ("Bescheid: 2024?.txt", "Dateiname für das ZIP angepasst", "ja"),
    }


def test_handover_of_one_folder_without_files_through_the_cli(handover, tmp_path, capsys):
    env, config_file = handover
    target = tmp_path / "eine.zip"
    assert (
        _review_export(config_file, "xdomea", "--output", str(target), "--source", "daten", "--folder", "Bauamt/632/")
        == 0
    )
    out = capsys.readouterr().out
    assert "4 Dokumente in 2 Akten (2 Vorgänge) übergeben" in out
    root, archive = _message(target)
    assert [n for n in archive.namelist() if not n.endswith(".xml")] == []  # metadata only
    assert len(list(root.iter(f"{{{NS}}}Dokument"))) == 4
    assert validation_errors(archive.open(archive.namelist()[0]), "0401") == []  # the bundled XSDs agree


def test_handover_bad_input_gives_one_german_line(handover, tmp_path, capsys):
    env, config_file = handover
    assert _review_export(config_file, "xdomea", "--output", str(tmp_path), "--folder", "Kämmerei/Zweitwohnung") == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Fehler: Nichts zu übergeben") and "1 mit veralteter Klasse" in err and "\n" not in err
    assert not list(tmp_path.glob("*.zip"))
    assert _review_export(config_file, "xdomea", "--source", "gibtsnicht", "--output", str(tmp_path)) == 1
    assert "nicht gecrawlt" in capsys.readouterr().err
    with pytest.raises(HandoverError, match="Noch kein Crawl"):
        export_handover(Config(data_dir=tmp_path / "leer"), tmp_path / "x")


def test_aktenplan_alone_as_0301(handover, tmp_path, capsys):
    env, config_file = handover
    assert _review_export(config_file, "xdomea-aktenplan", "--output", str(tmp_path / "plan")) == 0
    zip_path = next((tmp_path / "plan").glob("*_Aktenplan.Aktenplan.0301.zip"))
    archive = zipfile.ZipFile(zip_path)
    root = etree.fromstring(archive.read(archive.namelist()[0]))
    schema = _official_schema()
    assert schema.validate(root), schema.error_log
    main_groups = root.findall("x:Aktenplan/x:Einheit", X)
    assert [e.findtext("x:Kennzeichen", namespaces=X) for e in main_groups] == ["6", "9"]
    assert (
        root.findtext("x:Aktenplan/x:Einheit/x:Einheit/x:Einheit/x:Inhaltsangabe", namespaces=X) == "Baugenehmigungen"
    )
    xml_target = export_aktenplan(Config(data_dir=env.data), tmp_path / "plan.xml")
    assert validation_errors(str(xml_target), "0301") == []


def test_validation_reports_a_broken_message(tmp_path):
    example = OFFICIAL_XSD.parents[1] / "example-0503-3.0.0.xml"
    if not example.exists():
        pytest.skip("official example not present")
    broken = tmp_path / "broken.xml"
    text = example.read_text(encoding="utf-8").replace("Aussonderung.Aussonderung.0503", "Abgabe.Abgabe.0401")
    broken.write_text(text, encoding="utf-8")
    assert validation_errors(str(example), "0401") != []  # a 0503 is no 0401
    errors = validation_errors(str(broken), "0401")
    assert errors and "RueckmeldungArchivkennung" in " ".join(errors)  # not part of an Abgabe header


def test_folder_plan_files_subfolders_of_the_same_class_as_vorgang(tmp_path):
    folders = FolderPlan(tmp_path)
    for folder, code in [
        ("A", "632"),
        ("A/B", "632"),
        ("A/B/C", "902"),
        ("A/B/C/D", "632"),
        ("A/E", "632"),
        ("A B", "632"),
    ]:  # depth-first, as the export feeds them
        folders.count("s", folder, code)
        folders.count("s", folder, code)
    folders.finish()
    assert list(folders.roots()) == [
        ("s", "A", "632"),
        ("s", "A/B/C", "902"),
        ("s", "A/B/C/D", "632"),
        ("s", "A B", "632"),
    ]
    assert folders.lookup("s", "A/E") == ("632", "A") and folders.lookup("s", "A/X") is None
    path = folders.path
    folders.close()
    assert not path.exists()


def test_safe_file_names():
    assert safe_file_name('Bericht: "Stand"?.pdf') == "Bericht_ _Stand__.pdf"
    assert safe_file_name("Stra\udcdfe.txt") == "Stra_e.txt"
    assert safe_file_name("a\\b/c.txt ") == "a_b_c.txt"
    long = safe_file_name("x" * 300 + ".docx")
    assert len(long) == 120 and long.endswith(".docx")
    assert safe_file_name("...") == "datei"
