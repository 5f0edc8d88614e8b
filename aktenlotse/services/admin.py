"""The admin page's work without Streamlit (and `aktenlotse errors`): crawl runs, the last
run of each source, error records split into what an admin can act on and what is
expected, folders the crawls could not verify, and a crawl started in the background."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aktenlotse.core.config import Config
from aktenlotse.core.records import EXPECTED_KINDS
from aktenlotse.stores.statedb import StateDB

RUNS_SHOWN = 50


@dataclass
class AdminView:
    """What the admin page shows from the state database (newest run first)."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[dict[str, Any]] = field(default_factory=list)

    def last_run_by_source(self) -> dict[str, dict[str, Any]]:
        """The newest run that crawled each source."""
        last: dict[str, dict[str, Any]] = {}
        for run in reversed(self.runs):
            for name in run["sources"].split(","):
                last[name] = run
        return last


def admin_view(config: Config, runs: int = RUNS_SHOWN) -> AdminView | None:
    """Runs, current errors and unverified folders; None before the first crawl."""
    if not config.state_db.exists():
        return None
    state = StateDB(config.state_db)
    try:
        return AdminView(runs=state.runs(runs), errors=state.current_errors(), unverified=state.unverified())
    finally:
        state.close()


def current_errors(config: Config) -> list[dict[str, Any]]:
    """The error records of the files as they are now (none before the first crawl)."""
    if not config.state_db.exists():
        return []
    state = StateDB(config.state_db)
    try:
        return state.current_errors()
    finally:
        state.close()


def split_errors(errors: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(actionable, expected): pictures, media and programs hold no text, which is no
    error an admin can act on; they are listed apart."""
    actionable: list[dict[str, Any]] = []
    expected: list[dict[str, Any]] = []
    for error in errors:
        (expected if error["kind"] in EXPECTED_KINDS else actionable).append(error)
    return actionable, expected


def filter_errors(errors: Iterable[dict[str, Any]], kinds: Sequence[str], path_contains: str) -> list[dict[str, Any]]:
    """The errors of the chosen kinds (all without a choice) whose path contains the text."""
    needle = path_contains.lower()
    return [e for e in errors if (not kinds or e["kind"] in kinds) and needle in e["path"].lower()]


def files_per_second(run: dict[str, Any]) -> float | None:
    """New and changed files per second of a run, None when it took no measurable time."""
    if not run["seconds"]:
        return None
    return round((run["new"] + run["changed"]) / run["seconds"], 1)


def start_background_crawl(config: Config) -> subprocess.Popen[bytes]:
    """An incremental crawl in its own process (it takes the crawl lock itself), its
    output appended to logs/portal-crawl.log."""
    command = [sys.executable, "-m", "aktenlotse.cli.main"]
    if config.path is not None:
        command += ["--config", str(config.path)]
    command += ["crawl", "--no-progress"]
    config.log_dir.mkdir(parents=True, exist_ok=True)
    # The child keeps the file open for its lifetime; ours closes with this function.
    with open(config.log_dir / "portal-crawl.log", "ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
