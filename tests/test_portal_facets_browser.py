"""The search page's facets, text preview and page access in a real headless Chromium
against `aktenlotse serve` and the real slapd: the folder facet is a tree whose counts are
the hits after choosing a folder, Aktenplan values carry the plan's titles, a hit's text
preview marks the query's words, and a link to a page the user's roles may not open says so."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from aktenlotse.core.config import EnrichConfig
from aktenlotse.enrich.aktenplan import Aktenplan, AktenplanClass
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.pipeline.embed_pass import run_embedding_pass
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.stores.aktenplan_store import AktenplanStore
from tests.browser import browser_page, chromium_installed  # noqa: F401 - chromium_installed is a fixture
from tests.browser_steps import TIMEOUT, fill_login, log_in, open_choices, search, wait_until_idle
from tests.portal_fixtures import build_and_serve, share_document, write_index

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [pytest.mark.usefixtures("chromium_installed"), pytest.mark.browser, pytest.mark.ldap]

# (path, Aktenplan code): everyone may read all of them; every text holds "Antrag".
FILES = [
    ("Bauamt/632 Baugenehmigungen/2023/Antrag Lindenweg.pdf", "632"),
    ("Bauamt/632 Baugenehmigungen/2023/Antrag Birkenallee.pdf", "632"),
    ("Bauamt/632 Baugenehmigungen/2022/Antrag Garage.docx", "632"),
    ("Bauamt/632 Baugenehmigungen/Antrag Carport.docx", "632"),
    ("Bauamt/Baumschutz/Antrag Fällung.docx", "633"),
    ("Bauamt/Antrag Übersicht.xlsx", "999"),
    ("Kämmerei/Antrag Hundesteuer.pdf", None),
]


def _build(data_dir: Path) -> None:
    write_index(
        data_dir,
        [
            share_document(
                i,
                path,
                path.rsplit("/", 1)[-1].rsplit(".", 1)[0],
                f"Ein Antrag ({path}).",
                ("everyone",),
                modified=f"2024-03-0{i + 1}T10:00:00+00:00",
                size=1000 + i,  # an empty file would have no meaning to search by
                extra={"aktenplan": [{"code": code, "score": 0.9}]} if code else {},
            )
            for i, (path, code) in enumerate(FILES)
        ],
    )
    # Vectors, so that the portal searches by meaning as well (hybrid by default).
    with EmbeddedBackend(data_dir / "index.sqlite") as backend:
        stats = run_embedding_pass(backend, load_encoder(EnrichConfig().model), EnrichConfig())
    assert stats.complete and stats.documents == len(FILES)
    plan = Aktenplan(
        {
            "6": AktenplanClass("6", "Bauwesen"),
            "632": AktenplanClass("632", "Baugenehmigungen", parent="6", level=2),
            "633": AktenplanClass("633", "Baumschutz", parent="6", level=2),
        }
    )
    with AktenplanStore(data_dir) as store:
        store.save(plan, "aktenplan.csv")


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory, slapd):
    with build_and_serve(tmp_path_factory.mktemp("facets-portal"), slapd, build=_build) as url:
        yield url


def _search(page, url: str, user: str, text: str, mode: str = "Volltext") -> None:
    log_in(page, url, user)
    page.get_by_text(mode, exact=True).click()
    wait_until_idle(page)
    search(page, text)


def _total(page) -> int:
    caption = page.get_by_text(" Treffer", exact=False).first.inner_text()
    return int(caption.split()[0])


def _sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def _chosen_folder(page) -> str | None:
    values = parse_qs(urlsplit(page.url).query).get("ordner")
    return values[0] if values else None


def _choose(page, label: str, folder: str | None) -> None:
    """Click a folder button and wait until the page shows `folder` (the URL follows the choice)."""
    _sidebar(page).get_by_role("button", name=label, exact=True).click()
    for _ in range(200):
        if _chosen_folder(page) == folder:
            break
        page.wait_for_timeout(100)
    assert _chosen_folder(page) == folder, (label, page.url)
    page.wait_for_timeout(200)
    wait_until_idle(page)


def test_folder_facet_drills_down_and_counts_what_choosing_finds(portal_url):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page() as page:
        _search(page, portal_url, "schmidt", "Antrag")
        assert _total(page) == 7
        sidebar = _sidebar(page)
        assert sidebar.get_by_role("button", name="Bauamt (6)", exact=True).is_visible()
        assert sidebar.get_by_role("button", name="Kämmerei (1)", exact=True).is_visible()
        assert not sidebar.get_by_role("button", name="Alle Ordner").is_visible()

        _choose(page, "Bauamt (6)", "Bauamt")
        assert _total(page) == 6
        assert sidebar.get_by_role("button", name="Alle Ordner", exact=True).is_visible()  # the way back up
        assert sidebar.get_by_text("Bauamt", exact=True).is_visible()
        assert not sidebar.get_by_role("button", name="Kämmerei (1)").is_visible()
        # The file directly in "Bauamt" is a hit, but in none of the subfolders.
        assert sidebar.get_by_role("button", name="632 Baugenehmigungen (4)", exact=True).is_visible()
        assert sidebar.get_by_role("button", name="Baumschutz (1)", exact=True).is_visible()
        page.screenshot(path=str(ARTIFACTS / "portal-folder-tree.png"), full_page=True)

        _choose(page, "632 Baugenehmigungen (4)", "Bauamt/632 Baugenehmigungen")
        assert _total(page) == 4
        assert sidebar.get_by_role("button", name="2023 (2)", exact=True).is_visible()
        assert sidebar.get_by_role("button", name="2022 (1)", exact=True).is_visible()
        _choose(page, "2023 (2)", "Bauamt/632 Baugenehmigungen/2023")
        assert _total(page) == 2
        assert "Antrag Garage" not in page.inner_text("body")

        _choose(page, "632 Baugenehmigungen", "Bauamt/632 Baugenehmigungen")  # the breadcrumb, one level up
        assert _total(page) == 4
        _choose(page, "Alle Ordner", None)
        assert _total(page) == 7
        assert sidebar.get_by_role("button", name="Bauamt (6)", exact=True).is_visible()


def _folder_buttons(page) -> list[tuple[str, int]]:
    """The folder facet's values as (button label, count)."""
    buttons = _sidebar(page).locator('[class*="st-key-folder_child_"] button')
    # The label's own text, without the folder icon's name.
    labels = buttons.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    found = []
    for text in labels:
        label = text.strip()
        found.append((label, int(label.rsplit(" (", 1)[1].rstrip(")"))))
    return found


@pytest.mark.parametrize("mode", ["Volltext", "Semantisch", "Hybrid"])
def test_every_folder_count_is_the_hit_count_after_choosing_it(portal_url, mode):
    """Walk the whole tree: each folder button promises a number of hits, choosing it must
    show exactly that many, in every mode; then back up by the breadcrumb."""
    with browser_page() as page:
        _search(page, portal_url, "schmidt", "Antrag auf Baugenehmigung", mode)
        checked = 0

        def walk(parent: str | None) -> None:
            nonlocal checked
            for label, count in _folder_buttons(page):
                folder = "/".join(filter(None, [parent, label.rsplit(" (", 1)[0]]))
                _choose(page, label, folder)
                assert _total(page) == count, (mode, folder)
                checked += 1
                walk(folder)
                _choose(page, parent.rsplit("/", 1)[-1] if parent else "Alle Ordner", parent)  # the breadcrumb

        walk(None)
        assert checked >= 4, mode


def test_aktenplan_facet_shows_code_and_title(portal_url):
    with browser_page() as page:
        _search(page, portal_url, "schmidt", "Antrag")
        options = open_choices(
            page, _sidebar(page).locator('[data-testid="stMultiSelect"]').filter(has_text="Aktenplan")
        )
        shown = [text for text in options.all_inner_texts() if text != "Alle auswählen"]
        assert shown == ["632 Baugenehmigungen (4)", "633 Baumschutz (1)", "999 (1)"]
        options.filter(has_text="632 Baugenehmigungen (4)").click()
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        wait_until_idle(page)
        assert _total(page) == 4  # the choice filters by the code
        assert "aktenplan=632" in page.url


def test_text_preview_shows_the_start_of_the_text_with_the_words_marked(portal_url):
    with browser_page() as page:
        _search(page, portal_url, "schmidt", "Hundesteuer")
        assert _total(page) == 1
        page.get_by_role("button", name="Textvorschau").click()
        preview = page.locator(".preview")
        preview.wait_for(timeout=TIMEOUT)
        assert preview.inner_text() == "Ein Antrag (Kämmerei/Antrag Hundesteuer.pdf)."
        assert preview.locator("mark").all_inner_texts() == ["Hundesteuer"]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "portal-text-preview.png"), full_page=True)
        page.get_by_role("button", name="Textvorschau").click()  # closes it again
        preview.wait_for(state="detached", timeout=TIMEOUT)


@pytest.mark.parametrize(
    ("user", "path", "notice"),
    [
        (
            "schmidt",
            "pruefung",
            "Die Seite »Aktenplan-Prüfung« ist nur für die AG DMS und die Administration zugänglich.",
        ),
        ("schmidt", "verwaltung", "Die Seite »Verwaltung« ist nur für die Administration zugänglich."),
        ("krause", "verwaltung", "Die Seite »Verwaltung« ist nur für die Administration zugänglich."),
    ],
)
def test_link_to_a_page_the_roles_may_not_open_says_so(portal_url, user, path, notice):
    with browser_page() as page:
        page.goto(portal_url + path)  # a link followed before logging in
        fill_login(page, user)
        page.get_by_text(notice, exact=False).wait_for(timeout=TIMEOUT)
        assert page.url.endswith("/" + path)
        assert page.get_by_role("heading", name="Kein Zugang").is_visible()
        page.get_by_role("link", name="Zur Suche").click()
        page.get_by_label("Suchbegriff").wait_for(timeout=TIMEOUT)
        # Already logged in, a typed address says the same.
        page.goto(portal_url + path)
        page.get_by_text(notice, exact=False).wait_for(timeout=TIMEOUT)
        assert not page.get_by_label("Suchbegriff").is_visible()
