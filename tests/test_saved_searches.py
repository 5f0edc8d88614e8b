"""Saved searches: the store on a real app database and the rules of the service."""

from __future__ import annotations

import pytest

from aktenlotse.services.saved_searches import (
    MSG_NAME_MISSING,
    MSG_NOT_YOURS,
    MSG_SHARE_ROLE,
    MSG_UNKNOWN,
    SavedSearchDenied,
    SavedSearches,
)
from aktenlotse.stores.appdb import app_db_path, open_app_db
from aktenlotse.stores.saved_search_store import SavedSearchTables

LOTSE = frozenset({"employee", "digitallotse"})
EMPLOYEE = frozenset({"employee"})


@pytest.fixture
def searches(tmp_path):
    store = SavedSearches(tmp_path)
    yield store
    store.close()


def test_a_saved_search_keeps_words_mode_sort_and_filters(searches):
    saved = searches.save(
        "mueller", "  Bauanträge   2023 ", "Bauantrag", "hybrid", "date", {"year": ["2023"], "file_type": []}
    )
    again = searches.get(saved.id, "mueller")
    assert (again.name, again.text, again.mode, again.sort) == ("Bauanträge 2023", "Bauantrag", "hybrid", "date")
    assert again.filters == {"year": ["2023"]} and not again.shared and not again.damaged


def test_saving_under_the_same_name_replaces_and_keeps_the_share(searches):
    first = searches.save("yilmaz", "Urkunden", "Urkunde", "fulltext")
    searches.share(first.id, "yilmaz", LOTSE)
    second = searches.save("yilmaz", "Urkunden", "Sterbeurkunde", "fulltext")
    assert second.id == first.id and second.text == "Sterbeurkunde" and second.shared
    assert [s.name for s in searches.visible_to("yilmaz")] == ["Urkunden"]


def test_others_see_only_shared_searches_own_ones_first(searches):
    own = searches.save("mueller", "Zeta", "Lindenweg", "fulltext")
    private = searches.save("yilmaz", "Privat", "Geburt", "fulltext")
    shared = searches.save("yilmaz", "Alpha", "Urkunde", "fulltext")
    searches.share(shared.id, "yilmaz", LOTSE)
    assert [s.id for s in searches.visible_to("mueller")] == [own.id, shared.id]
    with pytest.raises(SavedSearchDenied, match=MSG_UNKNOWN):
        searches.get(private.id, "mueller")
    assert searches.get(shared.id, "mueller").owner == "yilmaz"


def test_only_a_digitallotse_or_admin_shares_and_only_their_own(searches):
    mine = searches.save("mueller", "Meins", "Lindenweg", "fulltext")
    with pytest.raises(SavedSearchDenied, match=MSG_SHARE_ROLE):
        searches.share(mine.id, "mueller", EMPLOYEE)
    with pytest.raises(SavedSearchDenied, match=MSG_NOT_YOURS):
        searches.share(mine.id, "yilmaz", LOTSE)
    assert not searches.get(mine.id, "mueller").shared
    assert searches.share(searches.save("admin", "A", "x", "fulltext").id, "admin", {"admin"}).shared
    shared = searches.save("yilmaz", "Freigabe", "Urkunde", "fulltext")
    searches.share(shared.id, "yilmaz", LOTSE)
    assert not searches.share(shared.id, "yilmaz", LOTSE, shared=False).shared
    assert [s.name for s in searches.visible_to("mueller")] == ["Meins", "A"]


def test_only_the_owner_deletes(searches):
    shared = searches.save("yilmaz", "Freigabe", "Urkunde", "fulltext")
    searches.share(shared.id, "yilmaz", LOTSE)
    with pytest.raises(SavedSearchDenied, match=MSG_NOT_YOURS):
        searches.delete(shared.id, "mueller")
    searches.delete(shared.id, "yilmaz")
    assert searches.visible_to("mueller") == []
    with pytest.raises(SavedSearchDenied, match=MSG_UNKNOWN):
        searches.delete(shared.id, "yilmaz")


@pytest.mark.parametrize(
    ("name", "text", "mode", "message"),
    [
        ("   ", "Lindenweg", "fulltext", MSG_NAME_MISSING),
        ("x" * 81, "Lindenweg", "fulltext", "zu lang"),
        ("Leer", "  ", "fulltext", "leere Suche"),
        ("Lang", "a" * 10_001, "fulltext", "zu lang"),
        ("Modus", "Lindenweg", "magisch", "Unbekannter Suchmodus"),
    ],
)
def test_bad_input_gets_a_german_message_and_stores_nothing(searches, name, text, mode, message):
    with pytest.raises(SavedSearchDenied, match=message):
        searches.save("mueller", name, text, mode)
    assert searches.visible_to("mueller") == []


def test_damaged_filters_keep_the_search_and_say_so(tmp_path):
    conn = open_app_db(tmp_path)
    tables = SavedSearchTables(conn)
    search_id = tables.save("mueller", "Alt", "Lindenweg", "fulltext", "relevance", {}, 1.0)
    with conn:  # as a hand edit or a broken copy would leave it
        conn.execute("UPDATE saved_searches SET filters = ? WHERE id = ?", ('{"year": [2023', search_id))
    damaged = tables.get(search_id)
    assert damaged is not None and damaged.damaged and damaged.filters == {} and damaged.text == "Lindenweg"
    tables.close()


def test_the_table_comes_with_migration_0007(tmp_path):
    open_app_db(tmp_path).close()
    conn = open_app_db(tmp_path)
    names = [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    conn.close()
    assert "0007_saved_searches" in names and app_db_path(tmp_path).exists()
