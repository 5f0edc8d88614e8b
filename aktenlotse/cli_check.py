"""`aktenlotse check`: are the configured services reachable?"""

from __future__ import annotations


def register(sub) -> None:
    """Add this module's sub-commands to the `aktenlotse` parser."""
