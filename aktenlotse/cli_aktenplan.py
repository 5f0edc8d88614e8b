"""`aktenlotse aktenplan`: import, list and show the file plan."""

from __future__ import annotations


def register(sub) -> None:
    """Add this module's sub-commands to the `aktenlotse` parser."""
