"""The search box in a real headless Chromium against `aktenlotse serve` (demo logins):
saved searches (own, shared by a Digitallotse, trimmed for whoever runs them) and the
suggestions while typing (keyboard and mouse, words of readable documents only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_pages, chromium_installed  # noqa: F401 - fixture
from tests.browser_steps import log_in, search, wait_for_results, wait_until_idle
from tests.portal_fixtures import build_and_serve, share_document, unc_path, write_index

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser]
DEMO_PASSWORD = "demo"  # every demo login's

DOCS = [
    (
        "Standesamt/Geburt.docx",
        "Geburtsurkunde Muster",
        "Die Geburtsurkunde wird im Standesamt ausgestellt.",
        ("everyone",),
    ),
    (
        "Standesamt/Intern/Sterbefall.docx",
        "Sterbeurkunde Vermerk",
        "Interner Vermerk zur Sterbeurkunde, nur für das Standesamt. Stichwort Zypressenhain.",
        ("group:standesamt",),
    ),
    ("Kämmerei/Gebühren.pdf", "Gebührenordnung", "Die Gebührenordnung regelt Gebühren für Urkunden.", ("everyone",)),
]


def _build(data_dir: Path) -> None:
    write_index(
        data_dir,
        [
            share_document(i, path, title, text, allow, display_path=unc_path(path))
            for i, (path, title, text, allow) in enumerate(DOCS)
        ],
    )


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory):
    with build_and_serve(tmp_path_factory.mktemp("portal"), build=_build) as url:  # the demo logins
        yield url


def test_a_shared_search_runs_trimmed_for_whoever_runs_it(portal_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_pages(2) as (lotse, colleague):
        log_in(lotse, portal_url, "yilmaz", DEMO_PASSWORD)  # Standesamt, Digitallotse
        search(lotse, "Urkunde")
        lotse.get_by_text("Sterbeurkunde Vermerk").first.wait_for()
        sidebar = lotse.get_by_test_id("stSidebar")
        sidebar.get_by_label("Name der Suche").fill("Alle Urkunden")
        sidebar.get_by_role("button", name="Aktuelle Suche speichern").click()
        sidebar.get_by_text("Gespeichert: »Alle Urkunden«").wait_for(timeout=20_000)
        wait_until_idle(lotse)
        sidebar.locator("summary", has_text="Meine Suchen verwalten").click()
        sidebar.get_by_role("button", name="Für alle freigeben").click()
        wait_until_idle(lotse)
        taken_back = sidebar.get_by_role("button", name="Freigabe zurücknehmen")
        if not taken_back.is_visible():  # the expander may have closed with the rerun
            sidebar.locator("summary", has_text="Meine Suchen verwalten").click()
        taken_back.wait_for(timeout=20_000)
        lotse.screenshot(path=str(ARTIFACTS / "portal-saved-search.png"), full_page=True)

        log_in(colleague, portal_url, "mueller", DEMO_PASSWORD)  # Bauamt: not the Standesamt's internal note
        bar = colleague.get_by_test_id("stSidebar")
        bar.get_by_role("button", name="Alle Urkunden (von yilmaz)").click()
        colleague.get_by_text("Geburtsurkunde Muster").first.wait_for(timeout=20_000)
        wait_until_idle(colleague)
        assert colleague.get_by_label("Suchbegriff").input_value() == "Urkunde"
        body = colleague.inner_text("body")
        assert "Sterbeurkunde Vermerk" not in body and "2 Treffer" in body
        colleague.screenshot(path=str(ARTIFACTS / "portal-shared-search.png"), full_page=True)
        # Another's search can be run, not changed.
        assert bar.locator("summary", has_text="Meine Suchen verwalten").count() == 0


def suggestions(page):
    return page.get_by_role("listbox", name="Vorschläge")


def test_suggestions_while_typing_keyboard_and_mouse(portal_url):
    with browser_pages(1) as (page,):
        log_in(page, portal_url, "mueller", DEMO_PASSWORD)
        box = page.get_by_label("Suchbegriff")
        box.press_sequentially("Gebü", delay=40)
        listbox = suggestions(page)
        listbox.wait_for(timeout=20_000)
        options = listbox.get_by_role("option")
        offered = options.all_inner_texts()
        assert "Gebührenordnung" in offered, offered  # as the documents write it, umlaut included
        page.screenshot(path=str(ARTIFACTS / "portal-suggestions.png"))
        box.press("ArrowDown")
        assert options.first.get_attribute("aria-selected") == "true"
        box.press("Enter")
        wait_for_results(page)
        wait_until_idle(page)
        assert box.input_value() == offered[0]
        assert listbox.is_hidden()

        box.fill("")
        box.press_sequentially("Stande", delay=40)
        listbox.get_by_role("option", name="Standesamt").click()
        page.get_by_text("Geburtsurkunde Muster").first.wait_for(timeout=20_000)
        wait_until_idle(page)
        assert box.input_value() == "Standesamt"
        assert "Sterbeurkunde Vermerk" not in page.inner_text("body")


def test_suggestions_never_offer_words_of_hidden_documents(portal_url):
    with browser_pages(2) as (allowed, other):
        log_in(allowed, portal_url, "yilmaz", DEMO_PASSWORD)
        allowed.get_by_label("Suchbegriff").press_sequentially("Zypr", delay=40)
        suggestions(allowed).get_by_role("option", name="Zypressenhain").wait_for(timeout=20_000)

        log_in(other, portal_url, "mueller", DEMO_PASSWORD)
        box = other.get_by_label("Suchbegriff")
        box.press_sequentially("Zypr", delay=40)
        other.wait_for_timeout(1500)
        wait_until_idle(other)
        assert suggestions(other).is_hidden()
        box.fill("")
        box.press_sequentially("Geb", delay=40)  # the same page does suggest readable words
        suggestions(other).wait_for(timeout=20_000)
