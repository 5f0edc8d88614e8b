"""`aktenlotse demo`: build a sample town share, crawl it and run example searches."""

from __future__ import annotations

import argparse
from pathlib import Path

from aktenlotse.demo.runner import run_demo


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `demo`."""
    parser.add_argument("--dir", default="aktenlotse-demo", help="folder for the demo share, config and data")
    parser.add_argument("--no-serve", action="store_true", help="do not start the portal at the end")
    parser.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the demo in `--dir`; start the portal at the end unless --no-serve."""
    return run_demo(Path(args.dir), serve=not args.no_serve)
