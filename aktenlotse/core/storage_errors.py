"""One German line for a failure of the data directory (disk full, read-only, locked or
corrupt SQLite file), for the CLI, the run record and the admin page."""

from __future__ import annotations

import errno
import sqlite3

MSG_FULL = (
    "Kein Speicherplatz mehr im Datenverzeichnis: der Lauf wurde abgebrochen, bereits Indiziertes bleibt erhalten."
)
MSG_READ_ONLY = "Das Datenverzeichnis ist schreibgeschützt oder nicht beschreibbar: der Lauf wurde abgebrochen."
MSG_LOCKED = "Eine Datenbank im Datenverzeichnis ist von einem anderen Prozess gesperrt: bitte später erneut versuchen."
MSG_CORRUPT = (
    "Eine Datenbank im Datenverzeichnis ist beschädigt: bitte aus der Sicherung wiederherstellen oder neu anlegen."
)


def storage_problem(error: BaseException) -> str:
    """The German message for `error` (an sqlite3.Error or OSError, possibly wrapped)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        message = _classify(current)
        if message:
            return message
        current = current.__cause__ or current.__context__
    return f"Fehler im Datenverzeichnis: {error}"


def _classify(error: BaseException) -> str | None:
    if isinstance(error, OSError):
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return MSG_FULL
        if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return MSG_READ_ONLY
        return None
    if isinstance(error, sqlite3.Error):
        text = str(error).lower()
        code = getattr(error, "sqlite_errorcode", None)
        if "full" in text or code == 13:  # SQLITE_FULL
            return MSG_FULL
        if "readonly" in text or "read-only" in text or "unable to open" in text or code in (8, 14):
            return MSG_READ_ONLY
        if "locked" in text or "busy" in text or code in (5, 6):
            return MSG_LOCKED
        if "not a database" in text or "malformed" in text or code in (11, 26):
            return MSG_CORRUPT
    return None
