"""`aktenlotse eval classify|search`: quality measured on labelled data."""

from __future__ import annotations


def register(sub) -> None:
    """Add this module's sub-commands to the `aktenlotse` parser."""
