"""End to end in a real headless Chromium: log in against slapd, search, see only what
the user may open. Saves screenshots under test-artifacts/."""

from pathlib import Path

import pytest

from tests.browser import browser_page, chromium_installed, log_in_and_search  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import TIMEOUT, fill_login
from tests.ldap_directory import USERS
from tests.portal_fixtures import HOSTILE_TITLE, build_and_serve

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap]


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory, slapd):
    with build_and_serve(tmp_path_factory.mktemp("portal"), slapd) as url:
        yield url


def test_browser_login_search_sees_only_permitted_hits(portal_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        seconds = log_in_and_search(page, portal_url, "mueller", USERS["mueller"][2], "Bauantrag Hundesteuer")
        page.get_by_text("Bauantrag Lindenweg 12").first.wait_for()
        page.get_by_text("Hundesteuersatzung der Stadt").first.wait_for()
        page.get_by_text("\\\\rathaus\\daten\\Bauamt\\632\\Bauantrag Lindenweg.docx").first.wait_for()
        body = page.inner_text("body")
        assert "Beurteilung Müller" not in body
        assert "\\\\rathaus\\daten\\Bauamt\\632\\Bauantrag Lindenweg.docx" in body
        # "Ordner kopieren": the folder's UNC path in a copyable block of its own.
        page.get_by_text("\\\\rathaus\\daten\\Bauamt\\632", exact=True).first.wait_for(timeout=5_000)
        page.screenshot(path=str(ARTIFACTS / "portal-search-mueller.png"), full_page=True)
        assert seconds < 20
    with browser_page() as page:
        log_in_and_search(page, portal_url, "schmidt", USERS["schmidt"][2], "Bauantrag Hundesteuer")
        page.get_by_text("Hundesteuersatzung der Stadt").first.wait_for()
        body = page.inner_text("body")
        assert "Bauantrag Lindenweg 12" not in body and "Beurteilung" not in body
        page.screenshot(path=str(ARTIFACTS / "portal-search-schmidt.png"), full_page=True)


def test_browser_wrong_password(portal_url):
    with browser_page() as page:
        page.goto(portal_url)
        fill_login(page, "mueller", "falsch")
        page.get_by_text("Benutzername oder Passwort ist falsch").wait_for(timeout=TIMEOUT)
        assert "Traceback" not in page.inner_text("body")


def test_browser_file_names_with_markdown_render_as_text(portal_url):
    """A file called "[Klick](https://example.org) x.pdf" is text in the results, in its
    snippet and in "Ähnliche Dokumente": no link, no markup (an invisible word joiner may
    sit inside a URL so that it is not linked)."""

    def shown(page) -> str:
        return page.inner_text("body").replace("\u2060", "")

    with browser_page() as page:
        log_in_and_search(page, portal_url, "schmidt", USERS["schmidt"][2], "Hundesteuer")
        page.get_by_text("Hundesteuersatzung der Stadt").first.wait_for()
        page.get_by_text("<b>dick</b> [Link](https://example.org/snippet) :red[rot] $x$").first.wait_for()
        page.wait_for_timeout(500)
        assert HOSTILE_TITLE in shown(page)
        assert page.locator("a[href*='example.org']").count() == 0
        assert page.locator(".snippet b, .snippet a").count() == 0
        page.get_by_role("button", name="Ähnliche Dokumente").first.click()
        page.get_by_text("Ähnliche Dokumente:").wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        assert shown(page).count(HOSTILE_TITLE) >= 2  # the hit and its entry in the list
        assert "Kämmerei\\[Klick](https:" in shown(page) and "example.org) x.pdf" in shown(page)
        assert page.locator("a[href*='example.org']").count() == 0
        page.screenshot(path=str(ARTIFACTS / "portal-hostile-names.png"), full_page=True)
