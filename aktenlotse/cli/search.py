"""`aktenlotse search`: search the index as a set of principals."""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from typing import Any

from aktenlotse.cli.common import UserError, config_of
from aktenlotse.core.config import Config
from aktenlotse.core.records import EVERYONE
from aktenlotse.pipeline.app import open_backend
from aktenlotse.search.backend import MODES, Hits, Query
from aktenlotse.services.search import default_mode, search


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `search`."""
    p = parser
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="default: hybrid once the embedding pass has stored vectors, else fulltext",
    )
    p.add_argument("--folder", help="only below this folder (path relative to the source root)")
    p.add_argument("--type", dest="file_types", action="append", default=[], help="file type, e.g. pdf (repeatable)")
    p.add_argument("--year", dest="years", action="append", type=int, default=[], help="year modified (repeatable)")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--principals", default=EVERYONE, help="comma-separated principals to search as (default: everyone)")
    p.add_argument("--json", action="store_true", help="stable JSON output (see README)")
    p.set_defaults(func=cmd_search)


def cmd_search(args: argparse.Namespace) -> int:
    """Search as the given principals; a ranked list, or the stable JSON of the README."""
    if not args.query.strip():
        raise UserError("Bitte einen Suchbegriff angeben, z. B.: aktenlotse search Bauantrag")
    config = config_of(args)
    if args.limit < 1 or args.limit > 1000:
        raise UserError("--limit must be between 1 and 1000")
    principals = [p.strip() for p in args.principals.split(",") if p.strip()]
    mode = args.mode or _default_mode(config)
    query = Query(
        text=args.query,
        mode=mode,
        folder=args.folder,
        file_types=tuple(args.file_types),
        years=tuple(args.years),
        limit=args.limit,
        offset=args.offset,
        sort=args.sort,
    )
    hits = search(config, query, principals)
    if args.json:
        print(json.dumps(hits_as_json(args.query, hits), ensure_ascii=False, indent=2))
        return 0
    for notice in hits.notices:
        print(f"Hinweis: {notice}")
    if not hits.hits:
        print("Keine Treffer.")
        return 0
    print(f"{hits.total} Treffer")
    for rank, hit in enumerate(hits.hits, start=args.offset + 1):
        print(f"{rank:3}. {hit.title}  [{hit.file_type or '?'}]  ({hit.score:.2f})")
        print(f"     {hit.display_path or hit.path}")
        print(f"     {_terminal_snippet(hit.snippet)}")
    return 0


def _default_mode(config: Config) -> str:
    backend = open_backend(config)
    try:
        return default_mode(backend)
    finally:
        backend.close()


def hits_as_json(query_text: str, hits: Hits) -> dict[str, Any]:
    """The stable `search --json` format (documented in the README)."""
    return {
        "query": query_text,
        "total": hits.total,
        "notices": hits.notices,
        "hits": [
            {
                "id": h.id,
                "path": h.path,
                "display_path": h.display_path,
                "source": h.source,
                "title": h.title,
                "score": round(h.score, 6),
                "snippet": h.snippet,
                "file_type": h.file_type,
                "size": h.size,
                "modified": h.modified,
                "kind": h.kind,
            }
            for h in hits.hits
        ],
    }


def _terminal_snippet(snippet: str) -> str:
    bold = sys.stdout.isatty()
    text = re.sub(r"</?mark>", lambda m: ("\033[1m" if m.group() == "<mark>" else "\033[0m") if bold else "", snippet)
    return html.unescape(text)
