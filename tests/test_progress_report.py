"""The progress report for the AG Digitalisierung: PDF and XLSX from a real crawl with
decisions and wiki news, and the mail through a real SMTP server (aiosmtpd, STARTTLS with
the tests' CA, login) started here; wrong password, untrusted certificate and a dead
server each end in one German line and exit code 1."""

import contextlib
import email
import email.header
import ssl
import subprocess
import sys
import time

import openpyxl
import pypdf
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.progress_pdf import write_pdf
from aktenlotse.services.progress_report import build_progress_report
from aktenlotse.services.progress_xlsx import write_xlsx
from aktenlotse.services.review import DocRef, ReviewStore
from aktenlotse.services.search_analytics import SearchLog
from aktenlotse.services.wiki import WikiStore
from tests.certificates import free_port, make_tls
from tests.test_review import AG_DMS, crawled  # noqa: F401 - the crawled share is a fixture

pytestmark = pytest.mark.review
USER, PASSWORD = "bericht@rathaus.example", "Mail-Passwort-9"


@pytest.fixture
def decided(crawled):  # noqa: F811 - the fixture
    store = ReviewStore(crawled.data)
    store.decide(
        [DocRef("daten", "Bauamt/632/bauantrag-1.txt", None), DocRef("daten", "Bauamt/632/bauantrag-2.txt", None)],
        decision="accept",
        code="632",
        reviewer="krause",
        roles=AG_DMS,
    )
    store.close()
    wiki = WikiStore(crawled.data)
    wiki.save(
        author="yilmaz",
        roles=("digitallotse",),
        title="Start im Bauamt",
        body="Das Bauamt arbeitet ab Montag im DMS.",
        category="DMS-News",
        status="published",
    )
    wiki.close()
    search_log = SearchLog(crawled.data, 90)
    for query, hits in (("Sperrmüll Termin", 0), ("sperrmüll termin", 0), ("Wohngeld", 0), ("Bauantrag", 3)):
        search_log.record(query, "hybrid", hits)
    search_log.close()
    return crawled


def report_of(env):
    from aktenlotse.core.config import Config

    backend = EmbeddedBackend(env.data / "index.sqlite")
    try:
        return build_progress_report(Config(data_dir=env.data), backend, ("ag_dms",))
    finally:
        backend.close()


def test_pdf_and_xlsx_carry_the_figures(decided, tmp_path):
    report = report_of(decided)
    pdf, xlsx = tmp_path / "bericht.pdf", tmp_path / "bericht.xlsx"
    write_pdf(report, pdf)
    write_xlsx(report, xlsx)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "Fortschritt der DMS-Einführung" in text and "Bauamt" in text and "Kämmerei" in text
    assert "3 Dateien, 2 entschieden" in text and "Start im Bauamt" in text
    # The searches without hits of the last two weeks, most frequent first.
    assert "Häufigste Suchen ohne Treffer der letzten 14 Tage: „sperrmüll termin“ (2×), „wohngeld“ (1×)." in text
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Zusammenfassung", "Fachbereiche", "Verlauf", "DMS-News"]
    rows = {row[0]: row for row in book["Fachbereiche"].iter_rows(min_row=2, values_only=True)}
    assert rows["Bauamt"][1] == 2 and rows["Bauamt"][5] == 2 and rows["Kämmerei"][7] == 1
    assert len(book["Fachbereiche"]._charts) == 1 and len(book["Verlauf"]._charts) == 1
    assert book["DMS-News"]["A2"].value == "Start im Bauamt"


class Mailbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@contextlib.contextmanager
def smtp_server(tls):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert, tls.key)
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


def write_config(path, env, port, ca_cert):
    path.write_text(
        f'data_dir = "{env.data}"\n[report]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
        f'smtp_user = "{USER}"\nsmtp_cafile = "{ca_cert}"\nmail_from = "{USER}"\n'
        'mail_to = ["ag-digitalisierung@rathaus.example"]\n',
        encoding="utf-8",
    )


def run_report(config, output, password, mail=True):
    command = [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "report", "progress"]
    command += ["--output", str(output)] + (["--mail"] if mail else [])
    env = {"AKTENLOTSE_SMTP_PASSWORD": password, "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)


def test_report_is_mailed_with_starttls_and_login(decided, tmp_path):
    (tmp_path / "tls").mkdir()
    tls = make_tls(tmp_path / "tls", "Aktenlotse Test CA")
    config = tmp_path / "aktenlotse.toml"
    with smtp_server(tls) as (controller, mailbox):
        write_config(config, decided, controller.port, tls.ca_cert)
        result = run_report(config, tmp_path / "bericht.pdf", PASSWORD)
        assert result.returncode == 0, result.stderr
        assert "Verschickt an ag-digitalisierung@rathaus.example" in result.stdout
        deadline = time.monotonic() + 10
        while not mailbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        (message,) = mailbox.messages
        subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
        assert subject.startswith("Aktenlotse: Fortschritt der DMS-Einführung")
        parts = {part.get_content_type(): part for part in message.walk()}
        assert "3 Dateien, 2 entschieden" in parts["text/plain"].get_payload(decode=True).decode()
        attachment = parts["application/pdf"]
        assert attachment.get_filename() == "bericht.pdf"
        assert attachment.get_payload(decode=True) == (tmp_path / "bericht.pdf").read_bytes()

        wrong = run_report(config, tmp_path / "b2.pdf", "falsch")
        assert wrong.returncode == 1 and "lehnt die Anmeldung ab" in wrong.stderr and "Traceback" not in wrong.stderr
        write_config(config, decided, controller.port, tls.other_ca)
        untrusted = run_report(config, tmp_path / "b3.pdf", PASSWORD)
        assert untrusted.returncode == 1 and "nicht vertrauenswürdig" in untrusted.stderr
        assert len(mailbox.messages) == 1
    write_config(config, decided, free_port(), tls.ca_cert)
    dead = run_report(config, tmp_path / "b4.xlsx", PASSWORD)
    assert dead.returncode == 1 and "nicht erreichbar" in dead.stderr
    assert (tmp_path / "b4.xlsx").exists()  # written before the mail failed: nothing lost


def test_bad_output_and_no_crawl(tmp_path):
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{tmp_path / "leer"}"\n', encoding="utf-8")
    wrong_type = run_report(config, tmp_path / "bericht.docx", "", mail=False)
    assert wrong_type.returncode == 2 and ".pdf- oder .xlsx-Datei" in wrong_type.stderr
    no_folder = run_report(config, tmp_path / "fehlt" / "bericht.pdf", "", mail=False)
    assert no_folder.returncode == 2 and "gibt es nicht" in no_folder.stderr
    no_crawl = run_report(config, tmp_path / "bericht.pdf", "", mail=False)
    assert no_crawl.returncode == 1 and "Noch kein Crawl" in no_crawl.stderr
