from pathlib import Path

from aktenlotse.core.config import EnrichConfig
from aktenlotse.core.records import Document
from aktenlotse.enrich.enricher import Enricher
from aktenlotse.stores.aktenplan_store import AktenplanStore, load_current_plan

MUSTER = Path(__file__).resolve().parent.parent / "enrich" / "data" / "aktenplan_muster.csv"
TEXT = (
    "Sehr geehrter Herr Müller, Ihr Bauantrag für den Neubau eines Einfamilienhauses auf dem Flurstück 12/3 "
    "der Gemarkung Neustadt wird nach § 34 BauGB genehmigt. Die Gebühr beträgt 1.842,00 EUR, "
    "zahlbar auf IBAN DE89 3704 0044 0532 0130 00."
)


def _doc(text=TEXT, path="Bauamt/Bescheid.pdf"):
    return Document(id="1", source="s", path=path, title="Baugenehmigung", text=text)


def test_enrich_without_plan(tmp_path):
    doc = _doc()
    Enricher(EnrichConfig(), tmp_path, load_plan=load_current_plan).enrich(doc)
    assert "Einfamilienhaus" in doc.extra["keywords"]
    assert {"label": "IBAN", "text": "DE89 3704 0044 0532 0130 00"} in doc.extra["entities"]
    assert doc.extra["sensitive"] == ["iban"]
    assert "aktenplan" not in doc.extra


def test_enrich_with_plan_and_vectors(tmp_path):
    with AktenplanStore(tmp_path) as store:
        store.import_file(MUSTER)
    enricher = Enricher(EnrichConfig(), tmp_path, load_plan=load_current_plan)
    doc = _doc()
    enricher.enrich(doc)
    assert doc.extra["aktenplan"][0]["code"] == "632"
    assert set(doc.extra["aktenplan"][0]) == {"code", "title", "score", "reasons"}
    from aktenlotse.enrich.chunking import document_chunks
    from aktenlotse.enrich.embeddings import load_encoder

    chunks = load_encoder("use-multilingual", 2).encode(document_chunks("", TEXT)[1])
    enricher.suggest_with_vectors(doc, chunks)
    assert doc.extra["aktenplan"][0]["code"] == "632"
    assert any("Ähnlichkeit" in r for r in doc.extra["aktenplan"][0]["reasons"])


def test_bad_input_and_switch_off(tmp_path):
    with AktenplanStore(tmp_path) as store:
        store.import_file(MUSTER)
    enricher = Enricher(EnrichConfig(), tmp_path, load_plan=load_current_plan)
    for text in ("", "Le conseil municipal s'est réuni lundi.", TEXT * 20_000):
        doc = _doc(text)
        enricher.enrich(doc)
        assert isinstance(doc.extra["keywords"], list) and isinstance(doc.extra["aktenplan"], list)
    off = _doc()
    Enricher(EnrichConfig(enabled=False), tmp_path).enrich(off)
    assert off.extra == {}
