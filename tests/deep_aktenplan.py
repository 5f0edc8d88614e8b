"""The Aktenplan the Aktenplan care tests work on (five levels, so that folds have
something to fold) and the rows a fold must leave as they were."""

from __future__ import annotations

from pathlib import Path

from aktenlotse.enrich.aktenplan import Aktenplan, build_aktenplan
from aktenlotse.stores.aktenplan_store import AktenplanStore
from tests.app_db_rows import app_db_rows

AG_DMS = {"ag_dms"}
# Five levels below 6: 632 (level 3) has 632.1 (level 4) with 632.1.1 (level 5).
ROWS = [
    ("6", "Bauen und Wohnen", ""),
    ("63", "Bauordnung", "6"),
    ("632", "Baugenehmigungen", "63"),
    ("632.1", "Garagen", "632"),
    ("632.1.1", "Carports", "632.1"),
    ("633", "Bauvoranfragen", "63"),
    ("9", "Finanzen", ""),
    ("90", "Steuern", "9"),
    ("902", "Hundesteuer", "90"),
    ("903", "Grundsteuer", "90"),
]


def deep_plan() -> Aktenplan:
    rows = [(i + 2, {"code": c, "title": t, "parent": p or None, "keywords": t}) for i, (c, t, p) in enumerate(ROWS)]
    return build_aktenplan(rows, max_levels=None)


def stored_plan(data_dir: Path) -> int:
    """Saves the deep plan as the current version; returns its number."""
    with AktenplanStore(data_dir) as store:
        return store.save(deep_plan(), "plan.csv").version


def decision_rows(data_dir: Path) -> list[tuple]:
    return app_db_rows(data_dir, "SELECT * FROM review_decisions ORDER BY id")


def plan_rows(data_dir: Path) -> list[list[tuple]]:
    """The stored plan versions: imports, classes and folded codes."""
    return [
        app_db_rows(data_dir, f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in ("aktenplan_imports", "aktenplan_classes", "aktenplan_folded")
    ]
