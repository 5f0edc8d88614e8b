"""`aktenlotse init`: write a commented example config file."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from aktenlotse.cli.common import UserError


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `init`."""
    parser.add_argument("path", nargs="?", default="aktenlotse.toml")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    """Write the example config to `args.path` (refuses to overwrite without --force)."""
    target = Path(args.path)
    if target.exists() and not args.force:
        raise UserError(f"{target} exists already (use --force to overwrite)")
    text = resources.files("aktenlotse").joinpath("example_config.toml").read_text(encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    print(f"Beispielkonfiguration geschrieben: {target}")
    return 0
