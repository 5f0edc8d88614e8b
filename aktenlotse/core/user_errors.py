"""The one base of every error that carries a message for the person who caused it."""

from __future__ import annotations


class UserFacingError(Exception):
    """`message` is for the user: German, one line, shown as it is by the portal and the CLI."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
