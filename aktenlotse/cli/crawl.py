"""`aktenlotse crawl`: crawl the configured sources (or the given folders) incrementally."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aktenlotse.cli.common import UserError, config_of
from aktenlotse.cli.logging_setup import configure_logging
from aktenlotse.core.config import parse_smb_root
from aktenlotse.core.records import ERROR_KINDS, ExtractionError
from aktenlotse.core.storage_errors import storage_problem
from aktenlotse.pipeline import app
from aktenlotse.pipeline.crawl import CrawlSummary
from aktenlotse.services.review_index import record_decisions_in_index


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `crawl`."""
    p = parser
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


def _error_kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ERROR_KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"unbekannte Fehlerart {', '.join(unknown) or '(leer)'}; möglich: {', '.join(ERROR_KINDS)}"
        )
    return kinds


def _retry_kinds(args: argparse.Namespace) -> tuple[str | None, ...] | None:
    """What `--retry-errors [--kind …]` asks for: None (nothing), the kinds, or (None,) for all."""
    if args.kind and not args.retry_errors:
        raise UserError("--kind gilt nur zusammen mit --retry-errors")
    if not args.retry_errors:
        return None
    return args.kind or (None,)


def cmd_crawl(args: argparse.Namespace) -> int:
    """Crawl, then (unless --no-enrich) the second pass; exit 1 unless every source was read."""
    config = config_of(args)
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
        data["second_pass"].update(record_decisions_in_index(config))
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(_summary_line(summary, data))
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


def _summary_line(summary: CrawlSummary, data: dict[str, Any]) -> str:
    return (
        f"Neu {summary.new}, geändert {summary.changed}, verschoben {summary.moved}, "
        f"unverändert {summary.unchanged}, "
        f"Rechte geändert {summary.permissions}, gelöscht {summary.deleted}, Fehler {summary.errors} — "
        f"{summary.seconds:.1f} s, {data['docs_per_s']} Dok./s, {data['mb_per_s']} MB/s"
    )


def _require_local_paths(paths: Sequence[str]) -> None:
    """A folder named on the command line that does not exist is a typo, not an outage:
    one line, before anything is started or written."""
    for raw in paths:
        if parse_smb_root(raw) is None and not Path(raw).is_dir():
            what = "ist kein Ordner" if Path(raw).exists() else "nicht gefunden"
            raise UserError(f"Ordner {what}: {raw}")


class _progress_bar:
    """A tqdm bar fed by the crawler's progress events (files listed / files processed)."""

    def __init__(self) -> None:
        self.bar = tqdm(total=0, unit=" Dateien", desc="Crawl", file=sys.stderr, dynamic_ncols=True)

    def __call__(self, event: str, n: int) -> None:
        if event == "listed":
            self.bar.total = (self.bar.total or 0) + n
            self.bar.update(0)
        elif event == "done":
            self.bar.update(n)

    def close(self) -> None:
        self.bar.close()
