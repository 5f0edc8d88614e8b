"""What every `aktenlotse` sub-command shares: the user-facing error and the config lookup."""

from __future__ import annotations

import argparse

from aktenlotse.core.config import Config, load_config


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


def config_of(args: argparse.Namespace) -> Config:
    """The config named by `--config` (else $AKTENLOTSE_CONFIG or ./aktenlotse.toml)."""
    return load_config(args.config)
