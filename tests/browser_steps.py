"""What a user does on the portal, step by step, for the browser tests: log in, search, open
a filter list. Each step waits until the page has settled, because a Streamlit rerun that
lands in the middle of a step can swallow a click or close a list that was just opened."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.ldap_directory import USERS

TIMEOUT = 20_000


def wait_until_idle(page, timeout_ms: int = TIMEOUT) -> None:
    """Until the portal's script run has finished (Streamlit marks its root element), as a
    user waits for a page to finish loading before typing into it."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout_ms)


def fill_login(page, username: str, password: str | None = None) -> None:
    """Fill in the login form shown and press "Anmelden" (by default with the directory's
    password of `username`)."""
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort", exact=True).fill(USERS[username][2] if password is None else password)
    page.get_by_role("button", name="Anmelden").click()


def log_in(page, url: str, username: str, password: str | None = None) -> None:
    """Open the portal at `url`, log in and wait until the search page has settled."""
    page.goto(url)
    fill_login(page, username, password)
    page.get_by_label("Suchbegriff").wait_for(timeout=TIMEOUT)
    wait_until_idle(page)


def submit_search(page, text: str) -> None:
    """Type `text` into the search box and press Enter, without waiting for what follows."""
    box = page.get_by_label("Suchbegriff")
    box.fill(text)
    box.press("Enter")


def wait_for_results(page) -> None:
    """Until the hit count of a search is shown."""
    page.get_by_text("Treffer", exact=False).first.wait_for(timeout=TIMEOUT)


def search(page, text: str) -> None:
    """Search for `text` and wait until the results have settled."""
    submit_search(page, text)
    wait_for_results(page)
    wait_until_idle(page)


def open_choices(page, select):
    """Open a multiselect's list and return its visible options (not the search box's hidden
    suggestions). A rerun that lands just after the click closes the list again, so the
    click is repeated until the list stays open."""
    options = page.locator('[role="option"]:visible')
    for _ in range(10):
        select.locator("input").click()
        try:
            options.first.wait_for(timeout=2_000)
            return options
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            wait_until_idle(page)
    options.first.wait_for(timeout=TIMEOUT)
    return options
