"""The migration forecast per Fachbereich: the pace from decisions with known timestamps,
the figures per department from a real crawl, and the CLI."""

import json

import pytest

from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.review import ReviewStore
from aktenlotse.services.review_forecast import FIRST_DECISION_S, build_forecast, department_of, review_pace
from aktenlotse.stores.review_store import Decision
from aktenlotse.stores.statedb import StateDB
from tests.cli_process import run_cli
from tests.test_review import crawled, krause_decides  # noqa: F401 - the crawled share is a fixture

pytestmark = pytest.mark.review
T0 = 1_780_000_000.0  # a Monday in 2026


def decision(path: str, reviewer: str, at: float) -> Decision:
    return Decision("daten", path, f"h-{path}", "632", "accept", "", reviewer, at)


def test_pace_counts_sittings_of_each_reviewer():
    decisions = [
        # krause: one sitting of three decisions two minutes long, a second one three hours later
        decision("a", "krause", T0),
        decision("b", "krause", T0 + 60),
        decision("c", "krause", T0 + 120),
        decision("d", "krause", T0 + 3 * 3600),
        # yilmaz: a folder decided at once (two documents, one moment), long ago
        decision("e", "yilmaz", T0 - 60 * 86400),
        decision("f", "yilmaz", T0 - 60 * 86400),
    ]
    pace = review_pace(decisions, now=T0 + 86400)
    sittings = [120 + FIRST_DECISION_S, FIRST_DECISION_S, FIRST_DECISION_S]
    assert pace.documents == 6
    assert pace.hours == pytest.approx(sum(sittings) / 3600)
    assert pace.per_hour == pytest.approx(6 / (sum(sittings) / 3600))
    # Only krause's two sittings fall into the last four weeks.
    assert pace.hours_per_week == pytest.approx((sittings[0] + sittings[1]) / 3600 / 4)
    assert review_pace([], now=T0).per_hour is None


def test_department_is_the_top_folder():
    assert department_of("daten", "Bauamt/632/a.txt", several_sources=False) == "Bauamt"
    assert department_of("daten", "liesmich.txt", several_sources=False) == "(Wurzel)"
    assert department_of("archiv", "Bauamt/a.txt", several_sources=True) == "archiv: Bauamt"
    mapping = {"Bauamt": "Fachbereich 3", "Bauamt/Denkmal": "Untere Denkmalschutzbehörde"}
    assert department_of("daten", "Bauamt/632/a.txt", False, mapping) == "Fachbereich 3"
    assert department_of("daten", "Bauamt/Denkmal/2024/a.txt", False, mapping) == "Untere Denkmalschutzbehörde"
    assert department_of("daten", "Bauamtsarchiv/a.txt", False, mapping) == "Bauamtsarchiv"


def test_forecast_per_department_from_a_crawl(crawled):  # noqa: F811 - the fixture
    env = crawled
    store = ReviewStore(env.data)
    krause_decides(store, "Bauamt/632/bauantrag-1.txt", "accept", "632")
    state, backend = StateDB(env.data / "state.sqlite"), EmbeddedBackend(env.data / "index.sqlite")
    try:
        nobody_sure = build_forecast(state, store, backend, roles={"ag_dms"}, confident_at=1.1)
        everything_sure = build_forecast(state, store, backend, roles={"ag_dms"}, confident_at=0.0)
        with pytest.raises(Exception, match="AG DMS|Administrator"):
            build_forecast(state, store, backend, roles={"employee"})
    finally:
        state.close()
        backend.close()
        store.close()
    departments = {d.name: d for d in nobody_sure.departments}
    assert set(departments) == {"Bauamt", "Kämmerei"}
    bauamt, kaemmerei = departments["Bauamt"], departments["Kämmerei"]
    assert (bauamt.files, bauamt.decided, bauamt.needs_person) == (2, 1, 1)
    assert (kaemmerei.files, kaemmerei.decided, kaemmerei.needs_person) == (1, 0, 1)
    assert bauamt.bytes > 0 and bauamt.duplicates == 0 and bauamt.stale == 0
    # One decision: the pace is one document per FIRST_DECISION_S, the work left follows from it.
    assert nobody_sure.pace.per_hour == pytest.approx(3600 / FIRST_DECISION_S)
    assert bauamt.person_hours == pytest.approx(FIRST_DECISION_S / 3600)
    assert nobody_sure.person_hours == pytest.approx(2 * FIRST_DECISION_S / 3600)
    assert len(nobody_sure.weekly_decisions) == 1 and nobody_sure.weekly_decisions[0][1] == 1
    # The decision is recent: the weeks follow from the measured weekly hours.
    assert nobody_sure.weekly_hours_measured
    assert bauamt.weeks == pytest.approx(bauamt.person_hours / nobody_sure.pace.hours_per_week)
    # With every suggestion sure, nothing needs a person: no hours left.
    assert all(d.needs_person == 0 for d in everything_sure.departments)
    assert everything_sure.person_hours == 0


def test_forecast_command(crawled, tmp_path):  # noqa: F811 - the fixture
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{crawled.data}"\n', encoding="utf-8")
    result = run_cli(config, "review", "forecast", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {d["name"] for d in figures["departments"]} == {"Bauamt", "Kämmerei"}
    assert figures["pace"]["documents_per_hour"] is None and figures["person_hours_left"] is None
    assert figures["weekly_hours_used"] == 10.0 and figures["weekly_hours_measured"] is False  # [dms] default
    text = run_cli(config, "review", "forecast")
    assert text.returncode == 0 and "noch keine Entscheidungen" in text.stdout and "1. " in text.stdout
    bad = run_cli(config, "review", "forecast", "--confident-at", "2")
    assert bad.returncode == 2 and "zwischen 0 und 1" in bad.stderr
    empty = tmp_path / "leer.toml"
    empty.write_text(f'data_dir = "{tmp_path / "nichts"}"\n', encoding="utf-8")
    none = run_cli(empty, "review", "forecast")
    assert none.returncode == 1 and "noch kein Crawl" in none.stderr
