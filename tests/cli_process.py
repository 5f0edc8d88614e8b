"""The command line run as an operator runs it: `python -m aktenlotse.cli.main` in a
process of its own (its exit code, its stdout and stderr as text, nothing shared with
the test process)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def run_cli(
    config: Path, *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`aktenlotse --config <config> <args>`; `env` replaces the environment when given."""
    return subprocess.run(
        [sys.executable, "-m", "aktenlotse.cli.main", "--config", str(config), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
