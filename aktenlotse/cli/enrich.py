"""`aktenlotse enrich`: the resumable second pass (chunk embeddings) over the configured index."""

from __future__ import annotations

import argparse
import json
import sys

from aktenlotse.cli.embed_progress import ProgressLine, VectorIndexLine, summary_line, vector_index_line
from aktenlotse.cli.logging_setup import configure_logging
from aktenlotse.core.config import load_config
from aktenlotse.pipeline import app
from aktenlotse.services.review_index import record_decisions_in_index


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `enrich`."""
    parser.add_argument("--limit", type=int, default=None, help="stop after this many documents")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--rebuild-vector-index",
        action="store_true",
        help="rebuild the embedded index's approximate vector index now (otherwise only when due)",
    )
    parser.set_defaults(func=cmd_enrich)


def cmd_enrich(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    configure_logging(config)
    if args.limit is not None and args.limit < 0:
        print("Fehler: --limit darf nicht negativ sein", file=sys.stderr)
        return 1
    show = not args.json and sys.stderr.isatty()
    progress = ProgressLine(sys.stderr) if show else None
    index_progress = VectorIndexLine(sys.stderr) if show else None
    try:
        results = app.run_second_pass(
            config,
            limit=args.limit,
            progress=progress,
            rebuild_vector_index=args.rebuild_vector_index,
            vector_index_progress=index_progress,
        )
    finally:
        for line in (progress, index_progress):
            if line is not None:
                line.finish()
    results.update(record_decisions_in_index(config, limit=args.limit))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    if not results:
        print("Nichts zu tun: Einbettungen sind ausgeschaltet (enrich.embeddings) und keine Quelle hat ocr = true.")
    stats = results.get("embeddings")
    if stats:
        print(summary_line(stats))
    if results.get("vector_index"):
        print(vector_index_line(results["vector_index"]))
    if results.get("ocr"):
        print(f"OCR: {results['ocr']}")
    if results.get("decisions"):
        print(f"Aktenplan-Entscheidungen im Index: {results['decisions']['updated']} Dokumente aktualisiert.")
    return 0
