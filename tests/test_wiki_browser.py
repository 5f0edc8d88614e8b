"""The wiki in a real headless Chromium, two editors at once: the second save of a page
both opened is a conflict with a diff (nothing overwritten), and a saved page is shown in
"Lesen" at once."""

import contextlib
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.wiki import WikiStore
from tests.browser import browser_pages, chromium_installed, log_in_and_search  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import log_in, wait_until_idle
from tests.ldap_directory import USERS
from tests.portal_fixtures import build_index, publish, serve_portal

pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap, pytest.mark.wiki]


@pytest.fixture(scope="module")
def portal(tmp_path_factory, slapd):
    folder = tmp_path_factory.mktemp("wiki-portal")
    build_index(folder / "data")
    index = EmbeddedBackend(folder / "data" / "index.sqlite")  # the portal's index: saved pages are found
    wiki = WikiStore(folder / "data", index)
    pages = (
        (
            "Posteingang",
            "## Eingangsstempel\n\nJede **Eingangspost** wird *gestempelt* und [gescannt](https://example.org).",
        ),
        ("Scannen im Bürgerbüro", "Erste Fassung der Anleitung."),  # the newest: "Lesen" shows it first
    )
    for title, body in pages:
        publish(wiki, title, body)
    with serve_portal(folder, slapd) as url:
        yield url, wiki
    wiki.close()
    index.close()


def two_browsers():
    return browser_pages(2, height=1400)


def open_wiki(page, url: str, username: str) -> None:
    log_in(page, url, username)
    page.get_by_role("link", name="Wissen & DMS-News").click()
    page.get_by_role("heading", name="Scannen im Bürgerbüro").first.wait_for(timeout=20_000)


def edit_and_save(page, text: str) -> None:
    wait_until_idle(page)  # a form filled while the page still renders can lose its submit
    reading = page.get_by_role("tabpanel", name="Lesen")
    body = reading.get_by_label("Text (Markdown)")
    if not body.is_visible():  # the expander stays open after a save or reload
        reading.get_by_text("Bearbeiten", exact=True).click()
    body.wait_for(timeout=10_000)
    body.fill(text)
    # Leave the field first, as a user's click does before the button is pressed: the
    # field's blur re-renders the form, and a press during that re-render can be lost.
    body.blur()
    wait_until_idle(page)
    reading.get_by_role("button", name="Speichern").click()


def form_holds(panel, text: str, timeout_s: float = 20.0) -> bool:
    """True once the panel's edit form alone is left (the rerun replaced the old one) and
    holds `text`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        fields = panel.get_by_label("Text (Markdown)")
        with contextlib.suppress(PlaywrightError):
            if fields.count() == 1 and fields.input_value(timeout=1000) == text:
                return True
        time.sleep(0.2)
    return False


def test_two_editors_second_save_is_a_conflict_with_diff(portal):
    url, wiki = portal
    with two_browsers() as (lotse, admin):
        open_wiki(lotse, url, "yilmaz")
        open_wiki(admin, url, "admin.it")  # both forms hold version 1 now
        saved = lotse.get_by_text("Gespeichert: Scannen im Bürgerbüro (Version 2).")
        for _ in range(3):  # a click that lands in a rerun is lost; the store says whether it was
            edit_and_save(lotse, "Fassung von Frau Yılmaz.")
            with contextlib.suppress(PlaywrightError):
                saved.wait_for(timeout=8_000)
            if wiki.page(wiki.pages()[0].slug).revision == 2:
                break
        saved.wait_for(timeout=20_000)
        # The saved page is shown in "Lesen" at once, without navigating away.
        lotse.get_by_text("Fassung von Frau Yılmaz.").first.wait_for(timeout=20_000)

        edit_and_save(admin, "Fassung der IT.")
        admin.get_by_text("Die Seite wurde inzwischen von yilmaz geändert (Version 2)").wait_for(timeout=20_000)
        diff = admin.locator("[data-testid='stCode']").filter(has_text="Ihre Fassung")
        diff.wait_for(timeout=20_000)
        assert "-Fassung von Frau Yılmaz." in diff.inner_text() and "+Fassung der IT." in diff.inner_text()
        assert "Gespeichert" not in admin.inner_text("body")
        page = wiki.page(wiki.pages()[0].slug)
        assert page.revision == 2 and page.body == "Fassung von Frau Yılmaz."

        # Taking the newest version into the form and saving again works.
        admin.get_by_role("button", name="Neueste Version ins Formular laden").click()
        reading = admin.get_by_role("tabpanel", name="Lesen")
        assert form_holds(reading, "Fassung von Frau Yılmaz.")
        expect(admin.get_by_text("Die Seite wurde inzwischen")).to_have_count(0)  # the conflict is gone
        edit_and_save(admin, "Fassung der IT, nach Abgleich.")
        admin.get_by_text("Gespeichert: Scannen im Bürgerbüro (Version 3).").wait_for(timeout=20_000)
    assert wiki.page(wiki.pages()[0].slug).body == "Fassung der IT, nach Abgleich."


def test_new_page_is_listed_at_once(portal):
    url, wiki = portal
    with two_browsers() as (lotse, _):
        open_wiki(lotse, url, "yilmaz")
        lotse.get_by_role("tab", name="Neue Seite").click()
        form = lotse.get_by_role("tabpanel", name="Neue Seite")
        form.get_by_label("Titel").fill("Posteingang digital")
        form.get_by_label("Text (Markdown)").fill("So kommt die Post ins DMS.")
        form.get_by_role("button", name="Speichern").click()
        lotse.get_by_text("Gespeichert: Posteingang digital (Version 1).").wait_for(timeout=20_000)
        lotse.get_by_text("So kommt die Post ins DMS.").first.wait_for(timeout=20_000)
    assert any(p.title == "Posteingang digital" for p in wiki.pages(include_drafts=True))


def test_wiki_hit_shows_words_not_markdown_and_opens_the_page(portal):
    url, _ = portal
    with two_browsers() as (employee, _):
        log_in_and_search(employee, url, "schmidt", USERS["schmidt"][2], "Eingangspost")
        hit = employee.locator(".snippet").filter(has_text="Eingangspost").first
        hit.wait_for(timeout=20_000)
        snippet = hit.inner_text()
        assert "gestempelt" in snippet and "**" not in snippet and "##" not in snippet and "](" not in snippet
        assert employee.get_by_role("button", name="Herunterladen vorbereiten").count() == 0
        employee.get_by_role("button", name="Seite öffnen").first.click()
        employee.get_by_role("heading", name="Posteingang").first.wait_for(timeout=20_000)
        employee.get_by_role("heading", name="Eingangsstempel").wait_for(timeout=20_000)  # rendered Markdown
        assert employee.url.endswith("/wissen?seite=posteingang")  # the page's own link
