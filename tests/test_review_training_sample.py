"""The undecided documents a retraining reads for its vocabulary: a stable, bounded sample
without the decided ones, from the real embedded index."""

from aktenlotse.core.records import Document
from aktenlotse.search.embedded import EmbeddedBackend
from aktenlotse.services import review_training


def _doc(i: int) -> Document:
    return Document(
        id=f"doc{i:03}",
        source="daten",
        path=f"Akten/{i:03}.txt",
        title=f"Akte {i}",
        text=f"Vorgang Nummer {i}",
        allow=("authenticated",),
    )


def test_undecided_sample_is_stable_bounded_and_excludes_decisions(tmp_path, monkeypatch):
    backend = EmbeddedBackend(tmp_path / "index.sqlite")
    try:
        backend.upsert([_doc(i) for i in range(30)])
        monkeypatch.setattr(review_training, "UNLABELLED_SAMPLE", 10)
        decided = {f"doc{i:03}" for i in range(5)}
        first = review_training._undecided_texts(backend, decided, {"ag_dms"})
        assert len(first) == 10 and first == review_training._undecided_texts(backend, decided, {"ag_dms"})
        assert not {f"Vorgang Nummer {i}" for i in range(5)} & set(first)
    finally:
        backend.close()
