"""`aktenlotse setup`: fetch what crawling needs once into the cache."""

from __future__ import annotations

import argparse

from aktenlotse.cli.common import UserError, config_of
from aktenlotse.crawler.tika_jar import TikaSetupError, default_cache_dir, fetch_tika_jar
from aktenlotse.enrich.static_use import StaticUseEncoder, table_path


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `setup` (none)."""
    parser.set_defaults(func=cmd_setup)


def cmd_setup(args: argparse.Namespace) -> int:
    """The pinned Tika server jar and the default encoder's table, each once."""
    try:
        jar = fetch_tika_jar(config_of(args).cache_dir)
    except (TikaSetupError, OSError) as exc:
        raise UserError(f"Tika-Server konnte nicht geladen werden: {exc}") from None
    print(f"Tika-Server bereit: {jar}")
    # The default encoder's table is derived once from the package's weights (~20 s);
    # doing it here keeps the first embedding pass and the first search fast.
    try:
        StaticUseEncoder(default_cache_dir())
    except OSError as exc:
        raise UserError(f"Einbettungstabelle konnte nicht geschrieben werden: {exc}") from None
    print(f"Einbettungstabelle bereit: {table_path(default_cache_dir())}")
    return 0
