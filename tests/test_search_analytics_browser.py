"""Search analytics and best bets in a real headless Chromium against `aktenlotse serve`:
a Digitallotse sees the queries without hits on "Suchanalyse" and pins a wiki page to
one; an employee who then searches it sees the page above the results, opens it, and the
log records that search as opened, without her name. Employees get no analytics page."""

import sqlite3

import pytest
from playwright.sync_api import expect

from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.best_bets import BestBets
from aktenlotse.services.search_analytics import SearchLog
from aktenlotse.services.wiki import WikiStore
from aktenlotse.stores.appdb import app_db_path
from tests.browser import browser_pages, chromium_installed  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import log_in, submit_search, wait_until_idle
from tests.portal_fixtures import LOTSE_ROLES, build_index, publish, serve_portal

pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap, pytest.mark.wiki]
WIKI_PAGES = [
    (
        "Hundesteuer an- und abmelden",
        "Die **Anmeldung** eines Hundes geht über das Formular der Kämmerei.",
        "Anleitung",
    ),
    ("Wohngeld beantragen", "Den Antrag nimmt das Sozialamt entgegen.", "FAQ"),
]


@pytest.fixture(scope="module")
def portal(tmp_path_factory, slapd):
    folder = tmp_path_factory.mktemp("analytics-portal")
    data = folder / "data"
    build_index(data)
    index = EmbeddedBackend(data / "index.sqlite")
    wiki = WikiStore(data, index)
    for title, body, category in WIKI_PAGES:
        publish(wiki, title, body, category)
    # Searches of earlier days, as the portal would have logged them.
    log = SearchLog(data, 90)
    for _ in range(3):
        log.record("Wohngeld Antrag", "hybrid", 0)
    log.record("Hundesteuer", "hybrid", 2)
    log.close()
    bets = BestBets(data)
    bets.pin("hundesteuer", wiki.pages()[1].slug, "keywords", wiki=wiki, author="yilmaz", roles=LOTSE_ROLES)
    bets.close()
    with serve_portal(folder, slapd) as url:
        yield url, data
    # The warm-up at start also read the popular queries, and nothing of it failed.
    log_text = (folder / "portal.log").read_text(errors="replace")
    assert "Suche vorbereitet" in log_text and "fehlgeschlagen" not in log_text
    wiki.close()
    index.close()


def log_rows(data) -> list[tuple]:
    conn = sqlite3.connect(app_db_path(data))
    try:
        return conn.execute("SELECT * FROM search_counts ORDER BY query, mode").fetchall()
    finally:
        conn.close()


def test_best_bet_above_the_results_opens_the_page_and_marks_the_search(portal):
    url, data = portal
    with browser_pages(1, height=1400) as (page,):
        log_in(page, url, "schmidt")
        submit_search(page, "Hundesteuer")
        first_hit = page.get_by_text("Hundesteuersatzung der Stadt").first
        first_hit.wait_for(timeout=20_000)
        pinned = page.get_by_text("Empfohlen: Hundesteuer an- und abmelden")
        pinned.wait_for(timeout=20_000)
        assert pinned.bounding_box()["y"] < first_hit.bounding_box()["y"]  # above the results
        teaser = page.locator("[class*='st-key-best_bet_']").inner_text()
        assert "Die Anmeldung eines Hundes" in teaser and "**" not in teaser  # text, not Markdown
        wait_until_idle(page)
        page.get_by_role("button", name="Empfohlene Seite öffnen").click()
        page.get_by_role("heading", name="Hundesteuer an- und abmelden").first.wait_for(timeout=20_000)
    rows = log_rows(data)
    hund = [row for row in rows if row[1] == "hundesteuer"]
    # The fixture's search and this one; this one opened (once, though the page reran).
    assert (sum(row[3] for row in hund), sum(row[5] for row in hund)) == (2, 1)
    assert not any("schmidt" in repr(row) or "Schmidt" in repr(row) for row in rows)


def test_digitallotse_pins_a_page_to_a_zero_hit_query_and_employees_see_it(portal):
    url, _data = portal
    with browser_pages(2, height=2000) as (lotse, employee):
        log_in(lotse, url, "yilmaz")
        lotse.locator('[data-testid="stSidebarNav"] a[href$="suchanalyse"]').click()
        lotse.get_by_role("heading", name="Suchen ohne Treffer").wait_for(timeout=20_000)
        wait_until_idle(lotse)
        zero_hits = lotse.get_by_test_id("stTable").nth(1)
        expect(zero_hits.get_by_role("row", name="wohngeld antrag 3 3")).to_have_count(1)
        form = lotse.get_by_test_id("stForm")
        # The zero-hit query is offered first; the page is chosen by its title.
        assert form.get_by_role("combobox", name="Suche").input_value() == "wohngeld antrag"
        form.get_by_test_id("stSelectbox").nth(1).click()
        lotse.get_by_role("option", name="Wohngeld beantragen").click()
        form.get_by_role("button", name="Wiki-Seite anheften").click()
        lotse.get_by_text("Angeheftet: »Wohngeld beantragen« bei der Suche »wohngeld antrag«.").wait_for(timeout=20_000)
        lotse.get_by_text("»wohngeld antrag« (genau diese Suche)").wait_for(timeout=20_000)
        # The zero-hit table says which page answers the query now.
        zero_hits = lotse.get_by_test_id("stTable").nth(1)
        expect(zero_hits.get_by_role("row", name="wohngeld antrag").last).to_contain_text("Wohngeld beantragen")

        log_in(employee, url, "mueller")
        nav = employee.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Suchanalyse" not in nav and "Suche" in nav
        submit_search(employee, "Wohngeld  ANTRAG")
        employee.get_by_text("Empfohlen: Wohngeld beantragen").wait_for(timeout=20_000)
        assert employee.get_by_text("Empfohlen: Hundesteuer").count() == 0

        # Unpinned on the page: the next search no longer shows it.
        wait_until_idle(lotse)
        pin_row = lotse.get_by_test_id("stHorizontalBlock").filter(has_text="»wohngeld antrag«")
        pin_row.get_by_role("button", name="Lösen").click()
        expect(lotse.get_by_text("»wohngeld antrag« (genau diese Suche)")).to_have_count(0)
        wait_until_idle(employee)
        submit_search(employee, "Hundesteuer")  # another search, then this one again
        employee.get_by_text("Hundesteuersatzung der Stadt").first.wait_for(timeout=20_000)
        wait_until_idle(employee)
        submit_search(employee, "Wohngeld Antrag")
        expect(employee.get_by_text("Hundesteuersatzung der Stadt")).to_have_count(0, timeout=20_000)
        wait_until_idle(employee)
        expect(employee.get_by_text("Empfohlen: Wohngeld beantragen")).to_have_count(0)
