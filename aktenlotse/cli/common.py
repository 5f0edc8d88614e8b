"""What every `aktenlotse` sub-command shares: the user-facing error, the config lookup, how
an action is added to a command, and how a report is printed as text or `--json`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import TypeVar

from aktenlotse.core.config import Config, load_config

Report = TypeVar("Report")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


def config_of(args: argparse.Namespace) -> Config:
    """The config named by `--config` (else $AKTENLOTSE_CONFIG or ./aktenlotse.toml)."""
    return load_config(args.config)


def add_action(
    actions: argparse._SubParsersAction,
    name: str,
    func: Callable[[argparse.Namespace], int],
    help_text: str,
    *,
    with_json: bool = False,
) -> argparse.ArgumentParser:
    """The parser of one action of a command, running `func`; `with_json`: the action can print
    its answer as JSON (`--json`). The caller adds the action's own arguments."""
    parser = actions.add_parser(name, help=help_text)
    if with_json:
        parser.add_argument("--json", action="store_true")
    parser.set_defaults(func=func)
    return parser


def print_report(
    report: Report,
    to_dict: Callable[[Report], object],
    to_lines: Callable[[Report], Iterable[str]],
    *,
    as_json: bool,
) -> int:
    """The report as `--json` asks (indented, umlauts as they are) or as its lines of text;
    exit code 0."""
    if as_json:
        print(json.dumps(to_dict(report), ensure_ascii=False, indent=2))
    else:
        print("\n".join(to_lines(report)))
    return 0
