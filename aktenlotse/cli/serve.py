"""`aktenlotse serve`: start the Streamlit portal for the configured index."""

from __future__ import annotations

import argparse

from aktenlotse.cli.common import UserError, config_of
from aktenlotse.portal.launch import PortalStartError, serve


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `serve` (none: host and port come from the config)."""
    parser.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the portal for the configured index (does not return while it runs)."""
    try:
        return serve(config_of(args))
    except PortalStartError as exc:
        raise UserError(str(exc)) from None
