"""The ChangeDetector: the owner of the items' state between two crawls.

For each folder listing it decides, against the state database, what happened to every
file since the last crawl: new, changed (size or mtime), to be redone (pending, or failed
with a kind that is retried), permissions to check (ctime, the folder's traverse key or an
unverified folder), unchanged, or gone. A new file whose content an indexed item has
while that item's old path no longer exists is a move (`find_moved`, from worker threads).

It touches only the state database; the crawl orchestrator does the reading, extracting
and writing to the index and tells the detector what became of each decision.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aktenlotse.core.records import Entry
from aktenlotse.core.visibility import Permissions, of_item, permissions
from aktenlotse.crawler.source import DirListing
from aktenlotse.stores.statedb import UNVERIFIED, ItemRow, StateDB, StateReader

NEW, CHANGED, REDO = "new", "changed", "redo"


@dataclass
class Change:
    """One listed file that needs work: `kind` new | changed | redo (read and extract) or
    `permissions` (content as before, permissions to compare). `row` is the known state
    (None for a new file); `item_id` the state row's id (a new file's placeholder row)."""

    entry: Entry
    kind: str
    item_id: str
    row: ItemRow | None = None


@dataclass
class ListingChanges:
    """What one folder listing changed."""

    extract: list[Change] = field(default_factory=list)
    permissions: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def needing_principals(self) -> list[Change]:
        """Every change whose file's principals must be read from the source."""
        return [*self.extract, *self.permissions]


class ChangeDetector:
    """Decides new / changed / moved / unchanged / gone per file and keeps the state rows
    of that decision. One per crawl; `begin_source` before each source."""

    def __init__(self, state: StateDB, retry_kinds: Iterable[str | None] = ()):
        self.state = state
        # Failed files are kept as they are until they change, except those of these kinds
        # (`crawl --retry-errors`); `None` in the set means every kind.
        self.retry_kinds: set[str | None] = set(retry_kinds)
        self._source = ""
        self._gone: dict[str, ItemRow] = {}
        self._claimed: set[str] = set()
        self._local = threading.local()
        self._readers: list[StateReader] = []
        self._readers_lock = threading.Lock()

    # -- per source ------------------------------------------------------------------

    def begin_source(self, source: str) -> None:
        """Start the listings of `source`: nothing is gone or claimed yet."""
        self._source = source
        self._gone = {}
        self._claimed = set()

    def classify(self, listing: DirListing) -> ListingChanges:
        """Compare one listing with the state. New files get a pending state row at once
        (their id is needed before they are read). An incomplete listing must already be
        hidden (`StateDB.mark_unverified`): nothing in it or below it is treated as gone."""
        source, state = self._source, self.state
        if listing.complete:
            state.mark_verified(source, listing.path)
        known = state.items_in_folder(source, listing.path)
        folder_key_changed = state.folder_key(source, listing.path) != listing.traverse_key
        if folder_key_changed and listing.complete:
            state.set_folder_key(source, listing.path, listing.traverse_key)
        changes = ListingChanges()
        for entry in listing.files:
            row = known.pop(entry.path.rsplit("/", 1)[-1], None)
            if row is None:
                item_id = uuid.uuid4().hex
                state.add_pending(item_id, source, entry.path, entry.size, entry.mtime, entry.ctime, entry.file_id)
                changes.extract.append(Change(entry, NEW, item_id))
                continue
            self._gone.pop(row.id, None)
            kind = change_kind(row, entry, folder_key_changed, self.retry_kinds)
            if kind == "permissions":
                changes.permissions.append(Change(entry, kind, row.id, row))
            elif kind is not None:
                changes.extract.append(Change(entry, kind, row.id, row))
            else:
                changes.unchanged += 1
        if listing.complete:
            self._note_gone(listing, known.values())
        return changes

    def _note_gone(self, listing: DirListing, missing: Iterable[ItemRow]) -> None:
        """Files not listed again and every item of a folder that vanished are gone (deleted
        at the end of the source, unless a move claims them first)."""
        for row in missing:
            self._gone[row.id] = row
        vanished_dirs = self.state.subfolders(self._source, listing.path) - set(listing.subdirs)
        for folder in vanished_dirs:
            for row in self.state.items_below(self._source, folder):
                self._gone[row.id] = row
            self.state.remove_folders_below(self._source, folder)
            self.state.forget_unverified_below(self._source, folder)

    # -- moves (worker threads) --------------------------------------------------------

    def find_moved(self, content_hash: str, exists: Callable[[str], bool]) -> ItemRow | None:
        """An indexed item of this source with the same content whose old path no longer
        `exists`: the new file is that item, moved. Safe to call from worker threads: each
        reads through a connection of its own, which sees only committed rows."""
        reader = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._local.reader = self.state.reader()
            with self._readers_lock:
                self._readers.append(reader)
        for row in reader.indexed_with_hash(self._source, content_hash):
            if not exists(row.path):
                return row
        return None

    def claim(self, row: ItemRow) -> bool:
        """Take over `row` for a moved file; False when another file took it already (a copy)."""
        if row.id in self._claimed:
            return False
        self._claimed.add(row.id)
        self._gone.pop(row.id, None)
        return True

    # -- what became of the files -------------------------------------------------------

    def vanished(self, change: Change) -> None:
        """The file was deleted between listing and reading: forget a new one, a known one is gone."""
        if change.kind == NEW:
            self.state.remove(change.item_id)
            return
        row = self.state.item(change.item_id)
        if row:
            self._gone[row.id] = row

    def keep_everything(self) -> None:
        """The source's root is unusable: nothing of it is treated as deleted (it may come back)."""
        self._gone.clear()

    def take_gone(self) -> list[ItemRow]:
        """The items gone from the source (to delete from index and state); forgets them."""
        rows, self._gone = list(self._gone.values()), {}
        return rows

    def close(self) -> None:
        """Close the worker threads' read connections."""
        with self._readers_lock:
            for reader in self._readers:
                reader.close()
            self._readers = []
        self._local = threading.local()


def change_kind(row: ItemRow, entry: Entry, folder_key_changed: bool, retry_kinds: set[str | None]) -> str | None:
    """What a known file needs: redo | changed | permissions, or None when unchanged."""
    if row.status == "pending" or row.error_kind and (None in retry_kinds or row.error_kind in retry_kinds):
        return REDO
    if row.size != entry.size or row.mtime != entry.mtime:
        return CHANGED
    if row.ctime != entry.ctime or folder_key_changed or row.perm_id == UNVERIFIED:
        return "permissions"
    return None


def permissions_to_write(row: ItemRow, entry: Entry) -> Permissions | None:
    """The permission set to write for a file whose content did not change, or None when
    the index already holds it."""
    perms = of_item(entry)
    # State rows of older versions have no perm_id: their allow/deny say what is indexed.
    stored = row.perm_id or permissions(row.allow, row.deny).id
    return None if stored == perms.id else perms
