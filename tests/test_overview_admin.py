"""Overview figures, the crawl lock, and the role checks of the AG DMS/admin pages."""

import os
import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from aktenlotse.core.config import EnrichConfig
from aktenlotse.crawler.tika_client import TikaServerExtractor
from aktenlotse.enrich.enricher import Enricher
from aktenlotse.pipeline.crawl_lock import CrawlRunning, crawl_lock, crawl_running
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.overview import build_overview
from aktenlotse.stores.aktenplan_store import load_current_plan
from aktenlotse.stores.statedb import StateDB
from tests.crawl_env import CrawlEnv

pytestmark = pytest.mark.review


@pytest.fixture
def share(tmp_path, tika_server):
    env = CrawlEnv(tmp_path, TikaServerExtractor(managed=tika_server))
    env.enrich = Enricher(EnrichConfig(), env.data, load_plan=load_current_plan).enrich
    env.write(
        "Bürgerbüro/offen/antrag.txt", "Antrag von Max Mustermann, geb. 01.02.1980, IBAN DE89 3704 0044 0532 0130 00."
    )
    env.write("Bauamt/plan.txt", "Bebauungsplan Nord")
    old = env.write("Archiv/alt.txt", "Protokoll aus dem Jahr 2009")
    os.utime(old, (time.time() - 12 * 365 * 86400,) * 2)
    shutil.copy(env.root / "Bauamt/plan.txt", env.root / "Bauamt/plan-kopie.txt")
    shutil.copy(env.root / "Bauamt/plan.txt", env.root / "Archiv/plan-kopie2.txt")
    env.crawl()
    return env


def test_overview_figures(share):
    state = StateDB(share.data / "state.sqlite")
    backend = EmbeddedBackend(share.data / "index.sqlite")
    try:
        view = build_overview(state, backend, roles={"admin"})
    finally:
        state.close()
        backend.close()
    assert view.total == 5
    assert dict((s, n) for s, n, _ in view.by_source) == {"daten": 5}
    assert dict((t, n) for t, n, _ in view.by_type) == {"txt": 5}
    assert (view.duplicate_groups, view.duplicate_files) == (1, 3)
    assert view.wasted_bytes == 2 * len(b"Bebauungsplan Nord")
    assert view.stale_files == 1 and view.stale_examples[0][1] == "Archiv/alt.txt"
    assert [p for _, p, _ in view.open_personal_data] == ["Bürgerbüro/offen/antrag.txt"]


def test_crawl_lock_refuses_a_second_crawl(tmp_path):
    assert not crawl_running(tmp_path)
    with crawl_lock(tmp_path):
        assert crawl_running(tmp_path)
        with pytest.raises(CrawlRunning, match="läuft bereits"), crawl_lock(tmp_path):
            pass
    assert not crawl_running(tmp_path)


def _page_script(page: str, roles: tuple[str, ...], config: str) -> None:
    import importlib

    from aktenlotse.identity.directory import UserInfo
    from aktenlotse.portal.context import build_context

    module = importlib.import_module(f"aktenlotse.portal.{page}")
    module.render(build_context(config), UserInfo("u", "U", "", "", (), (), frozenset(roles)))


@pytest.mark.parametrize(
    "page, allowed", [("ui_review", {"ag_dms", "admin"}), ("ui_overview", {"ag_dms", "admin"}), ("ui_admin", {"admin"})]
)
def test_restricted_pages_check_roles(share, tmp_path, page, allowed):
    config = tmp_path / "portal.toml"
    config.write_text(
        f'data_dir = "{share.data}"\n[auth]\nmode = "demo"\n[[sources]]\nname = "daten"\nroot = "{share.root}"\n',
        encoding="utf-8",
    )
    for role in ("employee", "digitallotse", "ag_dms", "admin"):
        at = AppTest.from_function(_page_script, args=(page, ("employee", role), str(config)), default_timeout=90).run()
        assert not at.exception, (page, role, at.exception)
        refused = any("vorbehalten" in e.value for e in at.error)
        assert refused == (role not in allowed), (page, role)


def _overview_as_ag_dms(share, tmp_path) -> AppTest:
    config = tmp_path / "portal.toml"
    config.write_text(
        f'data_dir = "{share.data}"\n[auth]\nmode = "demo"\n[[sources]]\nname = "daten"\nroot = "{share.root}"\n',
        encoding="utf-8",
    )
    at = AppTest.from_function(
        _page_script, args=("ui_overview", ("employee", "ag_dms"), str(config)), default_timeout=90
    )
    at.run()
    assert not at.exception
    return at


def test_overview_page_names_duplicate_paths_in_german(share, tmp_path):
    at = _overview_as_ag_dms(share, tmp_path)
    (duplicates,) = [t for t in at.dataframe if "Kopien" in t.value.columns]
    cell = duplicates.value["Dateien"][0]
    for path in ("Archiv/plan-kopie2.txt", "Bauamt/plan-kopie.txt", "Bauamt/plan.txt"):
        assert f"daten: {path}" in cell
    assert "und 2 weitere" in cell
    assert [m.label for m in at.metric][1] == "Dubletten (1 Gruppe)" and [m.value for m in at.metric][1] == "3"
    assert not any(h.value.startswith("Volumen") for h in at.subheader)


def test_overview_page_shows_the_forecast_per_department(share, tmp_path):
    at = _overview_as_ag_dms(share, tmp_path)
    assert "Migrationsprognose je Fachbereich" in [h.value for h in at.subheader]
    (forecast,) = [t for t in at.dataframe if "Fachbereich" in t.value.columns]
    assert {"Bauamt", "Archiv"} <= set(forecast.value["Fachbereich"])
    assert forecast.value["Dateien"].sum() == sum(1 for p in share.root.rglob("*") if p.is_file())
    assert any("noch keine Entscheidungen" in c.value for c in at.caption)
