"""The portal's German labels: roles, crawl run states, error kinds and messages, type
icons, Streamlit's own texts, and "Meinten Sie" in the form the user typed."""

from __future__ import annotations

import re

import pytest

from aktenlotse.core.config_auth import ROLE_NAMES
from aktenlotse.core.records import ERROR_KINDS, RUN_STATUS_LABELS
from aktenlotse.portal import german_ui
from aktenlotse.portal.error_texts import KIND_MESSAGES, is_technical, shown_error
from aktenlotse.portal.formatting import TYPE_ICONS, containing_folder, role_labels, run_status_label, type_icon
from aktenlotse.search.spelling import in_typed_form

MATERIAL_ICON = re.compile(r"^:material/[a-z_]+:$")


def test_every_role_has_a_german_label():
    assert role_labels(frozenset({"employee"})) == "Beschäftigte"
    assert role_labels(frozenset(ROLE_NAMES) | {"employee"}) == "Beschäftigte, Digitallotse, AG DMS, Administration"
    assert "employee" not in role_labels(frozenset(ROLE_NAMES) | {"employee"})


def test_every_run_state_the_crawl_writes_is_german():
    assert run_status_label("done") == "fertig"
    assert run_status_label("interrupted") == "abgebrochen"
    assert set(RUN_STATUS_LABELS) == {"running", "done", "incomplete", "failed", "interrupted"}
    assert run_status_label("neuer_zustand") == "neuer_zustand"  # unknown: shown, not lost
    assert run_status_label(None) == ""


def test_every_error_kind_has_a_label_and_a_message():
    assert set(KIND_MESSAGES) == set(ERROR_KINDS)
    assert shown_error("corrupt", "kaputt").kind == "beschädigt"
    assert shown_error("encrypted", "").kind == "verschlüsselt"


@pytest.mark.parametrize(
    "message",
    [
        "org.apache.tika.exception.EncryptedDocumentException: Unable to process: document is encrypted",
        'ParseError("org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException: Cannot decrypt PDF")',
        "Tika-Fehler HTTP 422: org.apache.tika.exception.TikaException: TIKA-198: Illegal IOException",
        "Datei nicht lesbar: [Errno 13] Permission denied: '/srv/x.pdf'",
        "java.lang.OutOfMemoryError: Java heap space",
    ],
)
def test_a_raw_exception_text_becomes_a_german_message_and_stays_as_detail(message):
    shown = shown_error("encrypted", message)
    assert shown.message == KIND_MESSAGES["encrypted"]
    assert shown.detail == message  # nothing lost: the admin still sees what the parser said
    assert is_technical(message)


@pytest.mark.parametrize(
    "message", ["Zeitlimit 60 s überschritten", "kein Parser für application/x-foo", "Tika-Antwort ist kein JSON"]
)
def test_our_own_message_is_shown_as_it_is(message):
    shown = shown_error("timeout", message)
    assert (shown.message, shown.detail) == (message, "")
    assert not is_technical(message)


def test_an_unknown_kind_keeps_its_name_and_gets_a_general_message():
    shown = shown_error("neu", "java.io.IOException: x")
    assert shown.kind == "neu" and shown.message == "Die Datei konnte nicht verarbeitet werden."


def test_type_icons_are_material_icons_not_emoji():
    icons = {*TYPE_ICONS.values(), type_icon("pdf", "wiki"), type_icon("", "attachment"), type_icon("xyz")}
    assert all(MATERIAL_ICON.match(icon) for icon in icons), icons
    assert type_icon("PDF") == TYPE_ICONS["pdf"]


@pytest.mark.parametrize(
    ("english", "expected"),
    [
        ("Choose options", "Bitte wählen"),
        ("  No results ", "  Keine Treffer "),  # surrounding space kept
        ("Skip to main content", "Zum Hauptinhalt springen"),
        ("Press Enter to apply", "Eingabetaste zum Übernehmen"),
        ("2MB per file", "höchstens 2 MB je Datei"),
        ("Limit 200MB per file", "höchstens 200 MB je Datei"),
        ("View 3 more", "3 weitere anzeigen"),
        (
            "You have requested page /verwaltung, but no corresponding file was found in the app's pages/ "
            "directory. Running the app's main page.",
            "Die Seite /verwaltung gibt es nicht, oder sie ist für Sie nicht freigegeben. Sie sehen die Startseite.",
        ),
    ],
)
def test_streamlit_texts_in_german(english, expected):
    assert german_ui.german(english) == expected


def test_texts_outside_the_table_are_left_alone():
    assert german_ui.german("Bauantrag Lindenweg") is None
    assert german_ui.german("Choose options, please") is None
    assert german_ui.german("   ") is None


def test_the_script_carries_the_table_and_sets_the_language():
    script = german_ui.script()
    assert script.startswith("<script data-aktenlotse-german>") and script.endswith("</script>")
    assert 'documentElement.lang = "de"' in script
    assert '"Choose options": "Bitte wählen"' in script
    assert "__TEXTS__" not in script and "__SKIP__" not in script
    assert '[data-testid=\\"stMarkdownContainer\\"]' in script  # the pages' content is never translated
    for source, _ in german_ui.PATTERNS:
        re.compile(source)  # the same syntax in JavaScript and Python for these patterns


@pytest.mark.parametrize(
    ("typed", "candidate", "shown"),
    [
        ("Hundesteur", "hundesteuer", "Hundesteuer"),
        ("Gebührenbeschied", "gebuehrenbescheid", "Gebührenbescheid"),  # umlaut of the typed word kept
        ("Straßenreinigunk", "strassenreinigung", "Straßenreinigung"),
        ("Müler", "mueller", "Müller"),
        ("HUNDESTEUR", "hundesteuer", "HUNDESTEUER"),
        ("kanalabschlus", "kanalabschluss", "kanalabschluss"),
    ],
)
def test_meinten_sie_keeps_the_form_the_user_typed(typed, candidate, shown):
    assert in_typed_form(typed, candidate) == shown


def _admin_page(config: str) -> None:
    from aktenlotse.identity.users import UserInfo
    from aktenlotse.portal import ui_admin
    from aktenlotse.portal.context import build_context

    admin = UserInfo("admin.it", "IT", "", "", (), (), frozenset({"employee", "admin"}))
    ui_admin.render(build_context(config), admin)


def test_admin_page_shows_run_states_and_errors_in_german_and_keeps_the_raw_text(tmp_path):
    from streamlit.testing.v1 import AppTest

    from tests.portal_fixtures import build_index, write_config
    from tests.portal_state import TIKA_ERRORS, record_crawl

    build_index(tmp_path / "data")
    record_crawl(tmp_path / "data")
    config = write_config(tmp_path, mode="demo")
    at = AppTest.from_function(_admin_page, args=(str(config),), default_timeout=90).run()
    assert not at.exception, at.exception
    frames = [frame.value for frame in at.dataframe]
    runs = next(f for f in frames if "Lauf" in f.columns)
    assert list(runs["Status"]) == ["fertig"]
    errors = next(f for f in frames if "Art" in f.columns)
    assert set(errors["Art"]) == {"verschlüsselt", "beschädigt"}
    assert set(errors["Meldung"]) == {KIND_MESSAGES["encrypted"], KIND_MESSAGES["corrupt"]}
    assert not any("org.apache" in m for m in errors["Meldung"])
    details = next(f for f in frames if "Angabe" in f.columns)
    assert set(details["Angabe"]) == {message for _, _, message in TIKA_ERRORS}  # nothing lost


def test_containing_folder_in_the_notation_of_the_path():
    assert containing_folder("\\\\rathaus\\daten\\Bauamt\\632\\Bauantrag.docx") == "\\\\rathaus\\daten\\Bauamt\\632"
    assert containing_folder("Bauamt/632/Bauantrag.docx") == "Bauamt/632"
    assert containing_folder("Bauantrag.docx") == ""
    assert containing_folder("/Bauantrag.docx") == ""
