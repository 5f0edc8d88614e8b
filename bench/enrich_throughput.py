"""Docs/s of each enrichment step on a JSONL corpus (default: ../shared/data/revosax/dev.jsonl).

Prints one line per figure. Steps run one after another over the same documents, each
after a warm-up pass over the first 20 documents (per-word caches are warm in a crawl too).

    python bench/enrich_throughput.py [--data FILE.jsonl] [--field text_masked] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from aktenlotse.enrich.aktenplan import read_aktenplan
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.enrich.entities import find_entities
from aktenlotse.enrich.keywords import KeywordExtractor
from aktenlotse.enrich.sensitive import sensitive_flags
from aktenlotse.enrich.suggest import Suggester, mean_vector


def main() -> None:
    parser = argparse.ArgumentParser()
    here = Path(__file__).resolve().parents[1]
    parser.add_argument("--data", default=str(here.parent / "shared" / "data" / "revosax" / "dev.jsonl"))
    parser.add_argument("--plan", default=str(here / "enrich" / "data" / "aktenplan_muster.csv"))
    parser.add_argument("--field", default="text_masked")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r.get(args.field) or r.get("text") or "" for r in rows]
    plan = read_aktenplan(args.plan)
    keywords = KeywordExtractor(plan_keywords=[k for c in plan.classes.values() for k in c.keywords])
    encoder = load_encoder("use-multilingual", threads=args.threads)
    suggester = Suggester(plan, encoder=encoder)

    def timed(name, fn, warm=True):
        if warm:
            for t in texts[:20]:
                fn(t)
        start = time.perf_counter()
        out = [fn(t) for t in texts]
        seconds = time.perf_counter() - start
        print(f"{name}: {len(texts) / seconds:.1f} docs/s ({1000 * seconds / len(texts):.2f} ms/doc, n={len(texts)})")
        return out

    timed("entities+sensitive", lambda t: sensitive_flags(find_entities(t), t))
    timed("keywords", lambda t: keywords.extract(t))
    timed("aktenplan lexical suggestion", lambda t: suggester.suggest(t))
    chunk_vectors = timed(
        "embedding (USE, the pass's chunks)", lambda t: encoder.encode(document_chunks("", t)[1]), warm=False
    )
    vectors = iter([mean_vector(v) for v in chunk_vectors])
    timed(
        "aktenplan suggestion with vector (excl. embedding)",
        lambda t: suggester.suggest(t, doc_vector=next(vectors)),
        warm=False,
    )


if __name__ == "__main__":
    main()
