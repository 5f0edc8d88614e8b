"""The ChangeDetector alone: listings against a state database, no source, no extractor,
no index. What the crawl tests check end to end, decided here one case at a time."""

from __future__ import annotations

import threading

import pytest

from aktenlotse.core.records import Entry
from aktenlotse.core.visibility import of_item
from aktenlotse.crawler.source import DirListing
from aktenlotse.pipeline.change_detector import ChangeDetector, change_kind, permissions_to_write
from aktenlotse.stores.statedb import UNVERIFIED, StateDB

SOURCE = "daten"


def _entry(path: str, size: int = 10, mtime: float = 100.0, ctime: float = 100.0, allow=("everyone",)) -> Entry:
    return Entry(SOURCE, path, size, mtime, ctime, allow=tuple(allow))


@pytest.fixture
def state(tmp_path):
    db = StateDB(tmp_path / "state.sqlite")
    yield db
    db.close()


def _indexed(state: StateDB, entry: Entry, item_id: str, content_hash: str = "h", children: int = 0) -> None:
    """What a finished crawl leaves for `entry`."""
    state.add_pending(item_id, SOURCE, entry.path, entry.size, entry.mtime, entry.ctime, entry.file_id)
    state.mark_indexed(
        item_id,
        size=entry.size,
        mtime=entry.mtime,
        ctime=entry.ctime,
        file_id=None,
        content_hash=content_hash,
        allow=entry.allow,
        deny=entry.deny,
        children=children,
        perm_id=of_item(entry).id,
    )
    state.commit()


def _detector(state: StateDB, retry=()) -> ChangeDetector:
    detector = ChangeDetector(state, retry)
    detector.begin_source(SOURCE)
    return detector


def test_a_new_file_gets_a_pending_row_and_is_to_be_extracted(state):
    changes = _detector(state).classify(DirListing("Amt", files=[_entry("Amt/a.pdf")]))
    assert [(c.kind, c.entry.path) for c in changes.extract] == [("new", "Amt/a.pdf")]
    row = state.item(changes.extract[0].item_id)
    assert row is not None and row.status == "pending" and row.path == "Amt/a.pdf"


def test_an_unchanged_file_needs_nothing(state):
    entry = _entry("Amt/a.pdf")
    _indexed(state, entry, "a")
    state.set_folder_key(SOURCE, "Amt", "k")
    changes = _detector(state).classify(DirListing("Amt", files=[_entry("Amt/a.pdf")], traverse_key="k"))
    assert (changes.extract, changes.permissions, changes.unchanged) == ([], [], 1)


@pytest.mark.parametrize(
    "listed, kind",
    [
        (_entry("Amt/a.pdf", size=11), "changed"),
        (_entry("Amt/a.pdf", mtime=101.0), "changed"),
        (_entry("Amt/a.pdf", ctime=101.0), "permissions"),
    ],
    ids=["size", "mtime", "ctime"],
)
def test_size_or_mtime_mean_changed_content_ctime_only_permissions(state, listed, kind):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    state.set_folder_key(SOURCE, "Amt", "k")
    changes = _detector(state).classify(DirListing("Amt", files=[listed], traverse_key="k"))
    found = [(c.kind, c.item_id) for c in changes.extract + changes.permissions]
    assert found == [(kind, "a")]


def test_a_changed_folder_key_checks_the_permissions_of_every_file_and_is_stored(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    state.set_folder_key(SOURCE, "Amt", "alt")
    changes = _detector(state).classify(DirListing("Amt", files=[_entry("Amt/a.pdf")], traverse_key="neu"))
    assert [c.item_id for c in changes.permissions] == ["a"]
    assert state.folder_key(SOURCE, "Amt") == "neu"


def test_an_incomplete_listing_does_not_store_the_new_folder_key_nor_lose_files(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    state.set_folder_key(SOURCE, "Amt", "alt")
    detector = _detector(state)
    detector.classify(DirListing("Amt", files=[], traverse_key="neu", complete=False))
    assert state.folder_key(SOURCE, "Amt") == "alt"
    assert detector.take_gone() == []


def test_pending_and_retried_errors_are_redone_other_errors_kept(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    _indexed(state, _entry("Amt/b.pdf"), "b")
    state.mark_pending("a")
    state.mark_indexed(
        "b", size=10, mtime=100.0, ctime=100.0, file_id=None, content_hash="h", allow=("everyone",), deny=(),
        children=0, error_kind="encrypted", error="verschlüsselt", perm_id=of_item(_entry("Amt/b.pdf")).id,
    )  # fmt: skip
    state.set_folder_key(SOURCE, "Amt", "k")
    listing = DirListing("Amt", files=[_entry("Amt/a.pdf"), _entry("Amt/b.pdf")], traverse_key="k")
    assert [(c.kind, c.item_id) for c in _detector(state).classify(listing).extract] == [("redo", "a")]
    listing = DirListing("Amt", files=[_entry("Amt/a.pdf"), _entry("Amt/b.pdf")], traverse_key="k")
    redone = _detector(state, retry={"encrypted"}).classify(listing).extract
    assert sorted(c.item_id for c in redone) == ["a", "b"]


def test_files_not_listed_again_and_vanished_folders_are_gone(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    _indexed(state, _entry("Amt/Alt/b.pdf"), "b")
    _indexed(state, _entry("Amt/Alt/Tief/c.pdf"), "c")
    state.set_folder_key(SOURCE, "Amt/Alt", "k")
    state.mark_unverified(SOURCE, "Amt/Alt/Tief", "weg", [])
    detector = _detector(state)
    detector.classify(DirListing("Amt", files=[], subdirs=[]))
    assert sorted(row.id for row in detector.take_gone()) == ["a", "b", "c"]
    assert state.folder_key(SOURCE, "Amt/Alt") is None
    assert state.unverified() == []
    assert detector.take_gone() == []  # taken once


def test_a_complete_listing_verifies_its_folder_again(state):
    state.mark_unverified(SOURCE, "Amt", "Zugriff verweigert", [])
    _detector(state).classify(DirListing("Amt"))
    assert state.unverified() == []


def test_an_unverified_file_gets_its_permissions_checked_even_when_nothing_changed(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    state.set_folder_key(SOURCE, "Amt", "k")
    state.mark_unverified(SOURCE, "Amt", "Zugriff verweigert", ["a"])
    state.commit()
    changes = _detector(state).classify(DirListing("Amt", files=[_entry("Amt/a.pdf")], traverse_key=""))
    assert [c.item_id for c in changes.permissions] == ["a"]
    assert changes.permissions[0].row.perm_id == UNVERIFIED


def test_a_move_is_an_indexed_item_with_the_same_content_whose_old_path_is_gone(state):
    _indexed(state, _entry("Alt/a.pdf"), "a", content_hash="same")
    detector = _detector(state)
    assert detector.find_moved("same", exists=lambda path: True) is None  # a copy, not a move
    moved = detector.find_moved("same", exists=lambda path: path != "Alt/a.pdf")
    assert moved is not None and moved.id == "a"
    assert detector.find_moved("other", exists=lambda path: False) is None
    assert detector.claim(moved) is True
    assert detector.claim(moved) is False  # a second new file with that content is a copy
    detector.close()


def test_a_claimed_item_is_not_deleted_as_gone(state):
    _indexed(state, _entry("Alt/a.pdf"), "a", content_hash="same")
    detector = _detector(state)
    detector.classify(DirListing("Alt", files=[]))
    moved = detector.find_moved("same", exists=lambda path: False)
    assert moved is not None and detector.claim(moved)
    assert detector.take_gone() == []
    detector.close()


def test_worker_threads_see_only_what_the_main_thread_committed(state):
    detector = _detector(state)
    _indexed(state, _entry("Alt/a.pdf"), "a", content_hash="same")
    state.add_pending("b", SOURCE, "Alt/b.pdf", 1, 1.0, 1.0, None)  # not committed
    state.mark_indexed(
        "b", size=1, mtime=1.0, ctime=1.0, file_id=None, content_hash="uncommitted", allow=(), deny=(), children=0
    )
    found: list[object] = []
    worker = threading.Thread(target=lambda: found.append(detector.find_moved("uncommitted", lambda p: False)))
    worker.start()
    worker.join()
    assert found == [None]
    state.commit()
    worker = threading.Thread(target=lambda: found.append(detector.find_moved("uncommitted", lambda p: False)))
    worker.start()
    worker.join()
    assert found[1] is not None and found[1].id == "b"
    detector.close()


def test_a_file_deleted_before_it_was_read(state):
    _indexed(state, _entry("Amt/a.pdf", size=5), "a")
    detector = _detector(state)
    changes = detector.classify(DirListing("Amt", files=[_entry("Amt/a.pdf"), _entry("Amt/neu.pdf")]))
    by_kind = {c.kind: c for c in changes.extract}
    detector.vanished(by_kind["new"])
    detector.vanished(by_kind["changed"])
    assert state.item(by_kind["new"].item_id) is None  # a new file is forgotten
    assert [row.id for row in detector.take_gone()] == ["a"]  # a known one is deleted


def test_an_unusable_source_root_deletes_nothing(state):
    _indexed(state, _entry("Amt/a.pdf"), "a")
    detector = _detector(state)
    detector.classify(DirListing("Amt", files=[]))
    detector.keep_everything()
    assert detector.take_gone() == []


def test_change_kind_and_permissions_to_write_are_pure_rules(state):
    entry = _entry("Amt/a.pdf")
    _indexed(state, entry, "a")
    row = state.item("a")
    assert row is not None
    assert change_kind(row, entry, folder_key_changed=False, retry_kinds=set()) is None
    assert change_kind(row, entry, folder_key_changed=True, retry_kinds=set()) == "permissions"
    assert permissions_to_write(row, entry) is None
    narrower = _entry("Amt/a.pdf", allow=("group:amt",))
    perms = permissions_to_write(row, narrower)
    assert perms is not None and perms.id == of_item(narrower).id
    # Rows of older versions have no perm_id: their allow/deny say what the index holds.
    row.perm_id = None
    assert permissions_to_write(row, entry) is None
