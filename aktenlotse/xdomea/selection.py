"""What a hand-over takes: the items of a scope from the state DB in depth-first chunks,
each resolved against its newest decision and the current Aktenplan, and the CSV of the
documents the DMS does not get (or gets renamed)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aktenlotse.enrich.aktenplan import Aktenplan
from aktenlotse.services.review import Decision, DocRef, ReviewStore
from aktenlotse.stores.statedb import StateDB

CHUNK = 2000
REASONS = {
    "undecided": "noch nicht entschieden",
    "stale": "Aktenplan-Klasse gibt es nicht mehr",
    "gone": "Datei seit dem Crawl verschwunden",
    "unreadable": "Datei nicht lesbar",
    "renamed": "Dateiname für das ZIP angepasst",
    "changed": "Inhalt seit dem Crawl geändert",
}
LIST_COLUMNS = ("UNC-Pfad", "Grund", "Übergeben", "Kennziffer", "Hinweis")


@dataclass(frozen=True)
class Scope:
    """Which part of the shares to hand over: a source and a folder below its root (or all)."""

    source: str | None = None
    folder: str | None = None


def state_rows(state: StateDB, scope: Scope, source: str | None = None, folder: str | None = None) -> Iterator[list]:
    """Items in depth-first order (a folder's own files before its sub-folders) in chunks."""
    source = source if source is not None else scope.source
    folder = folder if folder is not None else scope.folder
    yield from state.handover_rows(source, folder, CHUNK)


def joined_path(folder: str, name: str) -> str:
    """The path below the source root of `name` in `folder` ("" is the root)."""
    return f"{folder}/{name}" if folder else name


class DecisionResolver:
    """Resolves each document's newest decision against the current Aktenplan."""

    def __init__(self, store: ReviewStore, plan: Aktenplan):
        self.store, self.plan = store, plan

    def resolve(self, rows: list) -> list[tuple[tuple, str, Decision | None, str | None]]:
        """(row, state, decision, code) with state exported|skipped|undecided|stale."""
        refs = [DocRef(r[0], joined_path(r[1], r[2]), r[6]) for r in rows]
        decisions = self.store.decisions_for(refs)
        out: list[tuple[tuple[Any, ...], str, Decision | None, str | None]] = []
        for row, ref in zip(rows, refs, strict=False):
            decision = decisions.get(ref)
            if decision is None:
                out.append((row, "undecided", None, None))
            elif decision.decision == "skip":
                out.append((row, "skipped", decision, None))
            elif decision.code in self.plan.classes:
                out.append((row, "exported", decision, decision.code))
            elif decision.code in self.plan.folded:  # a deeper class folded into its level-3 parent
                out.append((row, "exported", decision, self.plan.folded[decision.code]))
            else:
                out.append((row, "stale", decision, decision.code))
        return out


class NotHandedList:
    """The CSV of documents the DMS does not get (or gets renamed), streamed."""

    def __init__(self, path: Path, display: Callable[[str, str], str]):
        self.path, self.display, self.rows = path, display, 0
        # Open for the whole export (rows arrive as it streams); close() closes it.
        self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file, delimiter=";")
        self._csv.writerow(LIST_COLUMNS)

    def add(self, source: str, path: str, reason: str, exported: bool, code: str | None = "", note: str = "") -> None:
        self._csv.writerow(
            [self.display(source, path), REASONS[reason], "ja" if exported else "nein", code or "", note]
        )
        self.rows += 1

    def close(self) -> None:
        """Close the CSV file."""
        self._file.close()
