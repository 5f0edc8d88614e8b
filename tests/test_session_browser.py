"""Logins that survive a reload, in a real headless Chromium against `aktenlotse serve`
and the real slapd: F5 keeps the session, a deep link lands on its page after the login,
and a cookie that was logged out, expired, tampered with or forged logs nobody in."""

from contextlib import contextmanager
from pathlib import Path

import ldap3
import pytest

from aktenlotse.portal.session_cookie import COOKIE_NAME, CookieClaims, load_secret, read_cookie, sign_cookie
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.wiki import WikiStore
from tests.browser import chromium, chromium_installed, new_page  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import TIMEOUT, fill_login
from tests.ldap_directory import ROOT_DN, ROOT_PASSWORD, USERS, group_dn, user_dn
from tests.portal_fixtures import build_and_serve, build_index, publish

pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap]


def _index_and_wiki(data_dir: Path) -> None:
    build_index(data_dir)
    with EmbeddedBackend(data_dir / "index.sqlite") as index:
        wiki = WikiStore(data_dir, index)
        for title in ("Posteingang", "Scannen im Bürgerbüro"):  # the newest is shown first without a link
            publish(wiki, title, f"Anleitung {title}.")
        wiki.close()


@pytest.fixture(scope="module")
def portal(tmp_path_factory, slapd):
    folder = tmp_path_factory.mktemp("session-portal")
    with build_and_serve(folder, slapd, build=_index_and_wiki) as url:
        yield url, folder / "data"


def session_cookie(page) -> dict:
    """The login cookie once the browser has it (it follows the login by one request)."""
    for _ in range(100):
        found = [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
        if found:
            return found[0]
        page.wait_for_timeout(100)
    raise AssertionError("no login cookie after the login")


def shows_login_form(page) -> bool:
    page.get_by_label("Benutzername").wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(1000)  # a cookie login would replace the form within this time
    return page.get_by_label("Benutzername").is_visible() and not page.get_by_label("Suchbegriff").is_visible()


def followed_link(browser, link: str, user: str):
    """A new browser context's page that opened `link` and logged in there as `user`."""
    page = new_page(browser)
    page.goto(link)
    fill_login(page, user)
    return page


def logged_in_page(browser, url: str, user: str):
    """A new browser context's page on the portal, logged in as `user`, showing the search."""
    page = followed_link(browser, url, user)
    page.get_by_label("Suchbegriff").wait_for(timeout=TIMEOUT)
    return page


def test_reload_keeps_the_session_and_the_page(portal):
    url, _ = portal
    with chromium() as browser:
        page = logged_in_page(browser, url, "krause")
        cookie = session_cookie(page)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
        assert USERS["krause"][2] not in cookie["value"]
        assert page.evaluate("document.cookie").find(COOKIE_NAME) == -1  # page scripts cannot read it
        page.reload()
        page.get_by_label("Suchbegriff").wait_for(timeout=TIMEOUT)
        assert not page.get_by_label("Benutzername").is_visible()
        page.get_by_role("link", name="Aktenplan-Prüfung").click()
        page.wait_for_url("**/pruefung", timeout=TIMEOUT)
        page.reload()  # F5 on another page stays on that page
        page.get_by_role("heading", name="Aktenplan-Prüfung").first.wait_for(timeout=TIMEOUT)
        assert page.url.endswith("/pruefung")
        assert "Heike Krause" in page.inner_text("body")


def test_deep_links_land_on_their_page_after_login(portal):
    url, _ = portal
    with chromium() as browser:
        page = followed_link(browser, url + "verwaltung", "admin.it")
        page.get_by_role("heading", name="Verwaltung").first.wait_for(timeout=TIMEOUT)
        assert page.url.endswith("/verwaltung")

        page = followed_link(browser, url + "pruefung", "krause")
        page.get_by_role("heading", name="Aktenplan-Prüfung").first.wait_for(timeout=TIMEOUT)

        page = followed_link(browser, url + "wissen?seite=posteingang", "schmidt")
        page.get_by_role("heading", name="Wissen & DMS-News").first.wait_for(timeout=TIMEOUT)
        page.get_by_role("heading", name="Posteingang").first.wait_for(timeout=TIMEOUT)
        page.get_by_text("Anleitung Posteingang.").wait_for(timeout=TIMEOUT)
        assert "seite=posteingang" in page.url

        page = followed_link(browser, url + "wissen?seite=gibt-es-nicht", "schmidt")
        page.get_by_text("Die verlinkte Seite gibt es nicht (mehr)").wait_for(timeout=TIMEOUT)

        page = followed_link(browser, url + "?q=Hundesteuer&sortierung=datum", "schmidt")
        page.get_by_text("Hundesteuersatzung der Stadt").first.wait_for(timeout=TIMEOUT)
        assert page.get_by_label("Suchbegriff").input_value() == "Hundesteuer"
        assert "q=Hundesteuer" in page.url and "sortierung=datum" in page.url


def test_logged_out_cookie_is_dead_in_another_browser(portal):
    url, _ = portal
    with chromium() as browser:
        page = logged_in_page(browser, url, "mueller")
        copied = session_cookie(page)
        other = new_page(browser, cookies=[copied])  # the same cookie works elsewhere while logged in ...
        other.goto(url)
        other.get_by_label("Suchbegriff").wait_for(timeout=TIMEOUT)
        page.get_by_role("button", name="Abmelden").click()
        page.get_by_text("Sie wurden abgemeldet.").wait_for(timeout=TIMEOUT)
        for _ in range(50):  # the logout also deletes the cookie in this browser
            if not [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]:
                break
            page.wait_for_timeout(100)
        assert not [c for c in page.context.cookies() if c["name"] == COOKIE_NAME]
        page.reload()
        assert shows_login_form(page)
        third = new_page(browser, cookies=[copied])  # ... and is dead after the logout
        third.goto(url)
        assert shows_login_form(third)
        assert "Anna Müller" not in third.inner_text("body")


def test_expired_tampered_and_forged_cookies_log_nobody_in(portal):
    url, data_dir = portal
    secret = load_secret(data_dir)
    with chromium() as browser:
        page = logged_in_page(browser, url, "mueller")
        genuine = session_cookie(page)
        claims = read_cookie(genuine["value"], secret, 0)
        assert claims is not None and claims.username == "mueller"
        expired = sign_cookie(CookieClaims(claims.session_id, "mueller", 1_000_000_000), secret)
        payload, signature = genuine["value"].split(".")
        as_admin = sign_cookie(CookieClaims(claims.session_id, "admin.it", claims.expires), secret).split(".")[0]
        forged = sign_cookie(CookieClaims(claims.session_id, "mueller", claims.expires), b"x" * 32)
        for value in (expired, f"{as_admin}.{signature}", f"{payload}.{signature[:-2]}AA", forged, "Unsinn"):
            cookie = {**genuine, "value": value}
            cookie.pop("expires", None)
            other = new_page(browser, cookies=[cookie])
            other.goto(url + "verwaltung")
            assert shows_login_form(other), value
            assert "Traceback" not in other.inner_text("body")


@contextmanager
def removed_from_group(slapd, user: str, group: str):
    """`user` out of `group` in the directory for the block (an empty groupOfNames names itself)."""
    with ldap3.Connection(ldap3.Server(slapd.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True) as admin:
        admin.search(group_dn(group), "(objectClass=*)", attributes=["member"])
        members = [str(m) for m in admin.entries[0].member.values]
        rest = [m for m in members if m.lower() != user_dn(user).lower()] or [group_dn(group)]
        assert admin.modify(group_dn(group), {"member": [(ldap3.MODIFY_REPLACE, rest)]}), admin.result
        try:
            yield
        finally:
            admin.modify(group_dn(group), {"member": [(ldap3.MODIFY_REPLACE, members)]})


def test_reload_resolves_roles_again(portal, slapd):
    url, _ = portal
    with chromium() as browser:
        page = followed_link(browser, url + "verwaltung", "admin.it")
        page.get_by_role("heading", name="Verwaltung").first.wait_for(timeout=TIMEOUT)
        session_cookie(page)
        with removed_from_group(slapd, "admin.it", "portal-admins"):
            page.reload()
            # Still logged in, and told that the page is no longer open to these roles.
            page.get_by_text("Die Seite »Verwaltung« ist nur für die Administration zugänglich.").wait_for(
                timeout=TIMEOUT
            )
            assert page.get_by_role("link", name="Verwaltung").count() == 0
            assert "IT-Administration" in page.inner_text("body")


def test_secret_file_is_private(portal):
    _, data_dir = portal
    path: Path = next(data_dir.glob("*.key"))
    assert path.stat().st_mode & 0o077 == 0
