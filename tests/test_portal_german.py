"""The portal in German throughout, in a real headless Chromium against `aktenlotse serve`
and the real slapd: every page as every role (Beschäftigte, Digitallotse, AG DMS,
Administration) without a visible English UI word (text, tooltips, aria-labels,
placeholders), `lang="de"`, captions with a contrast of at least 4.5:1 measured from the
colours the browser computed, the search box focused after login, and "Meinten Sie" in the
form the user typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import browser_page, browser_pages, chromium_installed  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import TIMEOUT, log_in, open_choices, submit_search
from tests.portal_fixtures import build_and_serve, build_index
from tests.portal_state import record_crawl

pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap]

# One user per role (see tests/ldap_directory.py and the default role groups).
USERS_BY_ROLE = {"Beschäftigte": "mueller", "Digitallotse": "yilmaz", "AG DMS": "krause", "Administration": "admin.it"}
# Words of Streamlit's and a programmer's English that have no business in the German UI.
_ENGLISH_WORDS = """
    choose options select selected all results result copy copied clipboard upload browse
    files file drag drop here limit skip main content running press enter apply submit form clear
    remove delete show hide password view more less search close open download fullscreen sidebar
    menu collapse expand stop deploy rerun settings loading please wait connecting error errors page
    pages found the and of with to no yes done failed interrupted incomplete corrupt encrypted
    unsupported timeout employee admin reviewer empty none true false increment decrement value
    entry sort ascending descending column row rows pin unpin previous next add reset cancel save
    edit help about print theme light dark system made draft published unknown exception java
    apache unable process document extract
"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())
# Product names and file types, which stay as they are in German.
ALLOWED = frozenset({"aktenlotse", "tika", "pdf", "docx", "xlsx", "csv", "png", "jpeg", "gif", "dms", "xdomea"})
WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
# What a person sees or a screen reader reads: visible text (icons drawn from the icon font
# are glyphs, not words), and the labels in aria-label, title and placeholder.
SHOWN_TEXTS = """() => {
  const shown = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.nodeValue.trim()) continue;
    if (el.closest('script, style, [data-testid="stIconMaterial"]') || !shown(el)) continue;
    out.push(node.nodeValue.trim());
  }
  for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder]")) {
    if (!shown(el)) continue;
    for (const name of ["aria-label", "title", "placeholder"]) {
      const value = el.getAttribute(name);
      if (value && value.trim()) out.push(value.trim());
    }
  }
  return out;
}"""
# Each caption's colour against the background it is drawn on (the first opaque one up the
# tree), blended and compared as WCAG 2 defines contrast.
CAPTION_CONTRASTS = """() => {
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    const [r, g, b, a] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const color = rgba(getComputedStyle(at).backgroundColor);
      if (color[3] > 0) return color;
    }
    return [255, 255, 255, 1];
  };
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  return [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .filter((el) => el.checkVisibility() && el.innerText.trim())
    .map((el) => {
      const [r, g, b, a] = rgba(getComputedStyle(el).color);
      const bg = background(el);
      const fg = [0, 1, 2].map((i) => [r, g, b][i] * a + bg[i] * (1 - a));
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      return [el.innerText.trim().slice(0, 60), (hi + 0.05) / (lo + 0.05)];
    });
}"""


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory, slapd):
    with build_and_serve(tmp_path_factory.mktemp("german-portal"), slapd, build=_index_with_crawl) as url:
        yield url


def _index_with_crawl(data_dir: Path) -> None:
    """The sample index and a crawl run, so that the admin pages have runs to show."""
    build_index(data_dir)
    record_crawl(data_dir)


def english_words(page) -> list[str]:
    """Visible texts of the page with an English word in them, each with that word."""
    found = []
    for text in page.evaluate(SHOWN_TEXTS):
        words = [w for w in WORD.findall(text) if w.lower() in ENGLISH and w.lower() not in ALLOWED]
        if words:
            found.append(f"{words[0]!r} in {text[:80]!r}")
    return found


def settle(page) -> None:
    """Wait until Streamlit has finished the script run and drawn its result."""
    page.wait_for_timeout(400)
    page.locator('[data-testid="stStatusWidgetRunningIcon"]').wait_for(state="detached", timeout=30_000)
    page.wait_for_timeout(400)


def log_in_settled(page, url: str, username: str) -> None:
    log_in(page, url, username)
    settle(page)


def assert_german(page, where: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "de", where
    found = english_words(page)
    assert found == [], f"{where}: {found}"


def search_hundesteuer(page) -> None:
    submit_search(page, "Hundesteuer")
    page.get_by_text("Hundesteuersatzung der Stadt").first.wait_for(timeout=TIMEOUT)
    settle(page)


def walk_search_page(page) -> None:
    search_hundesteuer(page)
    assert_german(page, "Suche mit Treffern")
    page.locator('[data-testid="stCode"]').first.hover()  # shows the copy button
    page.wait_for_timeout(300)
    assert_german(page, "Suche, Pfad mit Kopierknopf")
    open_choices(page, page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first)
    page.keyboard.type("zzzz")  # an option list with nothing in it: "No results" otherwise
    page.wait_for_timeout(500)
    assert_german(page, "Suche, Filterauswahl ohne Treffer")
    page.keyboard.press("Escape")


def walk_other_pages(page, role: str) -> list[str]:
    """Open every page the sidebar offers; returns their names."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    names = links.evaluate_all(
        """links => links.map(link => [...link.querySelectorAll("span")]
            .filter(span => !span.closest('[data-testid="stIconMaterial"]') && !span.querySelector("span"))
            .map(span => span.innerText.trim()).filter(Boolean).join(" "))"""
    )
    for index, name in enumerate(names):
        links.nth(index).click()
        settle(page)
        assert_german(page, f"{role}: {name}")
        for tab in page.get_by_role("tab").all():  # "Neue Seite" holds the image upload
            tab.click()
            settle(page)
            assert_german(page, f"{role}: {name}, Reiter {tab.inner_text()}")
    return names


@pytest.mark.parametrize("role", list(USERS_BY_ROLE))
def test_every_page_is_german_for_every_role(portal_url, role):
    with browser_page() as page:
        log_in_settled(page, portal_url, USERS_BY_ROLE[role])
        assert_german(page, f"{role}: Suche")
        assert role in page.locator('[data-testid="stSidebar"]').inner_text()  # "Rollen: …" in German
        walk_search_page(page)
        names = walk_other_pages(page, role)
        assert "Suche" in names and "Wissen & DMS-News" in names
        assert ("Verwaltung" in names) == (role == "Administration")


def test_streamlit_texts_drawn_later_are_translated_too(portal_url):
    with browser_page() as page:
        log_in_settled(page, portal_url, "mueller")
        page.evaluate(
            """() => {
              const note = document.createElement("span");
              note.id = "later";
              note.setAttribute("aria-label", "Running...");
              note.textContent = "Press Enter to apply";
              document.querySelector('[data-testid="stMain"]').appendChild(note);
            }"""
        )
        page.wait_for_timeout(200)
        later = page.locator("#later")
        assert later.inner_text() == "Eingabetaste zum Übernehmen"
        assert later.get_attribute("aria-label") == "Läuft …"


def test_admin_sees_german_run_states_and_error_messages(portal_url):
    with browser_pages(1, height=2400) as (page,):
        log_in_settled(page, portal_url, "admin.it")
        page.locator('[data-testid="stSidebarNav"] a[href$="verwaltung"]').click()
        page.get_by_role("heading", name="Crawl-Läufe").wait_for(timeout=20_000)
        settle(page)
        page.get_by_label("Art", exact=True).click()
        page.get_by_role("option", name="verschlüsselt").wait_for(timeout=5_000)
        assert page.get_by_role("option", name="beschädigt").count() == 1
        page.keyboard.press("Escape")
        assert_german(page, "Verwaltung")


def test_captions_have_a_contrast_of_at_least_4_5(portal_url):
    with browser_page() as page:
        log_in_settled(page, portal_url, "mueller")
        search_hundesteuer(page)
        contrasts = page.evaluate(CAPTION_CONTRASTS)
        assert len(contrasts) >= 3  # the sidebar's roles, the hit count, a hit's date and size
        low = [(text, round(ratio, 2)) for text, ratio in contrasts if ratio < 4.5]
        assert low == [], low


def test_search_box_is_focused_after_login_and_meinten_sie_keeps_the_case(portal_url):
    with browser_page() as page:
        log_in_settled(page, portal_url, "schmidt")
        assert page.evaluate("document.activeElement && document.activeElement.getAttribute('aria-label')") == (
            "Suchbegriff"
        )
        page.keyboard.type("Hundesteur")  # typed straight away: the cursor is in the box
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Meinten Sie: Hundesteuer").wait_for(timeout=20_000)
        assert page.get_by_role("button", name="Meinten Sie: hundesteuer", exact=True).count() == 0
