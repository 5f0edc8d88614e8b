"""Search analytics and best bets: what the log keeps (and never keeps), how long, the
report's three lists, popular queries for autocomplete, and pinned wiki pages trimmed to
the viewer."""

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

from aktenlotse.core.config import parse_config
from aktenlotse.core.config_values import ConfigError
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services.best_bets import BestBetError, BestBets, matches
from aktenlotse.services.search_analytics import (
    MIN_POPULAR_SEARCHES,
    AnalyticsError,
    SearchLog,
    normalise_query,
)
from aktenlotse.services.wiki import WikiStore
from tests.app_db_rows import app_db_rows

LOTSE = ("employee", "digitallotse")
EMPLOYEE = ("employee",)
READER = ("everyone", "authenticated", "user:schmidt")


class Clock:
    """The day the log believes it is (retention is about days, not seconds)."""

    def __init__(self, day: date):
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def clock():
    return Clock(date(2026, 3, 10))


@pytest.fixture
def search_log(tmp_path, clock):
    log = SearchLog(tmp_path, retention_days=90, today=clock)
    yield log
    log.close()


def rows(data_dir) -> list[tuple]:
    return app_db_rows(data_dir, "SELECT * FROM search_counts ORDER BY day, query")


def test_normalised_query_is_what_is_counted():
    assert normalise_query("  Hundesteuer \t SATZUNG ") == "hundesteuer satzung"
    assert normalise_query("Bu\u0308rgerbu\u0308ro") == "bürgerbüro"  # decomposed umlauts: NFC
    assert len(normalise_query("x" * 5000)) == 200
    assert normalise_query("   ") == ""


def test_log_holds_counts_per_day_and_no_user_name_nor_session(tmp_path, search_log):
    first = search_log.record("Hundesteuer Satzung", "hybrid", 4)
    search_log.mark_opened(first)
    search_log.record("hundesteuer  satzung", "hybrid", 0)
    search_log.mark_opened(search_log.record("Hundesteuer Satzung", "hybrid", 9))
    search_log.mark_opened(first)  # more opened than searched is not counted
    columns = [row[1] for row in app_db_rows(tmp_path, "PRAGMA table_info(search_counts)")]
    assert columns == ["day", "query", "mode", "searches", "zero_hit_searches", "opened_searches", "max_hits"]
    # Three searches are one row of counts: nothing to tell one search, or its time, apart.
    assert rows(tmp_path) == [("2026-03-10", "hundesteuer satzung", "hybrid", 3, 1, 3, 9)]
    assert "yilmaz" not in repr(rows(tmp_path))


def test_empty_query_and_disabled_log_store_nothing(tmp_path, clock):
    log = SearchLog(tmp_path, retention_days=0, today=clock)
    assert log.record("Hundesteuer", "hybrid", 3) is None
    log.close()
    log = SearchLog(tmp_path, retention_days=90, today=clock)
    assert log.record("   ", "hybrid", 0) is None
    log.close()
    assert rows(tmp_path) == []


def test_retention_deletes_old_searches_on_write_and_before_a_report(tmp_path, search_log, clock):
    start = clock.day
    search_log.record("alt", "fulltext", 1)  # day 0
    clock.day = start + timedelta(days=89)
    search_log.record("noch da", "fulltext", 1)
    assert {r[1] for r in rows(tmp_path)} == {"alt", "noch da"}  # day 0 is the 90th day back
    clock.day = start + timedelta(days=90)
    search_log.record("neu", "fulltext", 1)
    assert {r[1] for r in rows(tmp_path)} == {"noch da", "neu"}
    # Without any new search, the report purges too.
    clock.day = start + timedelta(days=200)
    report = search_log.report(days=30)
    assert report.searches == 0 and rows(tmp_path) == []


def test_report_top_zero_hit_and_unopened_queries(search_log, clock):
    start = clock.day
    for _ in range(4):
        search_log.record("Hundesteuer", "hybrid", 5)
    search_log.mark_opened(search_log.record("hundesteuer", "fulltext", 5))
    for _ in range(2):
        search_log.record("Sperrmüll Termin", "hybrid", 0)
    search_log.record("Personalausweis", "fulltext", 3)  # found, never opened
    clock.day = start + timedelta(days=10)
    search_log.record("Personalausweis", "hybrid", 0)
    search_log.record("Wohngeld", "hybrid", 0)

    week = search_log.report(days=7)
    assert (week.since, week.until, week.searches) == (start + timedelta(days=4), clock.day, 2)
    assert [(s.query, s.searches) for s in week.top] == [("personalausweis", 1), ("wohngeld", 1)]
    assert week.unopened == []  # last week nothing was found at all

    month = search_log.report(days=30)
    assert month.searches == 10
    assert [(s.query, s.searches) for s in month.top][:2] == [("hundesteuer", 5), ("personalausweis", 2)]
    assert [(s.query, s.zero_hit_searches) for s in month.zero_hits] == [
        ("sperrmüll termin", 2),
        ("personalausweis", 1),
        ("wohngeld", 1),
    ]
    assert [s.query for s in month.unopened] == ["personalausweis"]
    hund = month.top[0]
    assert (hund.opened_searches, hund.max_hits, hund.last_day) == (1, 5, start.isoformat())
    with pytest.raises(AnalyticsError):
        search_log.report(days=0)


def test_popular_queries_need_several_searches_with_hits(search_log):
    for _ in range(MIN_POPULAR_SEARCHES):
        search_log.record("Hundesteuer Satzung", "hybrid", 2)
        search_log.record("Hundesteuer Zahlung", "hybrid", 0)  # never found anything
    for _ in range(MIN_POPULAR_SEARCHES + 2):
        search_log.record("Hundesteuer", "hybrid", 7)
    for _ in range(MIN_POPULAR_SEARCHES - 1):
        search_log.record("Hundesteuer Müller Kündigung", "fulltext", 1)  # one person, twice
    search_log.record("Hundehaltung", "hybrid", 1)
    assert search_log.popular_queries("Hund") == ["hundesteuer", "hundesteuer satzung"]
    assert search_log.popular_queries("HUNDESTEUER S") == ["hundesteuer satzung"]
    assert search_log.popular_queries("hund", limit=1) == ["hundesteuer"]
    assert search_log.popular_queries("%") == [] and search_log.popular_queries(" ") == []


def test_popular_queries_are_read_again_when_stale(tmp_path, clock):
    fresh = SearchLog(tmp_path, retention_days=90, today=clock, popular_refresh_s=0)
    cached = SearchLog(tmp_path, retention_days=90, today=clock)
    assert fresh.popular_queries("wohn") == cached.popular_queries("wohn") == []
    for _ in range(MIN_POPULAR_SEARCHES):
        fresh.record("Wohngeld", "hybrid", 2)
    assert fresh.popular_queries("wohn") == ["wohngeld"]
    assert cached.popular_queries("wohn") == []  # answered from memory until the refresh
    fresh.close()
    cached.close()


def test_retention_setting_default_and_bounds(tmp_path):
    assert parse_config({}, tmp_path).portal.search_log_days == 90
    assert parse_config({"portal": {"search_log_days": 0}}, tmp_path).portal.search_log_days == 0
    with pytest.raises(ConfigError, match="portal.search_log_days"):
        parse_config({"portal": {"search_log_days": -1}}, tmp_path)


@pytest.fixture
def wiki_and_bets(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    wiki = WikiStore(tmp_path, backend)
    bets = BestBets(tmp_path)
    yield wiki, bets, backend
    bets.close()
    wiki.close()
    backend.close()


def publish(wiki, title, body, status="published"):
    return wiki.save(author="yilmaz", roles=LOTSE, title=title, body=body, category="FAQ", status=status)


def test_best_bet_shown_for_its_query_to_readers_only(wiki_and_bets):
    wiki, bets, backend = wiki_and_bets
    page = publish(wiki, "Sperrmüll anmelden", "Sperrmüll meldet man **online** beim Bauhof an.")
    bets.pin("Sperrmüll  Termin", page.slug, "exact", wiki=wiki, author="yilmaz", roles=LOTSE)
    (shown,) = bets.shown_for("sperrmüll termin", backend, READER)
    assert (shown.slug, shown.title) == (page.slug, "Sperrmüll anmelden")
    assert "**" not in shown.teaser and "online" in shown.teaser
    assert bets.shown_for("Sperrmüll", backend, READER) == []  # exact: not a part of it
    assert bets.shown_for("sperrmüll termin", backend, ("everyone",)) == []  # not logged in: no page
    # Unpublished since it was pinned: nobody sees it above the results any more.
    wiki.save(
        author="yilmaz",
        roles=LOTSE,
        title=page.title,
        body=page.body,
        category=page.category,
        status="draft",
        slug=page.slug,
    )
    assert bets.shown_for("sperrmüll termin", backend, READER) == []


def test_keyword_best_bets_match_all_words_in_any_order(wiki_and_bets):
    wiki, bets, backend = wiki_and_bets
    page = publish(wiki, "Hundesteuer", "Die Hundesteuer zahlen Sie jährlich.")
    bet = bets.pin("Hundesteuer Anmeldung", page.slug, "keywords", wiki=wiki, author="yilmaz", roles=LOTSE)
    assert matches(bet, "Anmeldung der hundesteuer") and not matches(bet, "Hundesteuer")
    assert bets.pinned_to("hundesteuer anmeldung online") == [bet] and bets.pinned_to("Hundesteuer") == []
    assert [s.slug for s in bets.shown_for("wie geht anmeldung hundesteuer", backend, READER)] == [page.slug]
    # Pinning the same page twice keeps one pin; the page shows once.
    bets.pin("hundesteuer anmeldung", page.slug, "keywords", wiki=wiki, author="admin.it", roles=("admin",))
    assert len(bets.all()) == 1


def test_only_editors_pin_published_pages(wiki_and_bets):
    wiki, bets, _backend = wiki_and_bets
    page = publish(wiki, "Wohngeld", "Antrag beim Sozialamt.")
    draft = publish(wiki, "Entwurf", "noch nicht fertig", status="draft")
    with pytest.raises(BestBetError, match="Nur Digitallotsen"):
        bets.pin("wohngeld", page.slug, "exact", wiki=wiki, author="schmidt", roles=EMPLOYEE)
    with pytest.raises(BestBetError, match="nicht veröffentlicht"):
        bets.pin("entwurf", draft.slug, "exact", wiki=wiki, author="yilmaz", roles=LOTSE)
    with pytest.raises(BestBetError, match="Unbekannte Art"):
        bets.pin("wohngeld", page.slug, "fuzzy", wiki=wiki, author="yilmaz", roles=LOTSE)
    with pytest.raises(BestBetError, match="Bitte eine Suche"):
        bets.pin("  ", page.slug, "exact", wiki=wiki, author="yilmaz", roles=LOTSE)
    bet = bets.pin("wohngeld", page.slug, "exact", wiki=wiki, author="yilmaz", roles=LOTSE)
    with pytest.raises(BestBetError):
        bets.unpin(bet.id, roles=EMPLOYEE)
    bets.unpin(bet.id, roles=LOTSE)
    assert bets.all() == []
    with pytest.raises(BestBetError, match="gibt es nicht mehr"):
        bets.unpin(bet.id, roles=LOTSE)


def test_cli_report_as_text_and_json(tmp_path):
    config = tmp_path / "aktenlotse.toml"
    config.write_text(f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")

    def cli(*args):
        command = [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), "report", "searches", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    before = cli()  # nothing logged yet: an empty report, and no database made for it
    assert before.returncode == 0 and "0 Suchen" in before.stdout and not (tmp_path / "data").exists()
    log = SearchLog(tmp_path / "data", 90)
    for query, hits in (("Sperrmüll", 0), ("Sperrmüll", 0), ("Hundesteuer", 4)):
        log.record(query, "hybrid", hits)
    log.close()
    out = cli("--json", "--days", "7")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["days"], data["searches"], data["retention_days"]) == (7, 3, 90)
    assert [(s["query"], s["zero_hit_searches"]) for s in data["zero_hits"]] == [("sperrmüll", 2)]
    assert [s["query"] for s in data["unopened"]] == ["hundesteuer"]
    text = cli()
    assert text.returncode == 0 and "Suchen ohne Treffer:\n  sperrmüll  (2× ohne Treffer)" in text.stdout
    wrong = cli("--days", "0")
    assert wrong.returncode == 2 and wrong.stderr.strip() == "Fehler: --days muss mindestens 1 sein."
