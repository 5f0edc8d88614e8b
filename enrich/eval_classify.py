"""`aktenlotse eval classify`: Aktenplan suggestions measured against labelled documents.

Runs the same `Suggester` as the crawl and the portal. Rows are JSONL objects or CSV rows
with `id`, `label` and the text field; titles only with `--with-title`. A document's
vector is the mean of its chunk vectors, chunked as the embedding pass does
(`document_chunks`, sized by the `[enrich]` section of `--config` or the defaults), so the
figures are those of the vector the crawl's second pass gives the suggestion. Embeddings
of chunks are cached under ~/.cache/aktenlotse (model + text hash), so repeated runs are quick.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

import numpy as np

from aktenlotse.core.config import ConfigError, EnrichConfig, load_config
from aktenlotse.enrich.aktenplan import AktenplanError, read_aktenplan
from aktenlotse.enrich.chunking import document_chunks
from aktenlotse.enrich.classifier import expected_calibration_error
from aktenlotse.enrich.embedding_cache import CachedEncoder
from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.enrich.suggest import Suggester, mean_vector


def read_rows(path: Path) -> list[dict]:
    if not path.exists():
        raise ConfigError(f"Datei nicht gefunden: {path}")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))
    rows = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise ConfigError(f"{path}: Zeile {number} ist kein JSON") from None
    return rows


def auto_accept(confidence: np.ndarray, correct: np.ndarray, precision: float = 0.9) -> float:
    """Largest share of items, taken by descending confidence, whose top-1 precision is ≥
    `precision`; cuts only between distinct confidence values."""
    n = len(confidence)
    if n == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    conf, ok = confidence[order], correct[order].astype(float)
    hits = np.cumsum(ok)
    best = 0.0
    for k in range(1, n + 1):
        if k < n and conf[k] == conf[k - 1]:
            continue
        if hits[k - 1] / k >= precision:
            best = k / n
    return best


def macro_f1(y_true: list[str], y_pred: list[str], labels: list[str]) -> float:
    scores = []
    for label in labels:
        tp = sum(t == label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fp = sum(t != label and p == label for t, p in zip(y_true, y_pred, strict=True))
        fn = sum(t == label and p != label for t, p in zip(y_true, y_pred, strict=True))
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def _texts(rows: list[dict], field: str, with_title: bool) -> tuple[list[str], list[str]]:
    title_field = "title_masked" if field == "text_masked" else "title"
    texts = [str(r.get(field) or "") for r in rows]
    titles = [str(r.get(title_field) or "") if with_title else "" for r in rows]
    return texts, titles


def _enrich_config(args: argparse.Namespace) -> EnrichConfig:
    """The chunk sizes of the configured `[enrich]` section (`--config` or
    AKTENLOTSE_CONFIG), else the defaults: those the embedding pass uses."""
    if getattr(args, "config", None) or os.environ.get("AKTENLOTSE_CONFIG"):
        return load_config(getattr(args, "config", None)).enrich
    return EnrichConfig()


def evaluate(args: argparse.Namespace) -> dict:
    """The figures of `aktenlotse eval classify` (top-1/3, macro F1, auto-accept share, ECE)."""
    try:
        plan = read_aktenplan(args.aktenplan)
    except AktenplanError as exc:
        raise ConfigError(str(exc)) from None
    test = read_rows(Path(args.data))
    train = read_rows(Path(args.train)) if args.train else []
    for name, rows in (("--data", test), ("--train", train)):
        for r in rows:
            if args.text_field not in r:
                raise ConfigError(f"{name}: Feld {args.text_field!r} fehlt (Zeile id={r.get('id')})")
            if str(r.get("label")) not in plan.classes:
                raise ConfigError(f"{name}: Label {r.get('label')!r} ist keine Kennziffer des Aktenplans")
    if not test:
        raise ConfigError("--data enthält keine Zeilen")
    labels = sorted({str(r["label"]) for r in test + train})
    level = plan.classes[labels[0]].level
    codes = [c.code for c in plan.classes.values() if c.level == level]
    encoder = None
    if args.model != "none":
        encoder = CachedEncoder(load_encoder(args.model, threads=args.threads))
    suggester = Suggester(plan, encoder=encoder, codes=codes)

    chunking = _enrich_config(args)

    def vectors(titles: list[str], texts: list[str]) -> np.ndarray | None:
        if encoder is None:
            return None
        out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
        for i, (title, text) in enumerate(zip(titles, texts, strict=True)):
            v = mean_vector(encoder.encode(document_chunks(title, text, chunking)[1]))
            if v is not None:
                out[i] = v
        return out

    texts, titles = _texts(test, args.text_field, args.with_title)
    docs = [f"{t}\n{x}" if t else x for t, x in zip(titles, texts, strict=True)]
    if train:
        tr_texts, tr_titles = _texts(train, args.text_field, args.with_title)
        # The texts to classify (never their labels) shape the vocabulary, as the crawled
        # documents do in production (aktenlotse.services.review_training).
        suggester.train(
            tr_texts,
            [str(r["label"]) for r in train],
            tr_titles,
            vectors(tr_titles, tr_texts),
            groups=[str(r.get("group") or r.get("id") or i) for i, r in enumerate(train)],
            unlabelled_texts=docs,
        )
    results = suggester.suggest_many(texts, titles, None, vectors(titles, texts), k=len(codes))
    y_true = [str(r["label"]) for r in test]
    top = [[s.code for s in res] for res in results]
    pred = [t[0] if t else "" for t in top]
    conf = np.array([res[0].score if res else 0.0 for res in results])
    correct = np.array([p == y for p, y in zip(pred, y_true, strict=True)])
    probs = np.zeros((len(test), len(codes)))
    for i, res in enumerate(results):
        for s in res:
            probs[i, codes.index(s.code)] = s.score
    return {
        "n": len(test),
        "top1": round(float(correct.mean()), 4),
        "top3": round(float(np.mean([y in t[:3] for y, t in zip(y_true, top, strict=True)])), 4),
        "macro_f1": round(macro_f1(y_true, pred, labels), 4),
        "auto_accept": round(auto_accept(conf, correct), 4),
        "ece": round(expected_calibration_error(probs, np.array([codes.index(y) for y in y_true])), 4),
        "mode": "supervised" if train else "zero-shot",
    }


def run(args: argparse.Namespace) -> int:
    result = evaluate(args)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['mode']}: n={result['n']} top1={result['top1']:.3f} top3={result['top3']:.3f} "
            f"macro_f1={result['macro_f1']:.3f} auto_accept={result['auto_accept']:.3f} ece={result['ece']:.3f}"
        )
    return 0
