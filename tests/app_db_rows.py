"""What the app database holds, read past the stores: a connection of its own, so a test
sees the rows as written, not a store's view of them."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from aktenlotse.stores.appdb import app_db_path


def app_db_rows(data_dir: Path, sql: str) -> list[tuple]:
    """The rows `sql` selects from the app database under `data_dir`."""
    with closing(sqlite3.connect(app_db_path(data_dir))) as conn:
        return conn.execute(sql).fetchall()
