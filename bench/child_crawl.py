"""The crawl in a process of its own, for the benchmarks whose figure is the crawler's peak
RSS: the benchmark module runs itself again as `python -m MODULE --child URL ROOT DATA`
(Tika server URL, share, data folder), and that child prints its figures as JSON on its
last line."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_parent_or_child(
    parent: Callable[[argparse.Namespace], None], child: Callable[[str, Path, Path], None], **options: int
) -> None:
    """Runs `child` when called with --child URL ROOT DATA, else `parent` with the parsed
    benchmark options: whole numbers, given as name=default (`heap_mb` is --heap-mb)."""
    parser = argparse.ArgumentParser()
    for name, default in options.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    parser.add_argument("--child", nargs=3, metavar=("URL", "ROOT", "DATA"))
    args = parser.parse_args()
    if args.child:
        url, root, data = args.child
        child(url, Path(root), Path(data))
    else:
        parent(args)


def crawl_in_child(module: str, url: str, root: Path, data: Path) -> dict[str, Any]:
    """The figures of `module`'s child crawl; exits with the child's error output if it failed."""
    out = subprocess.run(
        [sys.executable, "-m", module, "--child", url, str(root), str(data)], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])
