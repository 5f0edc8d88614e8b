"""`aktenlotse eval classify|search`: quality measured on labelled data.

Each sub-command's work lives beside what it measures (`aktenlotse.enrich.eval_classify`;
`aktenlotse.pipeline.eval_search`, which runs the embedding pass and the embedded index),
each with `run(args) -> int`, imported only when the
command runs: they need numpy and the encoders, which every other command can do without.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from aktenlotse.core.config import EnrichConfig
from aktenlotse.search.backend import MODES


def configure(parser: argparse.ArgumentParser) -> None:
    """The actions of `eval` (classify, search)."""
    eval_sub = parser.add_subparsers(metavar="WHAT")
    for name, module, help_text, arguments in (
        (
            "classify",
            "aktenlotse.enrich.eval_classify",
            "Aktenplan suggestions against labelled documents",
            classify_arguments,
        ),
        (
            "search",
            "aktenlotse.pipeline.eval_search",
            "retrieval (BEIR layout: corpus, queries, qrels)",
            search_arguments,
        ),
    ):
        p = eval_sub.add_parser(name, help=help_text)
        p.set_defaults(func=_lazy_run(module))
        arguments(p)


def classify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--aktenplan", required=True, help="Aktenplan file (CSV or XLSX); its codes are the labels")
    parser.add_argument("--data", required=True, help="labelled test rows (JSONL or CSV)")
    parser.add_argument("--train", help="labelled training rows: measure the supervised model (else zero-shot)")
    parser.add_argument("--text-field", default="text", help="field holding the text (default: text)")
    parser.add_argument(
        "--with-title", action="store_true", help="prepend the title (title_masked with text_masked, else title)"
    )
    parser.add_argument("--model", default=EnrichConfig.model, help="encoder for semantic evidence, or 'none'")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print one JSON object with the figures")


def search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", required=True, help="corpus.jsonl ({_id, title, text})")
    parser.add_argument("--queries", required=True, help="queries.jsonl ({_id, text})")
    parser.add_argument("--qrels", required=True, help="qrels TSV (query-id, corpus-id, score; header line)")
    parser.add_argument("--mode", choices=MODES, default="hybrid")
    parser.add_argument(
        "--model", default=None, help="encoder (default: enrich.model from the config, else use-static)"
    )
    parser.add_argument("--chunk-words", type=int, default=None)
    parser.add_argument("--chunk-overlap", type=int, default=None)
    parser.add_argument("--cache-dir", default=None, help="embedding cache (default ~/.cache/aktenlotse)")
    parser.add_argument(
        "--backend",
        choices=("embedded", "elasticsearch", "opensearch"),
        default="embedded",
        help="index to measure (a search server gets a throw-away index, deleted afterwards)",
    )
    parser.add_argument("--server-url", default=None, help="URL of the search server for --backend")
    parser.add_argument(
        "--vector-index",
        choices=("auto", "ann"),
        default="auto",
        help="embedded: 'ann' searches the approximate vector index even for a small corpus",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _lazy_run(module_name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        return importlib.import_module(module_name).run(args)

    return run
