"""`aktenlotse eval search` on a tiny BEIR data set built here (real analysis, real encoder)."""

from __future__ import annotations

import json
from pathlib import Path

from aktenlotse.cli.main import main
from aktenlotse.pipeline.eval_search import ndcg_at, recall_at
from aktenlotse.search.embedded import EmbeddedBackend

# Each document with the one question it answers: id: (title, text, question). The
# questions are the queries q1, q2, … in this order.
DOCS = {
    "hund": (
        "Hundesteuersatzung",
        "Die Gemeinde erhebt eine Steuer für das Halten von Hunden im Gemeindegebiet. "
        "Die Steuer wird jährlich festgesetzt und ist zum 1. Juli fällig.",
        "Wann ist die Hundesteuer fällig?",
    ),
    "park": (
        "Parkausweise für Bewohner",
        "Bewohnerparkausweise stellt das Ordnungsamt aus. Der Antrag braucht "
        "die Meldebescheinigung und den Fahrzeugschein.",
        "Wo bekomme ich einen Parkausweis für meine Straße?",
    ),
    "bad": (
        "Benutzungsordnung Hallenbad",
        "Das Hallenbad ist dienstags bis sonntags geöffnet. Kinder unter "
        "sieben Jahren dürfen nur in Begleitung Erwachsener schwimmen.",
        "Duerfen kleine Kinder alleine ins Schwimmbad?",
    ),
    "friedhof": (
        "Friedhofssatzung",
        "Grabstätten werden als Reihengräber und Wahlgräber vergeben. Die Ruhezeit beträgt zwanzig Jahre.",
        "Wie lange ist die Ruhezeit auf dem Friedhof?",
    ),
    "bau": (
        "Bauantrag",
        "Wer ein Gebäude errichten will, reicht den Bauantrag bei der unteren Baurechtsbehörde ein.",
        "Bei wem reiche ich den Antrag für ein neues Haus ein?",
    ),
}
# query id: (question, the id of the document that answers it)
QUERIES = {f"q{i}": (question, doc_id) for i, (doc_id, (_, _, question)) in enumerate(DOCS.items(), 1)}


def _eval_search_argv(corpus: Path, queries: Path, qrels: Path, mode: str) -> list[str]:
    return ["eval", "search", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels), "--mode", mode]


def _fixture(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"_id": k, "title": t, "text": x}, ensure_ascii=False) + "\n" for k, (t, x, _) in DOCS.items()
        ),
        encoding="utf-8",
    )
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        "".join(json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n" for q, (t, _) in QUERIES.items()),
        encoding="utf-8",
    )
    qrels = tmp_path / "dev.tsv"
    qrels.write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, (_, d) in QUERIES.items()), encoding="utf-8"
    )
    return corpus, queries, qrels


def test_metrics():
    assert ndcg_at(["a", "b"], {"a": 1}) == 1.0
    assert 0 < ndcg_at(["x", "a"], {"a": 1}) < 1
    assert ndcg_at([], {"a": 1}) == 0.0
    assert recall_at(["x", "a", "b"], {"a": 1, "b": 1}, 2) == 0.5


def test_eval_search_all_modes(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    corpus, queries, qrels = _fixture(tmp_path)
    results = {}
    for mode in ("fulltext", "semantic", "hybrid"):
        argv = _eval_search_argv(corpus, queries, qrels, mode)
        assert main([*argv, "--json", "--chunk-words", "20", "--chunk-overlap", "5"]) == 0
        out = capsys.readouterr().out.strip().splitlines()
        assert len(out) == 1
        results[mode] = json.loads(out[0])
    for mode, result in results.items():
        assert set(result) == {"mode", "n", "ndcg_at_10", "recall_at_10", "recall_at_100"}
        assert result["mode"] == mode and result["n"] == 5
        assert result["recall_at_100"] == 1.0
        assert 0.6 <= result["ndcg_at_10"] <= 1.0
    assert results["hybrid"]["ndcg_at_10"] >= results["fulltext"]["ndcg_at_10"] - 0.1
    # The embeddings were cached on disk, keyed by model and input.
    assert list((tmp_path / "cache" / "aktenlotse" / "embeddings").glob("embeddings-*.sqlite"))


def test_eval_search_text_output(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    corpus, queries, qrels = _fixture(tmp_path)
    assert main(_eval_search_argv(corpus, queries, qrels, "fulltext")) == 0
    out = capsys.readouterr().out
    assert "ndcg_at_10:" in out and "recall_at_100:" in out


def test_eval_search_over_the_ann_snapshot_agrees_with_exact(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    corpus, queries, qrels = _fixture(tmp_path)
    built = []
    original = EmbeddedBackend.refresh_vector_index

    def recorded(backend, model, force=False, progress=None):
        built.append(original(backend, model, force, progress))
        return built[-1]

    monkeypatch.setattr(EmbeddedBackend, "refresh_vector_index", recorded)
    figures = {}
    for vector_index in ("auto", "ann"):
        argv = _eval_search_argv(corpus, queries, qrels, "semantic")
        assert (
            main([*argv, "--json", "--chunk-words", "20", "--chunk-overlap", "5", "--vector-index", vector_index]) == 0
        )
        figures[vector_index] = json.loads(capsys.readouterr().out)
    assert built[0] is None and built[1]["documents"] == 5  # not due for five documents; forced
    assert figures["ann"] == figures["auto"]  # a corpus this small: every cluster is scanned
