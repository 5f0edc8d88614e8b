"""Which decided folder becomes an `Akte` and which a `Vorgang` inside another one.

A folder's class is the one most of its decided documents were given. A folder is an
Akte of its own unless its nearest decided ancestor has the same class; then it belongs
to that ancestor's Akte. The table lives in a scratch SQLite file beside the export, so
that the hand-over needs no memory per folder either (a town has ~100,000 folders).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path


def sort_key(folder: str) -> str:
    """Depth-first order: '/' sorts before every other character ("A", "A/B", "A B")."""
    return folder.replace("/", "\x01")


def is_within(folder: str, ancestor: str) -> bool:
    return ancestor == "" or folder == ancestor or folder.startswith(ancestor + "/")


class FolderPlan:
    """Fed folder by folder in depth-first order (`count`), then asked (`roots`, `lookup`)."""

    def __init__(self, directory: Path):
        fd, name = tempfile.mkstemp(prefix=".xdomea-folders-", suffix=".sqlite", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self.conn = sqlite3.connect(name)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(
            "CREATE TABLE folders (source TEXT, folder TEXT, sortkey TEXT, code TEXT, owner TEXT,"
            " PRIMARY KEY (source, folder))"
        )
        self._current: tuple[str, str] | None = None
        self._codes: Counter = Counter()
        self._stack: list[tuple[str, str, str, str]] = []  # decided ancestors: source, folder, code, owner
        self._cache: tuple[tuple[str, str], tuple[str, str] | None] | None = None
        self.decided_folders = 0

    def count(self, source: str, folder: str, code: str) -> None:
        """One decided document of `folder` (folders must come in depth-first order)."""
        if self._current != (source, folder):
            self._flush()
            self._current = (source, folder)
        self._codes[code] += 1

    def finish(self) -> None:
        self._flush()
        self.conn.execute("CREATE INDEX roots ON folders(source, sortkey) WHERE owner = folder")
        self.conn.commit()

    def _flush(self) -> None:
        if self._current is None or not self._codes:
            return
        source, folder = self._current
        code = self._codes.most_common(1)[0][0]
        self._codes = Counter()
        while self._stack and not (self._stack[-1][0] == source and is_within(folder, self._stack[-1][1])):
            self._stack.pop()
        parent = self._stack[-1] if self._stack else None
        owner = parent[3] if parent is not None and parent[2] == code else folder
        self._stack.append((source, folder, code, owner))
        self.conn.execute("INSERT INTO folders VALUES (?,?,?,?,?)", (source, folder, sort_key(folder), code, owner))
        self.decided_folders += 1

    def roots(self) -> Iterator[tuple[str, str, str]]:
        """(source, folder, class) of every Akte, in depth-first order."""
        cursor = self.conn.execute(
            "SELECT source, folder, code FROM folders WHERE owner = folder ORDER BY source, sortkey"
        )
        while rows := cursor.fetchmany(500):
            yield from rows

    def lookup(self, source: str, folder: str) -> tuple[str, str] | None:
        """(class, Akte folder) of a decided folder, None for a folder without decisions."""
        key = (source, folder)
        if self._cache is None or self._cache[0] != key:
            row = self.conn.execute("SELECT code, owner FROM folders WHERE source = ? AND folder = ?", key).fetchone()
            self._cache = (key, row)
        return self._cache[1]

    def close(self) -> None:
        self.conn.close()
        self.path.unlink(missing_ok=True)
