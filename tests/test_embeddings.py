"""Chunking, the offline encoders and the query embedding (real model, no mocks)."""

from __future__ import annotations

import numpy as np
import pytest

from aktenlotse.core.config import Config, ConfigError, EnrichConfig
from aktenlotse.enrich.chunking import chunk_inputs, chunk_spans
from aktenlotse.enrich.embeddings import EncoderError, load_encoder
from aktenlotse.enrich.query_embedding import embed_query
from tests.conformance_corpus import shared_encoder


def test_chunks_cover_text_with_overlap():
    words = [f"w{i}" for i in range(500)]
    text = "  ".join(words)
    spans = chunk_spans(text, words=200, overlap=40)
    chunks = [text[s:e].split() for s, e in spans]
    assert chunks[0] == words[:200]
    assert chunks[1][:40] == words[160:200]
    assert chunks[-1][-1] == "w499"
    assert all(len(c) <= 200 + 50 for c in chunks)
    covered = {w for c in chunks for w in c}
    assert covered == set(words)


def test_short_tail_is_folded_into_last_chunk():
    text = " ".join(f"w{i}" for i in range(210))
    spans = chunk_spans(text, words=200, overlap=40)
    assert len(spans) == 1 and text[spans[0][0] : spans[0][1]].split()[-1] == "w209"


def test_spans_are_character_offsets():
    text = "Erster Satz hier.\n\nZweiter  Satz dort, mit Umlauten: Größe."
    spans = chunk_spans(text, words=3, overlap=1)
    assert text[spans[0][0] : spans[0][1]] == "Erster Satz hier."
    assert text[spans[-1][0] : spans[-1][1]].endswith("Größe.")


def test_blank_text_and_bad_settings():
    assert chunk_spans("", 200, 40) == [] and chunk_spans(" \n\t ", 200, 40) == []
    assert chunk_inputs("Titel", "", []) == ["Titel"]
    assert chunk_inputs("", "", []) == []
    with pytest.raises(ValueError, match="chunk_overlap"):
        chunk_spans("a b c", 10, 10)
    with pytest.raises(ValueError, match="chunk_words"):
        chunk_spans("a b c", 0, 0)


def test_huge_text_is_bounded():
    text = "wort " * 100_000
    assert len(chunk_spans(text, 20, 0, max_chunks=50)) == 50


def test_title_prefix():
    assert chunk_inputs("Satzung  über\nHunde", "a b c", [(0, 5)]) == ["Satzung über Hunde\na b c"]
    assert chunk_inputs("T", "a b c", [(0, 5)], with_title=False) == ["a b c"]


def test_use_encoder_offline_normalised():
    encoder = shared_encoder()
    vectors = encoder.encode(["Der Bauantrag wurde genehmigt.", "Die Hundesteuer ist fällig.", ""])
    assert vectors.shape == (3, encoder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dim)
    # German paraphrases are closer than unrelated sentences.
    a, b, c = encoder.encode(
        ["Wann muss ich die Hundesteuer bezahlen?", "Fälligkeit der Steuer für Hunde", "Öffnungszeiten des Hallenbads"]
    )
    assert a @ b > a @ c


def test_unknown_model_names_the_setting():
    with pytest.raises(EncoderError, match=r"enrich\.model") as caught:
        load_encoder("no-such-model-xyz")
    assert isinstance(caught.value, ConfigError)


def test_folder_that_is_no_model_is_a_clear_error(tmp_path):
    # Without the `transformers` extra the message says what to install; with it, an
    # empty folder is no model. Either way nothing is downloaded and the key is named.
    with pytest.raises(EncoderError, match=r"enrich\.model"):
        load_encoder(str(tmp_path))


def test_embed_query_uses_configured_model(tmp_path):
    vector = embed_query(Config(data_dir=tmp_path), "Wo beantrage ich einen Parkausweis?")
    assert len(vector) == shared_encoder().dim
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert embed_query(EnrichConfig(), "Wo beantrage ich einen Parkausweis?") == vector


def test_chunks_are_bounded_in_characters_and_skip_noise():
    import base64
    import os

    blob = base64.b64encode(os.urandom(300_000)).decode()  # one 400,000-character "word"
    hexdump = os.urandom(64).hex()
    text = f"Haushaltsplan der Stadt {blob} Straßenbau {hexdump} Grünflächen " + "Bürgerhaus " * 30
    spans = chunk_spans(text, words=100, overlap=20, max_chars=2000)
    inputs = chunk_inputs("Haushalt", text, spans, max_chars=2000)
    assert all(len(i) <= 2000 + len("Haushalt\n") for i in inputs)
    assert all(blob not in i and hexdump not in i for i in inputs)
    assert "Straßenbau" in inputs[0] and "Grünflächen" in inputs[0]
    # A text of nothing but data gives no chunk at all.
    assert chunk_spans(f"{blob} {hexdump}", 100, 20) == []


def test_long_words_make_shorter_windows_not_longer_chunks():
    text = " ".join(["Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung"] * 200)
    spans = chunk_spans(text, words=100, overlap=20, max_chars=700)
    assert len(spans) > 2
    assert all(e - s <= 700 for s, e in spans)
    assert spans[-1][1] == len(text)  # everything covered


def test_noise_words():
    from aktenlotse.enrich.chunking import is_noise_word

    for word in (
        "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung",
        "Straßenbau",
        "Donaudampfschifffahrtsgesellschaftskapitän",
        "https://www.zeitz.de/rathaus",
    ):
        assert not is_noise_word(word), word
    for word in ("d41d8cd98f00b204e9800998ecf8427e", "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB", "x" * 120):
        assert is_noise_word(word), word
