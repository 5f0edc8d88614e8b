"""Where the commands log: a file in the data directory, or the journal under systemd."""

from __future__ import annotations

import logging
import os
import sys

from aktenlotse.core.config import Config


def configure_logging(config: Config, verbose: bool = False) -> None:
    """Log to data_dir/logs/aktenlotse.log; under systemd (which sets JOURNAL_STREAM for a
    service whose stderr goes to the journal) to stderr instead, so `journalctl -u …` has it."""
    if os.environ.get("JOURNAL_STREAM"):
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        # The journal stamps each line itself.
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        config.log_dir.mkdir(parents=True, exist_ok=True)
        handler = _QuietFileHandler(config.log_dir / "aktenlotse.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


class _QuietFileHandler(logging.FileHandler):
    """A log file that cannot be written (full or read-only disk) must not print
    tracebacks beside the one German line the command ends with."""

    def handleError(self, record: logging.LogRecord) -> None:
        """Drop the record silently (see the class)."""
        pass
