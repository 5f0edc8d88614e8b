"""Files Tika reads only in part, big containers, formats without text, and retrying
failed files: nothing Tika can read is lost, and the admin sees what was partial."""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from aktenlotse.core.records import ExtractionError, ExtractLimits
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.crawler.tika_mapping import tree_from_rmeta
from aktenlotse.demo.filemakers import write_corrupt, write_docx, write_eml
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import CrawlEnv

pytestmark = pytest.mark.tika_server

UNDECLARED_ENTITY_XML = (
    b'<?xml version="1.0"?><akte><p>Bauantrag Lindenallee Genehmigung erteilt</p>'
    b"<p>&nichtdeklariert;</p><p>Rest</p></akte>"
)


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


def _members(n: int, words: int = 50) -> dict[str, str]:
    return {f"vermerk{i:02}.txt": f"Vermerk{i:02} zur Baugenehmigung Gartenstraße " * words for i in range(n)}


@pytest.fixture
def env(tmp_path, tika_server):
    return CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))


def _state_errors(env: CrawlEnv) -> dict[str, dict]:
    state = StateDB(env.data / "state.sqlite")
    try:
        return {e["path"]: e for e in state.current_errors()}
    finally:
        state.close()


def _status(env: CrawlEnv, name: str) -> str:
    conn = sqlite3.connect(env.data / "state.sqlite")
    try:
        return conn.execute("SELECT status FROM items WHERE name = ?", (name.encode(),)).fetchone()[0]
    finally:
        conn.close()


def test_text_before_a_parse_error_is_indexed_with_a_warning(env):
    (env.root / "formular.xml").write_bytes(UNDECLARED_ENTITY_XML)
    truncated = _zip(_members(4))
    (env.root / "abgebrochen.zip").write_bytes(truncated[: len(truncated) * 2 // 3])
    summary = env.crawl()
    assert summary.errors == 0  # warnings are no errors
    assert env.search("Lindenallee") == ["formular.xml"]
    # The readable members of a damaged archive are found as their own results.
    assert "abgebrochen.zip/vermerk00.txt" in env.search("Vermerk00")
    errors = _state_errors(env)
    assert errors["formular.xml"]["kind"] == "partial"
    assert "teilweise" in errors["formular.xml"]["message"]
    assert errors["abgebrochen.zip"]["kind"] == "partial"
    assert _status(env, "formular.xml") == "indexed"  # OCR and moves treat it as indexed
    [doc] = [d for d in env.documents() if d.path == "formular.xml"]
    assert doc.extra["warning"].startswith("Nur teilweise gelesen")
    # Still listed on the next crawl, which does not re-read it.
    again = env.crawl()
    assert again.extracted == 0 and _state_errors(env)["formular.xml"]["kind"] == "partial"


def test_a_file_without_any_text_and_a_parse_error_is_still_an_error(tika_server, tmp_path):
    path = tmp_path / "kaputt.docx"
    write_corrupt(path, like="docx")
    with path.open("rb") as f, pytest.raises(ExtractionError) as err:
        TikaServerExtractor(managed=tika_server).extract(f, path.name, ExtractLimits())
    assert err.value.kind == "corrupt"


def test_text_cap_applies_to_each_member_not_to_the_whole_archive(tika_server):
    # 30 members of about 2,300 characters; a per-item cap of 1,000 characters.
    data = _zip(_members(30))
    got = TikaServerExtractor(managed=tika_server).extract(
        io.BytesIO(data), "akten.zip", ExtractLimits(max_text_chars=1000)
    )
    assert len(got.children) == 30
    for i, child in enumerate(got.children):
        assert child.text.startswith(f"Vermerk{i:02}") and len(child.text) == 1000 and child.truncated
    assert got.warning is None


def test_member_limit_and_total_text_budget_are_reported(tika_server):
    ex = TikaServerExtractor(managed=tika_server)
    data = _zip(_members(12))
    few = ex.extract(io.BytesIO(data), "akten.zip", ExtractLimits(max_members=5))
    assert len(few.children) == 5 and few.truncated
    assert "ersten 5 eingebetteten" in few.warning
    budget = ex.extract(io.BytesIO(data), "akten.zip", ExtractLimits(max_text_chars=1000, max_total_chars=5000))
    assert budget.truncated and "Textmenge" in budget.warning
    assert sum(len(c.text) for c in budget.children) <= 5000


def test_random_bytes_are_no_text_expected_not_an_error(env):
    (env.root / "messdaten.bin").write_bytes(os.urandom(4000))
    env.write("gut.txt", "Protokoll der Ausschusssitzung.")
    summary = env.crawl()
    errors = _state_errors(env)
    assert errors["messdaten.bin"]["kind"] == "no_text"
    assert "kein Text erwartet" in errors["messdaten.bin"]["message"]
    assert env.search("messdaten") == ["messdaten.bin"]  # findable by its name
    assert summary.errors == 1


def test_retry_errors_on_request_and_after_an_extractor_upgrade(env):
    write_corrupt(env.root / "antrag.docx", like="docx")
    env.write("gut.txt", "Gewerbeanmeldung")
    env.crawl()
    assert _state_errors(env)["antrag.docx"]["kind"] == "corrupt"
    assert env.crawl().extracted == 0  # unchanged: not retried
    assert env.crawl(retry_kinds=["timeout"]).extracted == 0  # another kind: not retried
    assert env.crawl(retry_kinds=["corrupt"]).extracted == 1  # read again, still corrupt
    assert _state_errors(env)["antrag.docx"]["kind"] == "corrupt"
    assert env.crawl(retry_kinds=[None]).extracted == 1  # every kind
    # An upgrade of the extractor retries every failed file once.
    assert env.crawl().extracted == 0
    conn = sqlite3.connect(env.data / "state.sqlite")
    conn.execute("UPDATE settings SET value = 'Aktenlotse 0.0.9; Apache Tika 2.9.0' WHERE key = 'extractor_version'")
    conn.commit()
    conn.close()
    assert env.crawl().extracted == 1  # the failed docx, read by the "new" Tika
    assert env.crawl().extracted == 0  # and only once
    assert env.search("Gewerbeanmeldung") == ["gut.txt"]


def test_retry_errors_on_the_command_line(env, tika_server, tmp_path):
    write_corrupt(env.root / "antrag.docx", like="docx")
    config = tmp_path / "a.toml"
    config.write_text(
        f'data_dir = "{env.data}"\n[extractor]\nkind = "external"\nurls = ["{tika_server.url}"]\n'
        f'[[sources]]\nname = "daten"\nroot = "{env.root}"\n'
    )
    cli = [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "crawl", "--no-enrich", "--json"]
    first = subprocess.run(cli, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    retried = subprocess.run([*cli, "--retry-errors", "--kind", "corrupt,timeout"], capture_output=True, text=True)
    assert retried.returncode == 0, retried.stderr
    assert json.loads(retried.stdout)["extracted"] == 1
    wrong = subprocess.run([*cli, "--retry-errors", "--kind", "kaputt"], capture_output=True, text=True)
    assert wrong.returncode == 2 and "unbekannte Fehlerart kaputt" in wrong.stderr
    alone = subprocess.run([*cli, "--kind", "corrupt"], capture_output=True, text=True)
    assert alone.returncode == 1 and "nur zusammen mit --retry-errors" in alone.stderr


def test_embedded_items_with_text_are_kept_and_pictures_dropped():
    records = [
        {"X-TIKA:content": "Tabelle Haushalt", "Content-Type": "application/vnd.ms-excel"},
        # a PDF embedded inline in the sheet: a document of its own
        {
            "X-TIKA:embedded_id_path": "/1",
            "embeddedResourceType": "INLINE",
            "resourceName": "plan.pdf",
            "X-TIKA:content": "Bebauungsplan Nord",
            "Content-Type": "application/pdf",
        },
        # an inline picture without text, holding an object with text
        {
            "X-TIKA:embedded_id_path": "/2",
            "embeddedResourceType": "INLINE",
            "resourceName": "image1.emf",
            "X-TIKA:content": "  ",
            "Content-Type": "image/emf",
        },
        {"X-TIKA:embedded_id_path": "/2/3", "resourceName": "ole.docx", "X-TIKA:content": "Stellungnahme Ost"},
        {"X-TIKA:embedded_id_path": "/4", "embeddedResourceType": "THUMBNAIL", "X-TIKA:content": ""},
        # the HTML body of a mail repeats the plain text: skipped with what is in it
        {"X-TIKA:embedded_id_path": "/5", "embeddedResourceType": "ALTERNATE_FORMAT", "X-TIKA:content": "Tabelle"},
        {"X-TIKA:embedded_id_path": "/5/6", "X-TIKA:content": "Doppelt"},
    ]
    root = tree_from_rmeta(records, 1000)
    assert [(c.name, c.text) for c in root.children] == [
        ("plan.pdf", "Bebauungsplan Nord"),
        ("ole.docx", "Stellungnahme Ost"),
    ]


def _direct_texts(url: str, path: Path) -> list[str]:
    """Every non-empty text Tika itself returns for a file (container and embedded items),
    except the items that only repeat their parent (renderings, a mail's HTML body)."""
    resp = requests.put(
        f"{url}/rmeta/text",
        data=path.read_bytes(),
        headers={"Accept": "application/json", "Content-Disposition": f'attachment; filename="{path.name}"'},
        timeout=60,
    )
    if resp.status_code != 200:
        return []
    repeats = {"RENDERING", "ALTERNATE_FORMAT", "VERSION", "MACRO"}
    return [
        " ".join((r.get("X-TIKA:content") or "").split())
        for r in resp.json()
        if r.get("embeddedResourceType") not in repeats and (r.get("X-TIKA:content") or "").strip()
    ]


def test_nothing_tika_returns_is_missing_from_the_index(env, tika_server, sample_files, tmp_path):
    for path in sample_files.values():
        (env.root / path.name).write_bytes(path.read_bytes())
    (env.root / "formular.xml").write_bytes(UNDECLARED_ENTITY_XML)
    truncated = _zip(_members(4))
    (env.root / "abgebrochen.zip").write_bytes(truncated[: len(truncated) * 2 // 3])
    (env.root / "akten.zip").write_bytes(_zip(_members(25, words=400)))
    # base64 runs beside real words (an XML export with an embedded scan)
    blob = base64.b64encode(os.urandom(200_000)).decode()
    (env.root / "export.xml").write_text(
        f"<?xml version='1.0'?><export><titel>Meldewesen Export Friedhofsgebühren</titel><scan>{blob}</scan>"
        "<vermerk>Bitte an das Ordnungsamt weiterleiten</vermerk></export>"
    )
    # a mail forwarded as an attachment of a mail, with a document inside
    inner_doc = tmp_path / "gutachten.docx"
    write_docx(inner_doc, "Gutachten", ["Das Gutachten zur Standsicherheit der Brücke am Mühlgraben."])
    inner = tmp_path / "inner.eml"
    write_eml(
        inner,
        "Gutachten Brücke",
        "Anbei das Gutachten.",
        "bauamt@zeitz.test",
        "ob@zeitz.test",
        [("gutachten.docx", inner_doc.read_bytes())],
    )
    write_eml(
        env.root / "weiterleitung.eml",
        "WG: Gutachten Brücke",
        "Zur Kenntnis.",
        "ob@zeitz.test",
        "rat@zeitz.test",
        [("Gutachten Brücke.eml", inner.read_bytes())],
    )
    env.crawl()
    indexed = [" ".join(d.text.split()) for d in env.documents()]
    lost = []
    for path in sorted(env.root.iterdir()):
        for text in _direct_texts(tika_server.url, path):
            if not any(text[:200] in doc for doc in indexed):
                lost.append((path.name, text[:60]))
    assert lost == []
    # nested attachments are flattened below the file the user sees in Explorer
    assert env.search("Standsicherheit") == ["weiterleitung.eml/gutachten.docx"]
