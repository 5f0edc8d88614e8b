"""A backend's view of its permission-set registry, cached between queries.

Each backend keeps the distinct permission sets of its documents (id -> `Permissions`,
see `aktenlotse.core.visibility`) in its own store and each document names its set. A query
needs the ids of the sets the caller may read; computing them means walking the whole
registry (a town has a few thousand sets), so the registry and the answers per
principal set are cached here and reloaded only when the store's version moved (one
cheap read per query). A set that is not in the cached registry yet is simply not
visible: a stale cache hides, it never shows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence

from aktenlotse.core.visibility import Permissions, visible_ids

# Distinct principal sets remembered per registry version (users of the portal).
MAX_CACHED_READERS = 2048


class PermissionCache:
    """The registry as last loaded, and the visible set ids per reader."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: Hashable = object()  # matches no real version: the first query loads
        self._registry: tuple[Permissions, ...] = ()
        self._visible: dict[frozenset[str], list[str]] = {}
        self.known: set[str] = set()  # ids known to be stored (writers skip re-registering them)

    def visible(
        self, principals: Sequence[str], version: Hashable, load: Callable[[], Iterable[Permissions]]
    ) -> list[str]:
        """The ids of the sets `principals` may read, for the registry at `version`;
        `load` is called only when the version differs from the cached one."""
        reader = frozenset(principals)
        with self._lock:
            if version != self._version:
                self._registry = tuple(load())
                self._version = version
                self._visible.clear()
                self.known = {perms.id for perms in self._registry}
            ids = self._visible.get(reader)
            if ids is None:
                ids = visible_ids(sorted(reader), self._registry)
                if len(self._visible) >= MAX_CACHED_READERS:
                    self._visible.clear()
                self._visible[reader] = ids
            return ids

    def remember(self, ids: Iterable[str]) -> None:
        """Sets a writer of this process has just stored."""
        with self._lock:
            self.known.update(ids)
