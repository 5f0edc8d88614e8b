"""The `aktenlotse` command line."""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from aktenlotse.cli.logging_setup import configure_logging
from aktenlotse.cli.status import cmd_status
from aktenlotse.core.config import Config, ConfigError, load_config, parse_smb_root
from aktenlotse.core.records import EVERYONE
from aktenlotse.core.storage_errors import storage_problem
from aktenlotse.pipeline.app import open_backend
from aktenlotse.search.backend import MODES, BackendError, Query
from aktenlotse.services.admin import current_errors
from aktenlotse.services.search import default_mode, search


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aktenlotse", description="Search and Aktenplan assistant over file shares.")
    parser.add_argument("--config", help="config file (default: $AKTENLOTSE_CONFIG or ./aktenlotse.toml)")
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("init", help="write a commented example config file")
    p.add_argument("path", nargs="?", default="aktenlotse.toml")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("setup", help="fetch what crawling needs once (the pinned Tika server jar) into the cache")
    p.set_defaults(func=cmd_setup)

    p = sub.add_parser("crawl", help="crawl the configured sources (or the given folders) incrementally")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--no-enrich",
        action="store_true",
        help="index text only; leave embeddings and OCR to a later `aktenlotse enrich`",
    )
    p.add_argument(
        "--retry-errors", action="store_true", help="read files again that failed before although they did not change"
    )
    p.add_argument(
        "--kind",
        type=_error_kinds,
        default=None,
        metavar="KIND[,KIND…]",
        help="with --retry-errors: only these kinds (e.g. corrupt,timeout)",
    )
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("search", help="search the index")
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

    p = sub.add_parser("errors", help="list files that could not be crawled")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_errors)

    p = sub.add_parser("status", help="index size and the last crawl runs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("serve", help="start the search portal (Streamlit) on portal.host:portal.port")
    p.set_defaults(func=cmd_serve)

    for register in _extra_commands():
        register(sub)

    p = sub.add_parser("demo", help="build a sample town share, crawl it and run example searches")
    p.add_argument("--dir", default="aktenlotse-demo", help="folder for the demo share, config and data")
    p.add_argument("--no-serve", action="store_true", help="do not start the portal at the end")
    p.set_defaults(func=cmd_demo)
    return parser


def _extra_commands():
    """Sub-commands that live beside their feature (enrichment, Aktenplan, evaluation, checks)."""
    from aktenlotse.cli import access, aktenplan, backup, check, doctor, enrich, eval, review

    return [
        enrich.register,
        aktenplan.register,
        eval.register,
        check.register,
        review.register,
        backup.register,
        doctor.register,
        access.register,
    ]


def _config(args) -> Config:
    return load_config(args.config)


def cmd_init(args) -> int:
    target = Path(args.path)
    if target.exists() and not args.force:
        raise UserError(f"{target} exists already (use --force to overwrite)")
    text = resources.files("aktenlotse").joinpath("example_config.toml").read_text(encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    print(f"Beispielkonfiguration geschrieben: {target}")
    return 0


def cmd_setup(args) -> int:
    from aktenlotse.crawler.tika_jar import TikaSetupError, fetch_tika_jar

    try:
        jar = fetch_tika_jar(_config(args).cache_dir)
    except (TikaSetupError, OSError) as exc:
        raise UserError(f"Tika-Server konnte nicht geladen werden: {exc}") from None
    print(f"Tika-Server bereit: {jar}")
    # The default encoder's table is derived once from the package's weights (~20 s);
    # doing it here keeps the first embedding pass and the first search fast.
    from aktenlotse.crawler.tika_jar import default_cache_dir
    from aktenlotse.enrich.static_use import StaticUseEncoder, table_path

    try:
        StaticUseEncoder(default_cache_dir())
    except OSError as exc:
        raise UserError(f"Einbettungstabelle konnte nicht geschrieben werden: {exc}") from None
    print(f"Einbettungstabelle bereit: {table_path(default_cache_dir())}")
    return 0


def _error_kinds(text: str) -> tuple[str, ...]:
    from aktenlotse.core.records import ERROR_KINDS

    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ERROR_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unbekannte Fehlerart {', '.join(unknown) or '(leer)'}; möglich: {', '.join(ERROR_KINDS)}"
        )
    return kinds


def _retry_kinds(args) -> tuple[str | None, ...] | None:
    """What `--retry-errors [--kind …]` asks for: None (nothing), the kinds, or (None,) for all."""
    if args.kind and not args.retry_errors:
        raise UserError("--kind gilt nur zusammen mit --retry-errors")
    if not args.retry_errors:
        return None
    return args.kind or (None,)


def cmd_crawl(args) -> int:
    from aktenlotse.core.records import ExtractionError
    from aktenlotse.pipeline import app

    config = _config(args)
    _require_local_paths(args.paths)
    progress = None if args.no_progress or args.json or not sys.stderr.isatty() else _progress_bar()
    try:
        configure_logging(config)
        summary = app.run_crawl(config, args.paths, progress=progress, retry_kinds=_retry_kinds(args))
    except ExtractionError as exc:
        raise UserError(exc.message) from None
    except (sqlite3.Error, OSError) as exc:  # the data directory itself: full, read-only, locked, corrupt
        raise UserError(storage_problem(exc)) from None
    finally:
        if progress is not None:
            progress.close()
    if summary.status == "failed":
        # The run stopped (index or data directory); its reason is the one line, the run
        # record keeps it for the admin page.
        if args.json:
            print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        raise UserError("; ".join(summary.messages) or "Der Crawl ist fehlgeschlagen.")
    data = summary.as_dict()
    if not args.no_enrich and summary.status in ("done", "incomplete"):
        # Text is searchable now; vectors and OCR follow (resumable: `aktenlotse enrich`).
        data["second_pass"] = app.run_second_pass(config)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(
            f"Neu {summary.new}, geändert {summary.changed}, verschoben {summary.moved}, "
            f"unverändert {summary.unchanged}, "
            f"Rechte geändert {summary.permissions}, gelöscht {summary.deleted}, Fehler {summary.errors} — "
            f"{summary.seconds:.1f} s, {data['docs_per_s']} Dok./s, {data['mb_per_s']} MB/s"
        )
        embed = data.get("second_pass", {}).get("embeddings")
        if embed:
            print(
                f"Einbettungen: {embed['documents']} Dokumente, {embed['chunks']} Abschnitte, "
                f"{embed['seconds']:.1f} s ({embed['docs_per_s']} Dok./s)"
            )
        ocr = data.get("second_pass", {}).get("ocr")
        if ocr:
            print(f"OCR: {ocr}")
        for message in summary.messages:
            print(f"Hinweis: {message}", file=sys.stderr)
        if summary.errors:
            print("Details: aktenlotse errors", file=sys.stderr)
    # "incomplete": a source was unreachable. cron and systemd must notice that.
    return 0 if summary.status == "done" else 1


def _require_local_paths(paths: Sequence[str]) -> None:
    """A folder named on the command line that does not exist is a typo, not an outage:
    one line, before anything is started or written."""
    for raw in paths:
        if parse_smb_root(raw) is None and not Path(raw).is_dir():
            what = "ist kein Ordner" if Path(raw).exists() else "nicht gefunden"
            raise UserError(f"Ordner {what}: {raw}")


class _progress_bar:
    """A tqdm bar fed by the crawler's progress events (files listed / files processed)."""

    def __init__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit=" Dateien", desc="Crawl", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, event: str, n: int) -> None:
        if event == "listed":
            self.bar.total = (self.bar.total or 0) + n
            self.bar.update(0)
        elif event == "done":
            self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


def cmd_search(args) -> int:
    if not args.query.strip():
        raise UserError("Bitte einen Suchbegriff angeben, z. B.: aktenlotse search Bauantrag")
    config = _config(args)
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


def hits_as_json(query_text: str, hits) -> dict:
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
    import html

    bold = sys.stdout.isatty()
    text = re.sub(r"</?mark>", lambda m: ("\033[1m" if m.group() == "<mark>" else "\033[0m") if bold else "", snippet)
    return html.unescape(text)


def cmd_errors(args) -> int:
    config = _config(args)
    if not config.state_db.exists():
        print("[]" if args.json else "Noch kein Crawl gelaufen.")
        return 0
    errors = current_errors(config)
    if args.json:
        print(json.dumps(errors, ensure_ascii=False, indent=2))
        return 0
    if not errors:
        print("Keine Fehler.")
    for error in errors:
        print(f"{error['kind']:<12} {error['source']}:{error['path']}  {error['message']}")
    return 0


def cmd_serve(args) -> int:
    from aktenlotse.cli.serve import PortalStartError, serve

    try:
        return serve(_config(args))
    except PortalStartError as exc:
        raise UserError(str(exc)) from None


def cmd_demo(args) -> int:
    from aktenlotse.demo.runner import run_demo

    return run_demo(Path(args.dir), serve=not args.no_serve)


if __name__ == "__main__":
    sys.exit(main())
