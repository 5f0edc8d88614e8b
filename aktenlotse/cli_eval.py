"""`aktenlotse eval classify|search`: quality measured on labelled data.

Each sub-command lives beside its feature: `aktenlotse.enrich.eval_classify` and
`aktenlotse.enrich.eval_search` expose `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import importlib


def register(sub) -> None:
    """Add `eval classify` and `eval search` to the `aktenlotse` parser."""
    parser = sub.add_parser("eval", help="measure classification or retrieval quality on labelled data")
    eval_sub = parser.add_subparsers(metavar="WHAT")
    for name, module, help_text in (
        ("classify", "aktenlotse.enrich.eval_classify", "Aktenplan suggestions against labelled documents"),
        ("search", "aktenlotse.enrich.eval_search", "retrieval (BEIR layout: corpus, queries, qrels)"),
    ):
        p = eval_sub.add_parser(name, help=help_text)
        p.set_defaults(func=_lazy_run(module))
        _lazy_arguments(module, p)


def _lazy_run(module_name: str):
    def run(args) -> int:
        return importlib.import_module(module_name).run(args)

    return run


def _lazy_arguments(module_name: str, parser) -> None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return  # feature not installed in this build
    module.add_arguments(parser)
