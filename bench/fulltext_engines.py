"""Full text at scale, side by side: the embedded backend as it searches today (SQLite FTS5,
every match fetched, counted and faceted in Python) against tantivy (block-max WAND top-k,
count and facet aggregation over fast fields) fed with the same analysed terms and
trimmed by the same permission-set ids.

    python -m bench.fulltext_engines [--sizes 10000,100000]

Uses the cached indexes of `bench.scale` (run it first for the same sizes). tantivy is not
a dependency of the product yet: install it into the environment that runs this
benchmark (`pip install tantivy`); its index is written to a temporary folder and removed.
Prints, per size and query word, p50/p95 of the backend's search (10 hits, facets on) and
of tantivy's top 10 + exact count + type/year/folder facets, and the totals of both (they
must agree: the same documents are visible).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aktenlotse.core.visibility import Permissions, visible_ids
from aktenlotse.search.backend import Query
from aktenlotse.search.backend_common import TEXT_WEIGHT, TITLE_WEIGHT
from aktenlotse.search.embedded import EmbeddedBackend
from bench.crawl_throughput import CACHE
from bench.es_query_latency import percentiles
from bench.scale import PRINCIPALS

try:  # optional: only this benchmark needs it (see the module docstring)
    import tantivy
except ImportError:  # pragma: no cover - reported to the user
    tantivy = None

WORDS = ("vorgang", "akte", "unterlage", "vorgangsnummer0000001")
FACETS = {name: {"terms": {"field": name, "size": 20}} for name in ("file_type", "year", "top_folder")}


def _timed(run: Callable[[], object], repeat: int = 9) -> tuple[float, float, object]:
    """p50 and p95 in ms of `repeat` runs, and the last run's result."""
    timings, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        timings.append((time.perf_counter() - start) * 1000)
    return (*percentiles(timings), result)


def build_tantivy(source: Path, folder: Path) -> tuple[object, dict[str, int], float]:
    """A tantivy index of the SQLite index's analysed title and text terms, with the
    permission set (as a number), year, type and top folder as fast fields."""
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=False)
    builder.add_text_field("body", stored=False)
    builder.add_unsigned_field("rowid", stored=True, fast=True, indexed=True)
    builder.add_unsigned_field("perm", fast=True, indexed=True)
    builder.add_integer_field("year", fast=True, indexed=True)
    builder.add_text_field("file_type", fast=True, tokenizer_name="raw")
    builder.add_text_field("top_folder", fast=True, tokenizer_name="raw")
    index = tantivy.Index(builder.build(), path=str(folder))
    connection = sqlite3.connect(source)
    perm_numbers = {perm: n for n, (perm,) in enumerate(connection.execute("SELECT id FROM permission_sets"))}
    writer = index.writer(heap_size=150_000_000, num_threads=1)
    started = time.perf_counter()
    rows = "SELECT rowid, perm_id, year, file_type, top_folder, title_terms, terms FROM docs"
    for rowid, perm, year, file_type, top_folder, title_terms, terms in connection.execute(rows):
        doc = tantivy.Document()
        doc.add_text("title", title_terms)
        doc.add_text("body", terms)
        doc.add_unsigned("rowid", rowid)
        doc.add_unsigned("perm", perm_numbers[perm])
        doc.add_integer("year", year or 0)
        doc.add_text("file_type", file_type)
        doc.add_text("top_folder", top_folder)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    connection.close()
    index.reload()
    return index, perm_numbers, seconds


def visible_numbers(source: Path, perm_numbers: dict[str, int]) -> list[int]:
    """The permission sets the benchmark user may read, as the backend decides it."""
    connection = sqlite3.connect(source)
    registry = [Permissions.from_json(raw) for (raw,) in connection.execute("SELECT permissions FROM permission_sets")]
    connection.close()
    return [perm_numbers[perm_id] for perm_id in visible_ids(PRINCIPALS, registry)]


def measure(n_docs: int) -> None:
    source = next(CACHE.glob(f"scale-{n_docs}-*/index.sqlite"), None)
    if source is None:
        raise SystemExit(f"no cached index of {n_docs} documents: run python -m bench.scale --sizes {n_docs}")
    backend = EmbeddedBackend(source)
    with tempfile.TemporaryDirectory() as folder:
        index, perm_numbers, seconds = build_tantivy(source, Path(folder))
        print(f"fulltext_engines_tantivy_build_{n_docs} {n_docs / seconds:.0f} docs/s", flush=True)
        schema, searcher = index.schema, index.searcher()
        visible = tantivy.Query.term_set_query(schema, "perm", visible_numbers(source, perm_numbers))
        for word in WORDS:
            text = tantivy.Query.boolean_query(
                [
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(tantivy.Query.term_query(schema, "title", word), TITLE_WEIGHT),
                    ),
                    (
                        tantivy.Occur.Should,
                        tantivy.Query.boost_query(tantivy.Query.term_query(schema, "body", word), TEXT_WEIGHT),
                    ),
                ]
            )
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, text), (tantivy.Occur.Must, visible)])

            def tantivy_page(query: object = query) -> int:
                found = searcher.search(query, 10, count=True)
                searcher.aggregate(query, FACETS)
                return found.count

            def backend_page(word: str = word) -> int:
                return backend.search(Query(text=word, facets=True, limit=10), PRINCIPALS).total

            ours = _timed(backend_page)
            theirs = _timed(tantivy_page)
            print(
                f"fulltext_engines_{word}_{n_docs} fts5 p50 {ours[0]:.1f} p95 {ours[1]:.1f} ms (total {ours[2]}),"
                f" tantivy p50 {theirs[0]:.1f} p95 {theirs[1]:.1f} ms (total {theirs[2]})",
                flush=True,
            )
    backend.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    if tantivy is None:
        raise SystemExit("tantivy is not installed in this environment: pip install tantivy")
    for size in args.sizes.split(","):
        measure(int(size))


if __name__ == "__main__":
    main()
