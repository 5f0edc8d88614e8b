"""Session fixtures for extraction: the Tika jar, one managed Tika server, a corpus of
real files built with `aktenlotse.demo.filemakers`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from aktenlotse.demo import filemakers as fm
from tests.certificates import free_port

PARAGRAPHS = [
    "Der Bauantrag für das Grundstück in der Müllerstraße wurde vom Bauamt geprüft und ist vollständig.",
    "Die neue Gebührenordnung gilt ab sofort für alle Anträge, die bei der Stadt eingereicht werden.",
]
SECOND_PAGE = ["Auf der zweiten Seite steht die Begründung über die Straßenführung und den Lärmschutz."]
TITLE = "Bauantrag Müllerstraße"
AUTHOR = "Jürgen Öztürk"
ATTACHMENT_TEXT = "Die Anlage enthält den Lageplan für die Grünfläche und die Stellungnahme des Ordnungsamts."
MAIL_SUBJECT = "Anfrage zum Bauantrag"
MAIL_BODY = "Sehr geehrte Damen und Herren,\nanbei erhalten Sie die Unterlagen für die Prüfung des Antrags."
TXT_TEXT = "Grüße aus Zeitz: die Bürgermeisterin Weiß beantragt den Ausbau der Straße und der Brücke."


@pytest.fixture(scope="session")
def tika_jar() -> Path:
    """The pinned Tika server jar (downloaded once into the cache on a fresh machine)."""
    from aktenlotse.crawler.tika_jar import fetch_tika_jar

    return fetch_tika_jar()


@pytest.fixture(scope="session")
def tika_server(tika_jar: Path, tmp_path_factory: pytest.TempPathFactory):
    """One managed Tika server for the whole session, stopped at the end."""
    from aktenlotse.crawler.tika_managed import ManagedTikaServer

    server = ManagedTikaServer(tika_jar, heap_mb=512, task_timeout_s=60, log_dir=tmp_path_factory.mktemp("tika-log"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real files of each supported kind, keyed by a short name."""
    d = tmp_path_factory.mktemp("samples")
    files: dict[str, Path] = {}

    def add(key: str, name: str) -> Path:
        files[key] = d / name
        return files[key]

    fm.write_docx(add("docx", "bauantrag.docx"), TITLE, PARAGRAPHS, AUTHOR)
    fm.write_xlsx(
        add("xlsx", "haushalt.xlsx"),
        "Haushaltsplan Straßenbau",
        [["Posten", "Betrag"], ["Straßenbau Müllerstraße", 1200.5], ["Gebührenordnung", 30]],
        AUTHOR,
    )
    fm.write_pdf(add("pdf", "satzung.pdf"), TITLE, PARAGRAPHS + ["\f"] + SECOND_PAGE, AUTHOR)
    fm.write_odt(add("odt", "protokoll.odt"), TITLE, PARAGRAPHS, AUTHOR)
    attachment = d / "anlage-src.docx"
    fm.write_docx(attachment, "Lageplan", [ATTACHMENT_TEXT], AUTHOR)
    fm.write_eml(
        add("eml", "anfrage.eml"),
        MAIL_SUBJECT,
        MAIL_BODY,
        "buerger@zeitz.test",
        "bauamt@zeitz.test",
        [("lageplan.docx", attachment.read_bytes())],
    )
    attachment.unlink()
    fm.write_html(add("html", "seite.html"), TITLE, PARAGRAPHS)
    fm.write_txt(add("txt_utf8", "notiz-utf8.txt"), TXT_TEXT)
    fm.write_txt(add("txt_cp1252", "notiz-ansi.txt"), TXT_TEXT, encoding="cp1252")
    fm.write_pdf(add("encrypted_pdf", "geheim.pdf"), "Geheim", PARAGRAPHS, AUTHOR, password="geheim")
    fm.write_corrupt(add("corrupt_docx", "kaputt.docx"), like="docx")
    add("empty", "leer.docx").write_bytes(b"")
    return files


@pytest.fixture(scope="session")
def big_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~2,400-page PDF that takes any Tika several seconds to parse."""
    path = tmp_path_factory.mktemp("big") / "gross.pdf"
    line = "Der Bauantrag für das Grundstück in der Müllerstraße wurde vom Bauamt geprüft. "
    fm.write_pdf(path, "Groß", [line * 20] * 6000)
    return path


@pytest.fixture(scope="session")
def external_tika(tika_jar):
    """A Tika server as IT would run it: `java -jar tika-server-standard.jar -h HOST -p PORT`,
    default configuration, its own process group; stopped at the end of the session."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="aktenlotse-ext-tika-"))
    log = (workdir / "tika.log").open("wb")
    process = subprocess.Popen(
        [shutil.which("java") or "java", "-jar", str(tika_jar), "-h", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=workdir,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / "tika.log").read_text(errors="replace")[-2000:])
        try:
            if requests.get(f"{url}/version", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.3)
    yield url
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
    log.close()
    shutil.rmtree(workdir, ignore_errors=True)
