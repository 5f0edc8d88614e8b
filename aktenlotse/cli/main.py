"""The `aktenlotse` command line.

Each command lives in its own module of this package with a `configure(parser)` that adds its
arguments and sets `func`. The table below gives the one-line help of every command (its
module has the command's name); a command's module is imported only when that command runs
(or its --help is asked for). That keeps `aktenlotse --help` and a mistyped command fast: the modules import
the pipeline, the index backends and the encoders at their top.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from aktenlotse.cli.common import UserError
from aktenlotse.core.config import ConfigError
from aktenlotse.search.backend import BackendError

# Each command's one-line help, in the order `aktenlotse --help` lists them; the command
# `x` is the module aktenlotse.cli.x.
COMMANDS: dict[str, str] = {
    "init": "write a commented example config file",
    "setup": "fetch what crawling needs once (the pinned Tika server jar) into the cache",
    "crawl": "crawl the configured sources (or the given folders) incrementally",
    "search": "search the index",
    "errors": "list files that could not be crawled",
    "status": "index size and the last crawl runs",
    "serve": "start the search portal (Streamlit) on portal.host:portal.port",
    "enrich": "compute what the crawl leaves for later (chunk embeddings, OCR); resumable",
    "aktenplan": "import, list and show the file plan (Aktenplan)",
    "eval": "measure classification or retrieval quality on labelled data",
    "check": "check that the configured services (index, Tika) are reachable",
    "review": "AG DMS review: migration export, retraining, progress",
    "backup": "consistent backup of the data directory (SQLite online backup) and config",
    "doctor": (
        "check the installation (config, rights, Java/Tika, OCR, index, LDAP, SMB, disk, port); exit 1 on any failure"
    ),
    "access": "why a user may read a path, and who may (Zugriff prüfen)",
    "report": "reports for the admins and the AG DMS (Berechtigungsbericht, Fortschritt, Suchanalyse)",
    "demo": "build a sample town share, crawl it and run example searches",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code (1 with a one-line message for what the user can fix)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(chosen_command(args_list))
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ConfigError, UserError, BackendError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Abgebrochen.", file=sys.stderr)
        return 130


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command listed; only `command` (if given) gets its arguments."""
    parser = argparse.ArgumentParser(prog="aktenlotse", description="Search and Aktenplan assistant over file shares.")
    parser.add_argument("--config", help="config file (default: $AKTENLOTSE_CONFIG or ./aktenlotse.toml)")
    sub = parser.add_subparsers(metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text)
        if name == command:
            importlib.import_module(f"aktenlotse.cli.{name}").configure(command_parser)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command named in argv (the first word that is no option or option value), or None."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


if __name__ == "__main__":
    sys.exit(main())
